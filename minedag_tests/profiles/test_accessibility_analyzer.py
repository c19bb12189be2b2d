"""accessibility_analyzer on golden captures: axe finds the sample site's deliberate WCAG mistakes."""

import json

from minedag.capture.model import PageCapture
from minedag.profiles import all_profiles, extract_record
from minedag.profiles.page import px, whole_number
from minedag_tests.goldens import SAMPLE_GOLDENS, golden_record, site_truth

# Deliberate mistakes that are axe rules of the same id.
AXE_RULES = {"image-alt", "color-contrast", "duplicate-id", "heading-order", "html-has-lang", "tabindex", "link-name"}


def test_every_deliberate_wcag_mistake_is_an_axe_violation_on_its_page():
    mistakes = site_truth("mistakes")
    for url in SAMPLE_GOLDENS:
        row = golden_record("accessibility_analyzer", url)
        expected = {m for m in mistakes.get(url, []) if m in AXE_RULES}
        assert expected <= set(row["violation_rules"]), (url, row["violation_rules"])
        assert {v["rule"] for v in json.loads(row["violations"])} == set(row["violation_rules"]), url


def test_unlabelled_fields_missing_lang_and_positive_tabindex():
    # axe accepts a placeholder as a label; the label coverage does not.
    settings = golden_record("accessibility_analyzer", "http://app.test/settings")
    assert settings["lang"] is None and settings["form_label_coverage"] < 1
    assert json.loads(settings["focus"])["positive_tabindex"] == 1
    mug = golden_record("accessibility_analyzer", "http://shop.test/products/terra-mug")
    assert mug["image_alt_coverage"] < 1
    assert golden_record("accessibility_analyzer", "http://blog.test/about")["contrast_failures"] >= 1


def test_landmarks_and_roles_come_from_the_accessibility_tree():
    home = golden_record("accessibility_analyzer", "http://shop.test/")
    assert {"navigation", "main"} <= set(home["landmarks"])
    roles = json.loads(home["ax_roles"])
    assert roles["link"] > 0 and roles["heading"] > 0 and all(isinstance(n, int) for n in roles.values())
    assert home["heading_order_ok"] and not golden_record("accessibility_analyzer", "http://blog.test/posts/structured-data")["heading_order_ok"]


def test_tabindex_values_that_are_no_number_are_ignored_not_fatal():
    # "²" passes str.isdigit and "--1" passes lstrip("-").isdigit(); int() rejects both, and once failed the record.
    html = ('<html lang="en"><body><button tabindex="²">a</button><a href="/" tabindex="--1">b</a>'
            '<div tabindex=" 3 ">c</div><span tabindex="+2">d</span><i tabindex="-1">e</i></body></html>')
    capture = PageCapture(url="http://odd.test/", ok=True, status=200, raw_html=html, rendered_html=html)
    row = extract_record(all_profiles()["accessibility_analyzer"], capture)
    assert row["ok"], row["error"]
    assert json.loads(row["focus"])["positive_tabindex"] == 2  # " 3 " and "+2", as HTML parses them


def test_number_helpers_read_ascii_numbers_only():
    assert [whole_number(v) for v in ["7", " -3 ", "+2", "²", "--1", "", "1.5", "٣"]] == [7, -3, 2, None, None, None, None, None]
    assert [px(v) for v in ["12.5px", "-4px", "1em", "", None]] == [12.5, -4.0, 0.0, 0.0, 0.0]
