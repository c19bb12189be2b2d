"""performance_optimizer on golden captures: measured timings as Chromium gave them (volatile, records only), and
bytes and simulated timings that are the same on any machine."""

import dataclasses
import json

from minedag.profiles import get_profile
from minedag.profiles.page import PageView
from minedag.profiles.performance_optimizer import SIMULATED_BYTES_PER_MS, SIMULATED_RTT_MS, extract
from minedag_tests.goldens import SAMPLE_GOLDENS, golden, golden_record


def test_home_page_timings_resources_and_layers():
    perf = golden_record("performance_optimizer", "http://shop.test/")
    timings = json.loads(perf["measured_timings"])
    assert timings["load_ms"] > 0 and perf["layer_count"] >= 3 and perf["render_blocking"] == ["/assets/site.css"]
    assert 0 < timings["ttfb_ms"] <= timings["dom_content_loaded_ms"] <= timings["load_ms"]
    assert json.loads(perf["requests_by_type"])["stylesheet"] >= 1
    assert 0 < perf["render_blocking_bytes"] < perf["page_weight_bytes"]
    assert perf["simulated_fcp_ms"] < perf["simulated_load_ms"]


def test_measured_timings_are_the_navigation_timing_of_the_capture_and_never_negative():
    for url in SAMPLE_GOLDENS:
        perf = golden_record("performance_optimizer", url)
        timings, navigation = json.loads(perf["measured_timings"]), golden(url).navigation_timing
        assert perf["dom_nodes"] > 0 and timings["load_ms"] == navigation["loadEventEnd"], url
        assert timings["ttfb_ms"] == round(navigation["responseStart"], 1), url
        assert all(v is None or v >= 0 for v in timings.values()), url


def test_simulated_timings_depend_on_bytes_only_not_on_the_machine():
    """The same page captured on a slow machine (every measured time tripled): the same targets."""
    profile = get_profile("performance_optimizer")
    assert {a.name for a in profile.attributes if a.volatile} == {"measured_timings", "runtime_metrics", "unused_js_bytes"}
    for url in SAMPLE_GOLDENS:
        cap = golden(url)
        slow = dataclasses.replace(cap, navigation_timing={k: v * 3 for k, v in cap.navigation_timing.items()},
                                   paint={k: v * 3 for k, v in cap.paint.items()},
                                   network=[{**r, "duration_ms": (r.get("duration_ms") or 0) * 3} for r in cap.network])
        fast, loaded = extract(PageView(cap)), extract(PageView(slow))
        for name in ("page_weight_bytes", "render_blocking_bytes", "simulated_fcp_ms", "simulated_load_ms"):
            assert fast[name] == loaded[name], (url, name)
        assert fast["measured_timings"] != loaded["measured_timings"] or not cap.navigation_timing
    home = extract(PageView(golden("http://shop.test/")))
    document = next(int(r["bytes"]) for r in golden("http://shop.test/").network if r.get("type") == "Document")
    expected = 3 * SIMULATED_RTT_MS + document / SIMULATED_BYTES_PER_MS + SIMULATED_RTT_MS + home["render_blocking_bytes"] / SIMULATED_BYTES_PER_MS
    assert home["simulated_fcp_ms"] == round(expected, 1)
