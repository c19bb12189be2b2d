"""Profiles are pure functions over captures: tested on real captures of the sample site."""

import dataclasses
import json

import pyarrow as pa
import pytest

from minedag.capture import PageCapture, capture_urls
from minedag.profiles import ProfileSpecError, all_profiles, discover, extract_record, get_profile
from minedag.profiles.page import PageView
from minedag.profiles.schema_linker import table_for
from minedag.profiles.spec import Attribute, MiningProfile


def record(captures, profile, url):
    row = extract_record(get_profile(profile), captures[url], "cid")
    pa.Table.from_pylist([row], schema=get_profile(profile).schema)  # fits the declared Arrow schema
    return row


def test_the_eight_profiles_and_content_register_with_10_to_15_typed_attributes():
    profiles = all_profiles()
    assert sorted(profiles) == sorted(["seo_optimizer", "accessibility_analyzer", "performance_optimizer", "design_system_analyzer",
                                       "component_generator", "workflow_predictor", "schema_linker", "ux_pattern_analyzer",
                                       "content_extractor"])
    for p in profiles.values():
        assert 10 <= len(p.attributes) <= 15 and p.required


def test_registry_fails_loudly_on_invalid_specs():
    few = MiningProfile("tiny", "1", "too few", (Attribute("a_value", pa.int64(), "a value that is described"),), extract=dict)
    with pytest.raises(ProfileSpecError, match="1 attributes"):
        few.validate()
    dup = MiningProfile("dup", "1", "dup", tuple(Attribute("same", pa.int64(), "always the same name") for _ in range(10)), extract=dict)
    with pytest.raises(ProfileSpecError, match="defined twice"):
        dup.validate()
    with pytest.raises(ProfileSpecError, match="must define PROFILE"):
        discover("minedag_tests.fake_profiles")


def test_every_profile_gives_a_full_record_for_every_sample_page(captures):
    for url, cap in captures.items():
        for name in all_profiles():
            row = record(captures, name, url)
            assert row["ok"] == cap.ok, (url, name, row["error"])
            assert 0 <= row["quality"] <= 100


def test_failed_capture_gives_a_row_with_quality_zero():
    row = extract_record(get_profile("seo_optimizer"), PageCapture(url="http://x.test/").fail("timeout", "too slow"))
    assert row["ok"] is False and row["quality"] == 0 and row["error"] == "too slow" and row["title"] is None


def test_seo_audits_find_the_deliberate_mistakes(captures):
    about = record(captures, "seo_optimizer", "http://blog.test/about")
    assert about["seo_audits"]["meta_description"] is False and about["seo_audits"]["link_text"] is False
    assert about["seo_audits"]["document_title"] is True
    assert record(captures, "seo_optimizer", "http://shop.test/products/atlas-backpack")["seo_audits"]["canonical"] is False
    draft = record(captures, "seo_optimizer", "http://docs.test/internal/draft")
    assert draft["seo_audits"]["is_crawlable"] is False and draft["crawlable"] is False
    assert record(captures, "seo_optimizer", "http://docs.test/guides/webhooks")["seo_audits"]["hreflang"] is False
    lamp = record(captures, "seo_optimizer", "http://shop.test/products/aurora-lamp")
    assert all(v in (True, None) for v in lamp["seo_audits"].values()), lamp["seo_audit_items"]
    assert "Product" in lamp["structured_data_types"] and lamp["http_status"] == 200
    missing = record(captures, "seo_optimizer", "http://shop.test/products/discontinued-widget")
    assert missing["http_status"] == 404 and all(v is None for v in missing["seo_audits"].values())  # as Lighthouse


def test_accessibility_profile(captures):
    mug = record(captures, "accessibility_analyzer", "http://shop.test/products/terra-mug")
    assert "image-alt" in mug["violation_rules"] and mug["image_alt_coverage"] < 1
    settings = record(captures, "accessibility_analyzer", "http://app.test/settings")
    assert settings["lang"] is None and settings["form_label_coverage"] < 1
    assert json.loads(settings["focus"])["positive_tabindex"] == 1
    assert record(captures, "accessibility_analyzer", "http://blog.test/about")["contrast_failures"] >= 1
    assert "navigation" in record(captures, "accessibility_analyzer", "http://shop.test/")["landmarks"]


