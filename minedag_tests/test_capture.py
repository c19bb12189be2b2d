"""Each collector, on real pages of the sample site in a real Chromium."""

import io
import json

import pytest
from PIL import Image

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

def test_response_redirect_and_status(captures):
    redirected = captures["http://shop.test/old-catalog"]
    assert redirected.ok and redirected.status == 200
    assert redirected.final_url == "http://shop.test/catalog"
    assert redirected.redirect_chain == [{"url": "http://shop.test/old-catalog", "status": 301}]
    missing = captures["http://shop.test/products/discontinued-widget"]
    assert missing.ok and missing.status == 404 and missing.http_error
    page = captures["http://shop.test/products/aurora-lamp"]
    assert page.content_type.startswith("text/html") and len(page.content_hash) == 64
    assert "Aurora Desk Lamp" in page.raw_html and "Aurora Desk Lamp" in page.rendered_html
    assert set(page.versions) == {"chromium", "playwright", "axe_core", "minedag", "sandbox"}


def test_accessibility_tree_names_the_signup_button(captures):
    nodes = captures["http://people.test/signup"].ax_tree
    assert any(n["role"] == "button" and n["name"] == "Sign up" for n in nodes)
    assert any(n["role"] == "textbox" and n["name"] == "Email" for n in nodes)


def test_dom_snapshot_has_computed_styles_and_boxes(captures):
    snap = captures["http://shop.test/"].dom_snapshot
    strings, layout = snap["strings"], snap["document"]["layout"]
    assert len(layout["nodeIndex"]) > 50 and len(layout["bounds"]) == len(layout["nodeIndex"])
    assert "fixed" in strings and any("Inter" in s for s in strings)


def test_layer_tree_has_the_3d_transformed_and_will_change_layers(captures):
    layers = captures["http://shop.test/"].layers
    reasons = {r for layer in layers for r in layer["compositingReasons"]}
    assert len(layers) >= 3
    assert reasons & {"WillChangeTransform", "Trivial3DTransform", "3DTransform", "ActiveTransformAnimation"}, reasons


def test_axe_reports_image_alt_on_the_page_without_alt(captures):
    broken = {v["id"] for v in captures["http://shop.test/products/terra-mug"].axe["violations"]}
    fine = {v["id"] for v in captures["http://shop.test/products/aurora-lamp"].axe["violations"]}
    assert "image-alt" in broken and "image-alt" not in fine
    assert captures["http://shop.test/products/terra-mug"].axe["engine"].startswith("4.")
    assert "color-contrast" in {v["id"] for v in captures["http://blog.test/about"].axe["violations"]}


def test_performance_metrics_paint_and_navigation_timing(captures):
    cap = captures["http://shop.test/"]
    assert cap.performance_metrics["Nodes"] > 50 and cap.performance_metrics["LayoutCount"] >= 1
    assert cap.paint["first-contentful-paint"] > 0 and cap.paint["largest-contentful-paint"] > 0
    assert cap.navigation_timing["loadEventEnd"] >= cap.navigation_timing["responseStart"] > 0
    assert cap.cls is not None and cap.cls >= 0


def test_network_log_css_and_js_coverage(captures):
    cap = captures["http://app.test/pricing"]
    urls = [r["url"] for r in cap.network]
    assert "http://app.test/pricing" in urls and "http://app.test/assets/site.css" in urls
    css = next(r for r in cap.network if r["url"].endswith("site.css"))
    assert css["status"] == 200 and css["bytes"] > 1000
    assert cap.css_coverage["total_bytes"] > cap.css_coverage["used_bytes"] > 0  # most rules unused on one page
    assert cap.js_coverage["total_bytes"] > 0  # the countdown script


def test_js_coverage_is_each_pages_own_in_a_reused_tab(options):
    """Coverage stays on for a tab's life: each capture must still report its own document's scripts only."""
    import dataclasses

    from minedag.capture import capture_urls

    one_tab = dataclasses.replace(options, pages_in_flight=1, pages_per_site=1)
    urls = ["http://app.test/pricing", "http://app.test/dashboard", "http://app.test/pricing?again=1"]
    first, other, again = capture_urls(urls, one_tab)
    assert [s["url"] for s in first.js_coverage["scripts"]] == ["http://app.test/pricing"]  # its inline script
    assert other.ok and other.js_coverage["scripts"] == []  # nothing left over from the page before
    assert [s["url"] for s in again.js_coverage["scripts"]] == ["http://app.test/pricing?again=1"]
    assert {k: v for k, v in again.js_coverage.items() if k != "scripts"} == {
        k: v for k, v in first.js_coverage.items() if k != "scripts"}
    assert 0 < first.js_coverage["used_bytes"] < first.js_coverage["total_bytes"]  # the countdown's unused branch


def test_stylesheets_custom_properties_and_breakpoints(captures):
    css = captures["http://shop.test/"].stylesheets
    assert css["customProperties"]["--color-brand"] == "#1f4fd1"
    assert any("768px" in m for m in css["media"])


