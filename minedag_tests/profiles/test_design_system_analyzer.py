"""design_system_analyzer on golden captures: the sample site's off-scale styles stand out from its tokens."""

import json

from minedag_tests.goldens import SAMPLE_GOLDENS, golden_record, site_truth


def test_the_deliberate_off_scale_styles_of_product_pages_are_reported():
    """Two product pages carry a paragraph styled off the site's scales (build.py ``style_break``)."""
    mistakes = site_truth("mistakes")
    for url in SAMPLE_GOLDENS:
        row = golden_record("design_system_analyzer", url)
        off = {v["value"] for v in json.loads(row["off_scale_values"] or "[]")}
        if "off-scale-style" in mistakes.get(url, []) and "/products/" in url:
            assert {"#ff00aa", "13px", "15px"} <= off, (url, off)
        else:
            assert "#ff00aa" not in off, url


def test_an_off_scale_colour_is_reported_and_tokens_are_dtcg():
    on_scale = golden_record("design_system_analyzer", "http://shop.test/products/aurora-lamp")
    off_scale = golden_record("design_system_analyzer", "http://shop.test/products/pulse-headphones")
    assert off_scale["consistency_score"] < on_scale["consistency_score"]
    assert "#ff00aa" in off_scale["off_scale_values"]
    assert '"$type":"color"' in on_scale["design_tokens"]
    assert set(on_scale["font_families"]) and on_scale["color_count"] > 2
