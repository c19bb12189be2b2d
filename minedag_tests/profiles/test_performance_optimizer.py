"""performance_optimizer on golden captures: timings, resources and layers as Chromium measured them."""

import json

from minedag_tests.goldens import SAMPLE_GOLDENS, golden, golden_record


def test_home_page_timings_resources_and_layers():
    perf = golden_record("performance_optimizer", "http://shop.test/")
    assert perf["load_ms"] > 0 and perf["layer_count"] >= 3 and perf["render_blocking"] == ["/assets/site.css"]
    assert 0 < perf["ttfb_ms"] <= perf["dom_content_loaded_ms"] <= perf["load_ms"]
    assert json.loads(perf["requests_by_type"])["stylesheet"] >= 1


def test_timings_are_the_navigation_timing_of_the_capture_and_never_negative():
    for url in SAMPLE_GOLDENS:
        perf = golden_record("performance_optimizer", url)
        timing = golden(url).navigation_timing
        assert perf["dom_nodes"] > 0 and perf["load_ms"] == timing["loadEventEnd"], url
        assert perf["ttfb_ms"] == round(timing["responseStart"], 1), url
        assert all(perf[k] is None or perf[k] >= 0 for k in ("ttfb_ms", "fcp_ms", "lcp_ms", "load_ms", "cls")), url