def test_schema_links_on_data_id_attributes(captures):
    row = record(captures, "schema_linker", "http://blog.test/posts/accessible-forms")
    links = {(x["attribute"], x["table"]): x["confidence"] for x in json.loads(row["table_links"])}
    assert links[("data-user-id", "users")] == 0.9 and links[("data-post-id", "posts")] == 0.9
    rels = {(r["type"], r["from"], r["to"]) for r in json.loads(row["relationships"])}
    assert ("contained-in", "comments", "posts") in rels and ("linked-to", "comments", "users") in rels
    signup = record(captures, "schema_linker", "http://people.test/signup")
    assert {"field": "email", "table": "users", "column": "email", "confidence": 0.9} in json.loads(signup["form_field_columns"])
    assert table_for("category") == "categories" and table_for("address") == "addresses"


def test_workflow_ux_design_component_and_performance(captures):
    signup = record(captures, "workflow_predictor", "http://people.test/signup")
    assert signup["form_purposes"] == ["signup"] and signup["multi_step"]
    ops = [s["op"] for s in json.loads(signup["action_sequences"])[0]]
    assert ops[0] == "TYPE" and ops[-1] == "CLICK"
    assert "pre-checked-box" in record(captures, "ux_pattern_analyzer", "http://shop.test/checkout")["dark_patterns"]
    assert "countdown-timer" in record(captures, "ux_pattern_analyzer", "http://app.test/pricing")["dark_patterns"]
    assert record(captures, "ux_pattern_analyzer", "http://shop.test/")["layout_pattern"] == "hero"
    on_scale = record(captures, "design_system_analyzer", "http://shop.test/products/aurora-lamp")
    off_scale = record(captures, "design_system_analyzer", "http://shop.test/products/pulse-headphones")
    assert off_scale["consistency_score"] < on_scale["consistency_score"]
    assert "#ff00aa" in off_scale["off_scale_values"]
    assert '"$type":"color"' in on_scale["design_tokens"]
    comps = record(captures, "component_generator", "http://shop.test/")
    assert {"card", "button", "nav", "form"} <= set(comps["component_types"]) and comps["reusability_score"] > 0
    perf = record(captures, "performance_optimizer", "http://shop.test/")
    assert perf["load_ms"] > 0 and perf["layer_count"] >= 3 and perf["render_blocking"] == ["/assets/site.css"]


def test_structured_data_survives_an_xml_declaration():
    from minedag.profiles.page import extract_structured

    html = ('<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title>'
            '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Person", "name": "Ada"}</script>'
            '</head><body><div itemscope itemtype="https://schema.org/Book"><span itemprop="name">Notes</span></div></body></html>')
    data = extract_structured(html, "http://example.test/")
    assert data["json-ld"][0]["name"] == "Ada" and data["microdata"][0]["properties"] == {"name": "Notes"}


def test_crawlable_anchors_and_link_text_follow_lighthouse(options):
    from minedag.capture import capture_urls

    (cap,) = capture_urls(["http://lab.test/links"], options)
    assert cap.anchor_listeners == [["mousedown"], [], []]  # <a> without href: own listeners only, in order
    items = json.loads(extract_record(get_profile("seo_optimizer"), cap)["seo_audit_items"])
    # The scripted link and javascript:void fail; a placeholder (listener on its parent) and a target pass.
    assert [i["text"] for i in items["crawlable_anchors"]] == ["Scripted", "Void"]
    # "Start" in German is fine, "hier" in German is not; "here" to this very page is an in-page link.
    assert [i["text"] for i in items["link_text"]] == ["hier"]


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


def test_a_profile_alone_and_all_eight_together_give_the_same_record(options):
    """Profiles share one parsed page; none may change what another sees (whatever the order they run in)."""
    from pathlib import Path

    from minedag.profiles.page import PageView
    from minedag.urlfile import read_url_file

    sample = Path(__file__).resolve().parents[1] / "data" / "urls" / "sample.txt"
    caps = capture_urls(read_url_file(sample).urls, options)
    profiles = sorted(all_profiles().values(), key=lambda p: p.name)
    assert len(caps) > 50 and sum(c.ok for c in caps) > 45
    # And a page whose inert parts (template, noscript, script) hold forms, fields and links: reading the text
    # once removed them from the shared tree, so profiles that ran later saw a different page.
    inert = ("<html><body><h1>Sign in</h1><p>Welcome</p><template><form action='/login'><input type='password'>"
             "<a href='/t'>t</a></form></template><noscript><a href='https://x.test/'>x</a></noscript>"
             "<script>document.title = 'x'</script><form><input name='q' type='search'></form></body></html>")
    caps.append(PageCapture(url="http://shop.test/inert", ok=True, status=200, raw_html=inert, rendered_html=inert))
    for cap in caps:
        forward, backward = PageView(cap), PageView(cap)
        together = {p.name: extract_record(p, cap, "id", view=forward) for p in profiles}
        reverse = {p.name: extract_record(p, cap, "id", view=backward) for p in reversed(profiles)}
        for profile in profiles:
            alone = extract_record(profile, cap, "id", view=PageView(cap))
            assert alone == together[profile.name] == reverse[profile.name], (cap.url, profile.name)


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