def test_screenshot_robots_and_console(captures, options):
    cap = captures["http://shop.test/"]
    assert cap.screenshot and cap.screenshot[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(cap.screenshot)).size == (options.viewport_width, options.viewport_height)
    assert "Disallow: /internal/" in cap.robots_txt
    json.loads(cap.to_json())  # serialisable


def test_a_page_with_running_animations_gives_the_same_screenshot_every_time_under_load(options):
    """app.test/ runs an infinite transform animation on the compositor: before the capture waited for the frame
    that shows it stopped, 8 of 30 screenshots taken beside two busy processes differed from the rest."""
    import asyncio
    import hashlib
    import subprocess
    import sys

    from minedag.capture import Capturer

    async def shots() -> set[str]:
        async with Capturer(options) as capturer:
            return {hashlib.sha256((await capturer.capture("http://app.test/")).screenshot or b"").hexdigest()
                    for _ in range(12)}

    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        digests = asyncio.run(shots())
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert len(digests) == 1 and hashlib.sha256(b"").hexdigest() not in digests, digests


def test_console_messages_and_page_errors(options):
    from minedag.capture import capture_urls

    (cap,) = capture_urls(["http://lab.test/console-errors"], options)
    assert cap.ok
    assert {"type": "error", "text": "boom from console"} in cap.console
    assert any("undefinedFunctionCall" in e for e in cap.page_errors)


def test_axe_checks_inside_frames_and_runs_the_rules_it_is_asked_for(options):
    import dataclasses

    from minedag.capture import capture_urls

    default, chosen, unknown = (capture_urls(["http://lab.test/framed"], dataclasses.replace(options, axe_rules=rules))[0]
                                for rules in ((), ("table-fake-caption", "experimental"), ("no-such-rule",)))
    image_alt = next(r for r in default.axe["violations"] if r["id"] == "image-alt")
    assert [n["target"] for n in image_alt["nodes"]] == [["iframe", "#bare"]]  # found inside the frame
    assert "table-fake-caption" not in {r["id"] for r in default.axe["violations"]}  # experimental: off by default
    ran = {r["id"] for kind in ("violations", "incomplete", "passes") for r in chosen.axe[kind]}
    fake_caption = next(r for r in chosen.axe["violations"] if r["id"] == "table-fake-caption")
    assert [n["target"] for n in fake_caption["nodes"]] == [["#prices"]] and "image-alt" not in ran
    assert unknown.axe == {"error": "unknown axe rules or tags: no-such-rule"}


def test_cdp_send_answers_what_the_public_send_answers(options):
    """The capture reads CDP answers without Playwright's deep copy; they must be the same answers."""
    import asyncio

    from minedag.capture import Capturer
    from minedag.capture.collectors import cdp_send

    async def run():
        async with Capturer(options) as capturer:
            await capturer.capture("http://shop.test/")
            page = await next(iter(capturer.pool.contexts.values())).context.new_page()
            await page.goto("http://shop.test/")
            cdp = await page.context.new_cdp_session(page)
            await cdp.send("DOM.enable")
            answers = []
            for method, params in [("DOMSnapshot.captureSnapshot", {"computedStyles": ["display", "color"]}),
                                   ("Accessibility.getFullAXTree", None), ("Page.getLayoutMetrics", None)]:
                answers.append((await cdp.send(method, params), await cdp_send(cdp, method, params)))
            await page.close()
            return answers

    for public, ours in asyncio.run(run()):
        assert public and ours == public


def test_document_html_is_what_playwright_content_gives(options):
    """The rendered HTML is serialised natively (``DOM.getOuterHTML``): the same text as ``page.content()``, doctype
    or not, and a page that redefines ``outerHTML`` cannot change it."""
    import asyncio

    from minedag.capture import Capturer
    from minedag.capture.collectors import document_html

    async def run():
        async with Capturer(options) as capturer:
            await capturer.capture("http://shop.test/")
            page = await next(iter(capturer.pool.contexts.values())).context.new_page()
            cdp = await page.context.new_cdp_session(page)
            pairs = []
            for url in ("http://shop.test/", "http://blog.test/posts/structured-data", "http://lab.test/framed"):
                await page.goto(url)
                pairs.append((await page.content(), await document_html(cdp)))
            await page.set_content("<p>no doctype</p><script>Object.defineProperty(Element.prototype, 'outerHTML', "
                                   "{get() { return 'lies'; }});</script>")
            lied = await page.evaluate("document.documentElement.outerHTML")
            return pairs, lied, await document_html(cdp)

    pairs, lied, native = asyncio.run(run())
    for playwright, ours in pairs:
        assert playwright.startswith("<!DOCTYPE html>") and ours == playwright
    assert lied == "lies" and native.startswith("<html><head></head><body><p>no doctype</p>")
