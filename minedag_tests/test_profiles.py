"""The profile contract, shared by every profile: registry, full typed records, a read-only shared view, declared
reads, bounded values; on golden captures (no browser) and, where the capture layer itself is the subject, live."""

import dataclasses
import json
from pathlib import Path

import pyarrow as pa
import pytest

from minedag.capture import PageCapture, capture_urls
from minedag.profiles import ProfileSpecError, all_profiles, discover, extract_record, get_profile
from minedag.profiles.page import PageView
from minedag.profiles.spec import Attribute, MiningProfile
from minedag_tests.goldens import golden, golden_captures, golden_record, html_capture


def test_the_registered_profiles_have_10_to_15_typed_attributes_and_one_test_module_each():
    profiles = all_profiles()
    assert {"seo_optimizer", "accessibility_analyzer", "performance_optimizer", "design_system_analyzer",
            "component_generator", "workflow_predictor", "schema_linker", "ux_pattern_analyzer", "content_extractor"} <= set(profiles)
    for p in profiles.values():
        assert 10 <= len(p.attributes) <= 15 and p.required
        assert (Path(__file__).parent / "profiles" / f"test_{p.name}.py").is_file(), f"{p.name} has no minedag_tests/profiles/test_{p.name}.py"


def test_registry_fails_loudly_on_invalid_specs():
    few = MiningProfile("tiny", "1", "too few", (Attribute("a_value", pa.int64(), "a value that is described"),), extract=dict)
    with pytest.raises(ProfileSpecError, match="1 attributes"):
        few.validate()
    dup = MiningProfile("dup", "1", "dup", tuple(Attribute("same", pa.int64(), "always the same name") for _ in range(10)), extract=dict)
    with pytest.raises(ProfileSpecError, match="defined twice"):
        dup.validate()
    with pytest.raises(ProfileSpecError, match="must define PROFILE"):
        discover("minedag_tests.fake_profiles")


def test_every_profile_gives_a_full_record_that_fits_its_schema_on_every_golden_capture():
    for url, cap in golden_captures().items():
        for name in all_profiles():
            row = golden_record(name, url)
            assert row["ok"] == cap.ok, (url, name, row["error"])
            assert 0 <= row["quality"] <= 100 and (cap.ok or row["quality"] == 0)


def test_a_profile_alone_and_all_together_give_the_same_record():
    """Profiles share one parsed page; none may change what another sees (whatever the order they run in)."""
    caps = list(golden_captures().values())
    # And a page whose inert parts (template, noscript, script) hold forms, fields and links: reading the text
    # once removed them from the shared tree, so profiles that ran later saw a different page.
    caps.append(html_capture("<h1>Sign in</h1><p>Welcome</p><template><form action='/login'><input type='password'>"
                             "<a href='/t'>t</a></form></template><noscript><a href='https://x.test/'>x</a></noscript>"
                             "<script>document.title = 'x'</script><form><input name='q' type='search'></form>",
                             "http://shop.test/inert", head=""))
    profiles = sorted(all_profiles().values(), key=lambda p: p.name)
    for cap in caps:
        forward, backward = PageView(cap), PageView(cap)
        together = {p.name: extract_record(p, cap, "id", view=forward) for p in profiles}
        reverse = {p.name: extract_record(p, cap, "id", view=backward) for p in reversed(profiles)}
        for profile in profiles:
            alone = extract_record(profile, cap, "id", view=PageView(cap))
            assert alone == together[profile.name] == reverse[profile.name], (cap.url, profile.name)


def _filled(capture: PageCapture) -> set[str]:
    """The fields a capture filled (a measured 0, e.g. a CLS of 0, is filled), but the page's own console and errors
    (a PDF viewer logs now and then)."""
    return {f for f, v in capture.to_dict().items() if v is not None and v not in ("", [], {})} - {"console", "page_errors"}


@pytest.mark.slow
def test_goldens_match_the_capture_layer(options):
    """The golden captures are what the capture layer makes today: same format, same fields filled, same page.
    When this fails after a change to the capture layer, run `make goldens` and review the records' diffs."""
    from minedag.capture.model import CAPTURE_SCHEMA_VERSION

    urls = ["http://shop.test/", "http://blog.test/posts/accessible-forms", "http://lab.test/links", "http://lab.test/pdf"]
    for fresh in capture_urls(urls, options):
        kept = golden(fresh.url)
        assert kept.schema_version == fresh.schema_version == CAPTURE_SCHEMA_VERSION
        assert _filled(fresh) == _filled(kept), fresh.url
        assert (fresh.ok, fresh.status, fresh.error_kind, fresh.links) == (kept.ok, kept.status, kept.error_kind, kept.links)
        assert not fresh.ok or fresh.raw_html == kept.raw_html, fresh.url  # a PDF's viewer page has a random id