@pytest.mark.parametrize(("body", "expected"), [
    ("<p class='countdown' data-countdown='600'>Offer ends in 09:59</p>", {"countdown-timer"}),
    ("<p>Sale ends in 2h 14m, don't miss it</p>", {"countdown-timer"}),
    ("<p>Time remaining: 00:04:59</p>", {"countdown-timer"}),
    ("<p>Posted Apr 16, 2015 8:02 pm, updated 3:57 PM</p><p>08.04.2015 12:46</p>", set()),  # times of day, dates
    ("<p>The talk ends at 12:30; doors open 9:00 am.</p><p class='reading-timer'>5 min read</p>", set()),
    ("<label><input type='checkbox' checked> Send me product news and offers</label>", {"pre-checked-box"}),
    ("<input type='checkbox' id='y' checked><label for='y'>Yes! Also send me our weekly digest</label>", {"pre-checked-box"}),
    ("<input type='checkbox' checked aria-label='Share my data with partners'>", {"pre-checked-box"}),
    ("<label><input type='checkbox' checked> Remember me</label>", set()),
    ("<p><input type='checkbox' checked> Save my name, email, and website in this browser for the next time I comment.</p>", set()),
    ("<label><input type='radio' name='f' checked> HTML</label><label><input type='radio' name='f'> Text</label>", set()),
])
def test_dark_patterns_need_a_ticking_deadline_or_a_real_opt_in(body, expected):
    html = f"<html><body><h1>Page</h1>{body}</body></html>"
    cap = PageCapture(url="http://shop.test/p", ok=True, status=200, raw_html=html, rendered_html=html)
    assert set(extract_record(get_profile("ux_pattern_analyzer"), cap)["dark_patterns"]) == expected


def test_page_type_on_the_sample_site(captures):
    expected = {"http://shop.test/": "home", "http://shop.test/products/terra-mug": "product",
                "http://blog.test/posts/accessible-forms": "article", "http://docs.test/guides/webhooks": "docs",
                "http://people.test/users/ada": "profile", "http://people.test/signup": "form"}
    assert {url: record(captures, "ux_pattern_analyzer", url)["page_type"] for url in expected} == expected


@pytest.mark.parametrize(("body", "expected"), [
    ("<article>" + "<p>" + "这是一篇关于科技的新闻报道内容。" * 12 + "</p>" * 1 + "<p>" + "更多的正文内容在这里。" * 10 + "</p></article>", "article"),
    ("<h1>Fetch</h1>" + "<p>" + "A blog post about a new browser API, with examples. " * 30 + "</p><pre>fetch(url)</pre><pre>x</pre>", "article"),
    ("<div class='body'><h1>Evolve</h1>" + "<p>" + "How to share mutable history safely. " * 40
     + "</p><h2>Setup<a class='headerlink' href='#setup'>¶</a></h2></div>", "docs"),
    ("<pre>" + "Internet-Draft  remoteStorage  section text " * 80 + "</pre>", "docs"),
    ("<ul>" + "".join(f"<li><h3><a href='/p/{i}'>Item {i}</a></h3></li>" for i in range(8)) + "</ul>", "listing"),
    ("<form><input name='user'><input type='password' name='pw'><button>Sign in</button></form>", "form"),
])
def test_page_type_from_where_the_main_content_is(body, expected):
    html = f"<html><head><title>Page</title></head><body>{body}</body></html>"
    cap = PageCapture(url="http://site.test/a/page", ok=True, status=200, raw_html=html, rendered_html=html)
    assert extract_record(get_profile("ux_pattern_analyzer"), cap)["page_type"] == expected


