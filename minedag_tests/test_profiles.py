"""Profiles are pure functions over captures: tested on real captures of the sample site."""

import json

import pyarrow as pa
import pytest

from minedag.capture import PageCapture
from minedag.profiles import ProfileSpecError, all_profiles, discover, extract_record, get_profile
from minedag.profiles.schema_linker import table_for
from minedag.profiles.spec import Attribute, MiningProfile


def record(captures, profile, url):
    row = extract_record(get_profile(profile), captures[url], "cid")
    pa.Table.from_pylist([row], schema=get_profile(profile).schema)  # fits the declared Arrow schema
    return row


def test_eight_profiles_register_with_10_to_15_typed_attributes():
    profiles = all_profiles()
    assert sorted(profiles) == sorted(["seo_optimizer", "accessibility_analyzer", "performance_optimizer", "design_system_analyzer",
                                       "component_generator", "workflow_predictor", "schema_linker", "ux_pattern_analyzer"])
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
