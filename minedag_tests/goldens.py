"""Golden captures: real captures of sample-site and hostile pages, kept so profile tests run without a browser.

They are written through the real capture layer (Chromium, the guard, every collector) and stored as the store
stores captures (gzipped JSON). Rewrite them after a change to the capture layer: ``make goldens``
(``python -m minedag_tests.goldens``); ``test_goldens_match_the_capture_layer`` says when that is due.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from minedag.capture import CaptureOptions, PageCapture
from minedag.capture.snapshots import read_snapshot, snapshot_path, write_snapshot
from minedag.profiles import extract_record, get_profile

GOLDEN_DIR = Path(__file__).resolve().parent / "captures"
SITE_DIR = Path(__file__).resolve().parents[1] / "data" / "site"

GOLDEN_URLS: tuple[str, ...] = (
    # The sample site: one page of each kind, with its deliberate mistakes (mistakes.json) and UX labels.
    "http://shop.test/", "http://shop.test/catalog", "http://shop.test/old-catalog", "http://shop.test/checkout",
    "http://shop.test/products/terra-mug", "http://shop.test/products/aurora-lamp", "http://shop.test/products/atlas-backpack",
    "http://shop.test/products/pulse-headphones", "http://shop.test/products/discontinued-widget",
    "http://blog.test/", "http://blog.test/about", "http://blog.test/posts/accessible-forms",
    "http://blog.test/posts/structured-data", "http://people.test/signup", "http://people.test/users/ada",
    "http://docs.test/guides/webhooks", "http://docs.test/internal/draft", "http://app.test/pricing",
    "http://app.test/dashboard", "http://app.test/settings",
    # Hostile pages: script-only links, script errors, a frame, and a page never captured.
    "http://lab.test/links", "http://lab.test/console-errors", "http://lab.test/framed",
    "http://lab.test/pdf",
)


def golden_path(url: str) -> Path:
    return snapshot_path(GOLDEN_DIR, url)


@cache
def golden_captures() -> dict[str, PageCapture]:
    """Every golden capture by URL (raises ``FileNotFoundError`` naming ``make goldens`` when one is missing)."""
    found = {}
    for url in GOLDEN_URLS:
        capture = read_snapshot(GOLDEN_DIR, url)
        if capture is None:
            raise FileNotFoundError(f"golden capture {golden_path(url).name} is missing: run `make goldens`")
        found[url] = capture
    return found


def golden(url: str) -> PageCapture:
    return golden_captures()[url]


SAMPLE_GOLDENS: tuple[str, ...] = tuple(u for u in GOLDEN_URLS if "://lab.test/" not in u)


def golden_record(profile: str, url: str) -> dict[str, Any]:
    """``profile``'s record of the golden capture of ``url``, checked against the profile's Arrow schema."""
    spec = get_profile(profile)
    row = extract_record(spec, golden(url), "golden")
    pa.Table.from_pylist([row], schema=spec.schema)
    return row


def site_truth(name: str) -> dict[str, Any]:
    """What the sample site was built to hold: ``mistakes`` (deliberate mistakes per page) or ``ux_labels``."""
    truth = json.loads((SITE_DIR / f"{name}.json").read_text())
    return truth.get("pages", truth)


def html_capture(body: str, url: str = "http://site.test/a/page", head: str = "<title>Page</title>") -> PageCapture:
    """A capture of a hand-written page, as if the browser had loaded it (for a profile's edge cases)."""
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return PageCapture(url=url, ok=True, status=200, raw_html=html, rendered_html=html)


def html_record(profile: str, body: str, url: str = "http://site.test/a/page") -> dict[str, Any]:
    return extract_record(get_profile(profile), html_capture(body, url))


def golden_options(host_rules: str) -> CaptureOptions:
    """The options goldens are captured with: the sample site's hosts, robots.txt ignored (its disallowed page
    is a page here)."""
    from minedag.capture.politeness import PolitenessRules

    return CaptureOptions(host_rules=host_rules, allow_hosts=("*.test",), nav_timeout_s=8, capture_timeout_s=25,
                          politeness=PolitenessRules(respect_robots=False))


def write_goldens() -> list[Path]:
    """Capture ``GOLDEN_URLS`` from the sample site in a real Chromium and (re)write their files."""
    from minedag.capture import capture_urls
    from minedag.sample_site.server import SiteServer

    GOLDEN_DIR.mkdir(exist_ok=True)
    server = SiteServer().start()
    try:
        captures = capture_urls(GOLDEN_URLS, golden_options(server.host_rules))
    finally:
        server.stop()
    return [write_snapshot(GOLDEN_DIR, cap) for cap in captures]


if __name__ == "__main__":
    for p in write_goldens():
        print(f"{p.stat().st_size:>8,} B  {p.relative_to(GOLDEN_DIR.parent.parent)}")