def test_quality_tells_pages_apart_and_says_why(captures):
    seo = get_profile("seo_optimizer")
    rows = {url: record(captures, "seo_optimizer", url) for url, cap in captures.items() if cap.ok}
    assert len({r["quality"] for r in rows.values()}) > 3  # not one bar: 90 and 100 were the only values
    error_page = rows["http://shop.test/products/discontinued-widget"]
    assert "HTTP status 404: an error page" in error_page["quality_reasons"] and error_page["quality"] < 70
    assert min(r["quality"] for u, r in rows.items() if "posts/" in u) > error_page["quality"]
    # Placeholder text and thin content, and subresources that did not load, each cost points with a reason.
    lorem = "<html><body><h1>Document</h1>" + "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>" * 30
    real = "<html><body><h1>Notes</h1>" + "<p>Plain sentences about how a kettle boils water quickly.</p>" * 30
    placeholder, page = (PageCapture(url="http://x.test/", ok=True, status=200, raw_html=h, rendered_html=h) for h in (lorem, real))
    assert any(r.startswith("placeholder text (lorem ipsum)") for r in extract_record(seo, placeholder)["quality_reasons"])
    assert extract_record(seo, placeholder)["quality"] < extract_record(seo, page)["quality"]
    page.network = [{"type": "Stylesheet", "status": None, "failed": "net::ERR_TUNNEL_CONNECTION_FAILED"},
                    {"type": "Image", "status": 200, "failed": None}]
    assert "1 of 2 subresources did not load (1 stylesheets)" in extract_record(seo, page)["quality_reasons"]


def test_content_gives_the_main_text_as_markdown_its_language_and_the_article_metadata(captures):
    from minedag.sample_site.build import POSTS, USERS

    (_pid, _slug, title, author_id, date, summary) = next(p for p in POSTS if p[1] == "accessible-forms")
    author = USERS[author_id - 1][2]
    post = record(captures, "content_extractor", "http://blog.test/posts/accessible-forms")
    assert post["ok"] and post["quality"] >= 90, post["quality_reasons"]
    assert post["content_title"] == title  # <title> says "... — Northwind Blog"
    assert post["author"] == author and post["published"] == date
    assert post["language"] == "en"
    text = post["main_text"]
    assert f"# {title}" in text and summary in text  # Markdown, headings kept
    assert "Northwind" not in text  # the site's navigation and footer are boilerplate
    assert json.loads(post["urls"])["canonical"] == "http://blog.test/posts/accessible-forms"
    (posting,) = [v for v in json.loads(post["jsonld"]) if v["type"] == "BlogPosting"]
    assert posting["headline"] == title and posting["author"] == [author] and posting["date_published"] == date


def test_content_language_falls_back_to_the_header_then_the_text():
    from minedag.capture.model import PageCapture

    german = ("<html><head><title>Wetter</title></head><body><main><h1>Das Wetter morgen</h1><p>Morgen wird es in "
              "Norddeutschland sonnig und warm, im Süden ziehen am Nachmittag Gewitter auf. Die Temperaturen steigen "
              "auf bis zu dreißig Grad, in der Nacht kühlt es kaum ab.</p></main></body></html>")
    profile = get_profile("content_extractor")
    plain = PageCapture(url="http://lab.test/wetter", ok=True, status=200, raw_html=german, rendered_html=german)
    assert extract_record(profile, plain)["language"] == "de"  # no lang attribute: identified from the text
    headed = PageCapture(url="http://lab.test/wetter", ok=True, status=200, raw_html=german, rendered_html=german,
                         response_headers={"Content-Language": "de-AT"})
    assert extract_record(profile, headed)["language"] == "de-AT"


def _html_record(profile: str, body: str, url: str = "http://site.test/a/page") -> dict:
    html = f"<html><head><title>Page</title></head><body>{body}</body></html>"
    return extract_record(get_profile(profile), PageCapture(url=url, ok=True, status=200, raw_html=html, rendered_html=html))


_ARTICLE = "<p>" + "A long read about the ways teams ship software, with examples and numbers. " * 40 + "</p>"


