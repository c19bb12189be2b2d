"""Bad input gets a clear, recorded failure and never sinks the batch."""

import dataclasses

from minedag.capture import capture_urls

HOSTILE = {
    "http://lab.test/hang": "timeout",
    "http://lab.test/pdf": "not_html",
    "http://lab.test/image.png": "not_html",
    "http://lab.test/infinite-loop": "timeout",
    "http://nothing-here.invalid/": "dns",
}


def test_a_batch_of_hostile_pages_records_each_failure_and_keeps_the_good_pages(options):
    opts = dataclasses.replace(options, nav_timeout_s=4, capture_timeout_s=12, max_dom_nodes=50_000)
    urls = [*HOSTILE, "http://lab.test/alert-spam", "http://lab.test/popup-spam", "http://shop.test/", "http://blog.test/"]
    caps = {c.url: c for c in capture_urls(urls, opts)}
    assert set(caps) == set(urls)
    for url, kind in HOSTILE.items():
        assert not caps[url].ok, url
        assert caps[url].error_kind == kind, (url, caps[url].error_kind, caps[url].error)
        assert caps[url].error
    assert caps["http://lab.test/pdf"].status == 200  # what was seen before the failure is kept
    assert caps["http://lab.test/alert-spam"].ok and caps["http://lab.test/alert-spam"].dialogs >= 10
    assert caps["http://lab.test/popup-spam"].ok and caps["http://lab.test/popup-spam"].popups >= 5
    assert caps["http://shop.test/"].ok and caps["http://blog.test/"].ok


def test_private_addresses_are_refused_without_an_allow_list(site):
    from minedag.capture import CaptureOptions

    (cap,) = capture_urls([f"http://127.0.0.1:{site.port}/"], CaptureOptions())
    assert not cap.ok and cap.error_kind == "refused" and "non-public" in cap.error
    assert site.hits[("127.0.0.1", "/")] == 0


def test_a_10_mb_dom_is_recorded_as_too_large_before_the_heavy_collectors(options):
    opts = dataclasses.replace(options, nav_timeout_s=20, capture_timeout_s=40, max_dom_nodes=50_000)
    (cap,) = capture_urls(["http://lab.test/huge-dom"], opts)
    assert not cap.ok and cap.error_kind == "too_large", (cap.error_kind, cap.error)
    assert "max_dom_nodes=50000" in cap.error and cap.status == 200 and cap.content_hash