def test_absurd_values_are_bounded_and_lower_the_quality(options):
    from minedag.profiles.record import MAX_TEXT_CHARS

    (cap,) = capture_urls(["http://lab.test/absurd"], options)  # a 1 MB title and 3,000 links
    assert cap.ok, cap.error
    # axe's two rules that compare every link with every other are skipped on it, and say so (46 s -> 7 s).
    assert {s["id"] for s in cap.axe["skipped"]} == {"target-size", "link-in-text-block"}
    row = extract_record(get_profile("seo_optimizer"), cap)
    assert len(row["title"]) == MAX_TEXT_CHARS and row["title"].startswith("Absurd Absurd")
    assert "title truncated" in row["quality_reasons"] and row["quality"] < 100
    assert json.loads(row["link_counts"])["internal"] >= 3000  # JSON is kept whole (and so stays JSON)
    assert all(len(v) < 300_000 for v in row.values() if isinstance(v, str))


def test_links_are_internal_or_external_only_when_they_lead_to_a_web_page():
    html = ("<html><body><a href='/a'>a</a><a href='b.html#x'>b</a><a href='https://other.test/'>c</a>"
            "<a href='http://shop.test/c'>d</a><a href='#top'>e</a><a href='javascript:void(0)'>f</a>"
            "<a href='mailto:x@y.test'>g</a><a href='tel:+123'>h</a><a href=''>i</a><a>j</a>"
            "<a href='data:text/html,x'>k</a><a href='//cdn.test/x'>l</a><a href='http://[::1'>m</a></body></html>")
    cap = PageCapture(url="http://shop.test/page", ok=True, status=200, raw_html=html, rendered_html=html)
    kinds = [link["kind"] for link in PageView(cap).links]
    assert kinds == ["internal", "internal", "external", "internal", "fragment", "other", "other", "other", "none",
                     "none", "other", "external", "other"]
    counts = json.loads(extract_record(get_profile("seo_optimizer"), cap)["link_counts"])
    assert (counts["internal"], counts["external"]) == (3, 2)
    graph = json.loads(extract_record(get_profile("workflow_predictor"), cap)["link_graph"])
    assert graph["external_hosts"] == ["cdn.test", "other.test"]  # no "" for links without a host


@pytest.mark.slow
def test_ux_targets_on_pages_with_known_answers():
    """Every overlay and dark-pattern class of the sample site, built in on purpose (ux_labels.json), with near misses
    next to them: precision >= 0.9 and recall >= 0.8 per class; page types right on >= 0.9 of the typed pages."""
    from minedag.evaluation.labels import evaluate_sample_site

    scores, misses = evaluate_sample_site()
    assert scores["site_page_type_accuracy"] >= 0.9, misses
    classes = {k.rsplit("_", 1)[0] for k in scores if k.endswith("_precision")}
    assert {"site_modal", "site_cookie_banner", "site_countdown_timer", "site_pre_checked_box"} <= classes
    for name in classes:
        assert scores[f"{name}_precision"] >= 0.9 and scores[f"{name}_recall"] >= 0.8, (name, misses)