@pytest.mark.parametrize(("body", "consent"), [
    ("<div id='cookie-notice' style='display:none'><p>This site uses cookies to measure traffic.</p><button>OK</button></div>", True),
    ("<div class='bandeau_info'>En poursuivant votre navigation, vous acceptez l'utilisation de cookies.</div>", True),
    ("<script>document.write('<div class=\"cookie-notify\">We use cookies. <a>Close</a></div>')</script>", True),
    ("<form><p class='comment-form-cookies-consent'><input id='c' type='checkbox' checked>"
     "<label for='c'>Save my name, email, and website in this browser for the next time I comment.</label></p></form>", False),
    ("<footer><ul><li><a href='/privacy'>Privacy</a></li><li class='cookie-link'><a href='/cookies'>Cookies</a></li></ul></footer>", False),
    ("<article><h1>Cookies</h1><p class='notice'>Bake the cookies at 180 degrees; accept that the first tray burns.</p></article>", False),
])
def test_a_cookie_banner_is_a_consent_ui_not_any_mention_of_cookies(body, consent):
    assert ("cookie-banner" in _html_record("ux_pattern_analyzer", body)["overlays"]) is consent


@pytest.mark.parametrize(("body", "cta"), [
    (f"<article>{_ARTICLE}</article><section class='subscribe'><form><input type='email' name='email'>"
     "<input type='submit' value='YES!'></form></section>", "YES!"),
    (f"<article>{_ARTICLE}<div class='box'><a class='btn' href='/trial'>Start your free trial</a></div></article>", "Start your free trial"),
    (f"<article>{_ARTICLE}<div class='share'><a class='btn' href='#'>Share</a></div></article>"
     "<aside class='sidebar'><form><input type='email' name='email'><button>Subscribe</button></form></aside>", None),
    (f"<header><a class='btn' href='/signup'>Sign up</a></header><article>{_ARTICLE}"
     "<form><textarea name='comment'></textarea><button>Post comment</button></form></article>", None),
])
def test_the_primary_cta_of_an_article_is_a_conversion_in_or_right_after_it(body, cta):
    assert _html_record("workflow_predictor", body)["primary_cta"] == cta


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


def test_schema_org_types_are_one_answer_from_every_syntax():
    """JSON-LD, microdata and RDFa all count; compact and full schema.org names become short names; another
    vocabulary's types (RDFa's own, FOAF) are not schema.org types. Both attributes that report them agree."""
    body = ("""<script type="application/ld+json">{"@context": {"schema": "https://schema.org/"}, "@type": "schema:Book",
               "name": "Dune"}</script>
            <div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Lamp</span>
              <span itemprop="type">hardcover</span></div>
            <div vocab="http://schema.org/" typeof="Event"><span property="name">Launch</span></div>
            <div prefix="foaf: http://xmlns.com/foaf/0.1/" typeof="foaf:Person"><span property="foaf:name">Ada</span></div>
            <div typeof="rdfa:Pattern" resource="#p"></div>""")
    seo = _html_record("seo_optimizer", body)["structured_data_types"]
    linked = _html_record("schema_linker", body)["schema_org_types"]
    assert seo == linked == ["Book", "Event", "Product"]


def test_open_graph_values_are_whole_and_the_first_of_a_repeated_key_wins():
    image = "https://cdn.example.com/images/" + "a" * 340 + ".jpg"
    head = (f"<meta property='og:image' content='{image}'><meta property='og:image' content='https://cdn.example.com/2.jpg'>"
            "<meta property='og:title' content='First'><meta property='og:title' content='Second'>")
    html = f"<html><head><title>Page</title>{head}</head><body><p>Text</p></body></html>"
    cap = PageCapture(url="http://site.test/a", ok=True, status=200, raw_html=html, rendered_html=html)
    og = json.loads(extract_record(get_profile("seo_optimizer"), cap)["meta_tags"])["open_graph"]
    assert og["og:image"] == image and len(image) > 370 and og["og:title"] == "First"


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


def test_a_profile_reads_only_the_capture_fields_it_declares(captures):
    """`MiningProfile.reads` is the contract: each profile alone, on every sample page, reads nothing else of the
    capture (directly or through PageView), besides the page's identity (url, final_url)."""
    for profile in all_profiles().values():
        read: set[str] = set()
        for cap in (c for c in captures.values() if c.ok):
            recorded = _RecordedCapture(cap)
            profile.extract(PageView(recorded))
            read |= recorded.fields_read
        assert read - {"url", "final_url"} <= set(profile.reads), (profile.name, sorted(read - set(profile.reads)))
