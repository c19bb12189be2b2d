"""seo_optimizer on golden captures: the sample site's deliberate SEO mistakes fail their audits, and only there."""

import json

from minedag.profiles import extract_record, get_profile
from minedag_tests.goldens import SAMPLE_GOLDENS, golden_record, html_capture, site_truth

# Deliberate mistake (mistakes.json) -> the Lighthouse SEO audit that must fail on that page and pass elsewhere.
AUDIT_OF = {"meta-description": "meta_description", "link-text": "link_text", "canonical": "canonical",
            "is-crawlable": "is_crawlable", "hreflang": "hreflang"}


def test_each_deliberate_seo_mistake_fails_its_audit_on_its_page_and_nowhere_else():
    mistakes = site_truth("mistakes")
    for url in SAMPLE_GOLDENS:
        audits = golden_record("seo_optimizer", url)["seo_audits"]
        failed = {a for a in AUDIT_OF.values() if audits[a] is False}
        assert failed == {AUDIT_OF[m] for m in mistakes.get(url, []) if m in AUDIT_OF}, url


def test_a_clean_page_passes_and_an_error_page_is_not_audited():
    lamp = golden_record("seo_optimizer", "http://shop.test/products/aurora-lamp")
    assert all(v in (True, None) for v in lamp["seo_audits"].values()), lamp["seo_audit_items"]
    assert "Product" in lamp["structured_data_types"] and lamp["http_status"] == 200
    missing = golden_record("seo_optimizer", "http://shop.test/products/discontinued-widget")
    assert missing["http_status"] == 404 and all(v is None for v in missing["seo_audits"].values())  # as Lighthouse
    draft = golden_record("seo_optimizer", "http://docs.test/internal/draft")
    assert draft["crawlable"] is False


def test_crawlable_anchors_and_link_text_follow_lighthouse():
    items = json.loads(golden_record("seo_optimizer", "http://lab.test/links")["seo_audit_items"])
    # The scripted link and javascript:void fail; a placeholder (listener on its parent) and a target pass.
    assert [i["text"] for i in items["crawlable_anchors"]] == ["Scripted", "Void"]
    # "Start" in German is fine, "hier" in German is not; "here" to this very page is an in-page link.
    assert [i["text"] for i in items["link_text"]] == ["hier"]


def test_a_failed_capture_gives_a_row_with_quality_zero():
    row = golden_record("seo_optimizer", "http://lab.test/pdf")
    assert row["ok"] is False and row["quality"] == 0 and row["title"] is None
    assert "application/pdf" in row["error"], row["error"]


def test_quality_tells_pages_apart_and_says_why():
    seo = get_profile("seo_optimizer")
    rows = {url: golden_record("seo_optimizer", url) for url in SAMPLE_GOLDENS}
    assert len({r["quality"] for r in rows.values()}) > 3  # not one bar: 90 and 100 were the only values
    error_page = rows["http://shop.test/products/discontinued-widget"]
    assert "HTTP status 404: an error page" in error_page["quality_reasons"] and error_page["quality"] < 70
    assert min(r["quality"] for u, r in rows.items() if "posts/" in u) > error_page["quality"]
    # Placeholder text and thin content, and subresources that did not load, each cost points with a reason.
    placeholder = html_capture("<h1>Document</h1>" + "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>" * 30)
    page = html_capture("<h1>Notes</h1>" + "<p>Plain sentences about how a kettle boils water quickly.</p>" * 30)
    assert any(r.startswith("placeholder text (lorem ipsum)") for r in extract_record(seo, placeholder)["quality_reasons"])
    assert extract_record(seo, placeholder)["quality"] < extract_record(seo, page)["quality"]
    page.network = [{"type": "Stylesheet", "status": None, "failed": "net::ERR_TUNNEL_CONNECTION_FAILED"},
                    {"type": "Image", "status": 200, "failed": None}]
    assert "1 of 2 subresources did not load (1 stylesheets)" in extract_record(seo, page)["quality_reasons"]


def test_open_graph_values_are_whole_and_the_first_of_a_repeated_key_wins():
    image = "https://cdn.example.com/images/" + "a" * 340 + ".jpg"
    head = (f"<title>Page</title><meta property='og:image' content='{image}'>"
            "<meta property='og:image' content='https://cdn.example.com/2.jpg'>"
            "<meta property='og:title' content='First'><meta property='og:title' content='Second'>")
    cap = html_capture("<p>Text</p>", "http://site.test/a", head=head)
    og = json.loads(extract_record(get_profile("seo_optimizer"), cap)["meta_tags"])["open_graph"]
    assert og["og:image"] == image and len(image) > 370 and og["og:title"] == "First"


def test_structured_data_survives_an_xml_declaration():
    from minedag.profiles.page import extract_structured

    html = ('<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title>'
            '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Person", "name": "Ada"}</script>'
            '</head><body><div itemscope itemtype="https://schema.org/Book"><span itemprop="name">Notes</span></div></body></html>')
    data = extract_structured(html, "http://example.test/")
    assert data["json-ld"][0]["name"] == "Ada" and data["microdata"][0]["properties"] == {"name": "Notes"}