def _capture_served(options, pages: dict[str, tuple[str, bytes]]) -> list[PageCapture]:
    """Capture ``pages`` (path -> (Content-Type, body)), served as they are from 127.0.0.1 as host ``served.test``."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            content_type, body = pages[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        site = f"http://served.test:{server.server_address[1]}"
        return capture_urls([site + path for path in pages], dataclasses.replace(options, host_rules="MAP served.test 127.0.0.1"))
    finally:
        server.shutdown()


def test_the_html_as_served_is_decoded_as_the_browser_decoded_it(options):
    """Pages served without a charset in their Content-Type, in windows-1252: declared by <meta charset>, or not at all
    (the browser falls back to windows-1252)."""
    pages = {"/meta": '<html><head><meta charset="windows-1252"><title>Café crème</title></head><body><p>Déjà vu</p></body></html>',
             "/none": "<html><head><title>Café crème</title></head><body><p>Déjà vu</p></body></html>"}
    for cap in _capture_served(options, {path: ("text/html", html.encode("cp1252")) for path, html in pages.items()}):
        assert cap.ok, cap.error
        assert "Café crème" in cap.raw_html and "Déjà vu" in cap.raw_html, cap.url
        assert extract_record(get_profile("seo_optimizer"), cap)["title"] == "Café crème"
        assert PageView(cap).metadata["title"] == "Café crème"  # read from the HTML as served


def test_axe_runs_its_act_rules_by_default_and_reports_what_needs_review(options):
    """The default rule set adds the rules axe maps to W3C ACT rules, experimental ones included
    (label-content-name-mismatch: a visible label missing from the accessible name); results axe cannot decide
    are reported per rule in review_rules."""
    body = ("<html lang='en'><head><title>Form</title></head><body><main><h1>Form</h1>"
            "<button aria-label='Close dialog'>Send the form</button>"
            "<p style='color:#777;background:url(x.png)'>Text over an image axe cannot judge</p></main></body></html>")
    (cap,) = _capture_served(options, {"/": ("text/html; charset=utf-8", body.encode())})
    row = extract_record(get_profile("accessibility_analyzer"), cap)
    assert "label-content-name-mismatch" in row["violation_rules"], row["violation_rules"]
    assert "color-contrast" in row["review_rules"], row["review_rules"]


class _RecordedCapture:
    """A capture that notes which of its fields are read."""

    def __init__(self, capture: PageCapture):
        object.__setattr__(self, "_capture", capture)
        object.__setattr__(self, "fields_read", set())

    def __getattr__(self, name: str):
        self.fields_read.add(name)
        return getattr(self._capture, name)


def test_a_profile_reads_only_the_capture_fields_it_declares():
    """`MiningProfile.reads` is the contract: each profile alone, on every sample page, reads nothing else of the
    capture (directly or through PageView), besides the page's identity (url, final_url)."""
    for profile in all_profiles().values():
        read: set[str] = set()
        for cap in (c for c in golden_captures().values() if c.ok):
            recorded = _RecordedCapture(cap)
            profile.extract(PageView(recorded))
            read |= recorded.fields_read
        assert read - {"url", "final_url"} <= set(profile.reads), (profile.name, sorted(read - set(profile.reads)))


_THROWAWAY = '''
import pyarrow as pa
from minedag.profiles import Attribute, MiningProfile, Serves

def extract(view):
    slides = view.doc.xpath("//*[contains(concat(' ', @class, ' '), ' slide ')]")
    return {"slide_count": len(slides), **{f"extra_{i}": i for i in range(9)}}

PROFILE = MiningProfile(
    name="carousel_counter", version="1", description="Counts carousel slides.",
    attributes=(Attribute("slide_count", pa.int64(), "How many carousel slides the page shows.", required=True),
                *(Attribute(f"extra_{i}", pa.int64(), f"A placeholder number {i} for the test.") for i in range(9))),
    extract=extract, reads=("rendered_html",),
    serves=(Serves("ux_pattern_recognition", inputs=("slide_count",)),),
)
'''

_PROBE = '''
import json
import dagster as dg
from minedag.definitions import defs
from minedag.discover import discover
from minedag.functionalities import get_functionality

graph = defs.resolve_asset_graph()
key = dg.AssetKey(["profiles", "carousel_counter"])
bundle_deps = graph.get(dg.AssetKey("training_bundle")).parent_keys
found = discover("a UX model that counts the carousel slides of landing pages")
print(json.dumps({"asset": graph.has(key), "upstream_of_bundles": key in bundle_deps,
                  "bundle": list(get_functionality("ux_pattern_recognition").attributes),
                  "top": found["functionalities"][0]["name"],
                  "discovered": [a["name"] for a in found["functionalities"][0]["attributes"]]}))
'''


def test_a_new_profile_is_one_module_that_reaches_the_asset_graph_bundles_and_discovery(tmp_path):
    """A throw-away profile in a package of its own (MINEDAG_PROFILE_PACKAGES), loaded as Dagster loads the code
    location (a fresh process): its asset, its place upstream of bundles, its bundle input and discovery."""
    import os
    import subprocess
    import sys

    package = tmp_path / "throwaway_profiles"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "carousel_counter.py").write_text(_THROWAWAY)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "MINEDAG_PROFILE_PACKAGES": "throwaway_profiles",
           "DAGSTER_HOME": str(tmp_path), "MINEDAG_DATA": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["asset"] and seen["upstream_of_bundles"], seen
    assert "carousel_counter.slide_count" in seen["bundle"]
    assert seen["top"] == "ux_pattern_recognition" and "carousel_counter.slide_count" in seen["discovered"], seen
    # A profile serving a functionality that does not exist is refused, naming the valid ones.
    (package / "carousel_counter.py").write_text(_THROWAWAY.replace('"ux_pattern_recognition"', '"carousels"'))
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "serve unknown functionalities ['carousels']" in out.stderr, out.stderr[-2000:]
