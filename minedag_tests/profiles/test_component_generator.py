"""component_generator on golden captures: the sample site's cards, buttons, nav and forms become components."""

import json

from minedag_tests.goldens import golden_record


def test_the_home_page_components_and_their_reuse():
    comps = golden_record("component_generator", "http://shop.test/")
    assert {"card", "button", "nav", "form"} <= set(comps["component_types"]) and comps["reusability_score"] > 0
    assert set(json.loads(comps["components"])) == set(comps["component_types"])


def test_a_listing_repeats_one_card_signature():
    catalog = golden_record("component_generator", "http://shop.test/catalog")
    assert json.loads(catalog["components"])["card"] >= 6 and catalog["reusability_score"] >= golden_record("component_generator", "http://blog.test/about")["reusability_score"]
