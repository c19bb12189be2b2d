"""The benchmark behind ``minedag bench``: pages/minute (all collectors vs bare navigation), Dagster's
overhead per URL, profile ms/page and peak memory.

Workload: the bundled sample site, each URL repeated ``rounds`` times with a distinct query string so every
capture is a real load.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import psutil

from minedag.capture import CaptureOptions, PageCapture, capture_urls
from minedag.profiles import all_profiles, extract_record
from minedag.profiles.page import PageView
from minedag.sample_site.server import serve
from minedag.settings import data_dir
from minedag.urlfile import read_url_file


class PeakMemory(threading.Thread):
    """Samples PSS (RSS where PSS is unavailable) of a process (default: this one) and all its children."""

    def __init__(self, interval: float = 0.5, pid: int | None = None):
        super().__init__(daemon=True)
        self.interval, self.pid, self.peak, self.samples = interval, pid, 0, []
        self._done = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
            while not self._done.is_set():
                total = 0
                for proc in [root, *root.children(recursive=True)]:
                    try:
                        info = proc.memory_full_info()
                        total += getattr(info, "pss", info.rss)
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        pass
                self.samples.append(total)
                self.peak = max(self.peak, total)
                self._done.wait(self.interval)
        except psutil.NoSuchProcess:  # the process sampled has ended
            return

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def run_benchmark(rounds: int = 3, say: Callable[[str], Any] = print) -> dict[str, Any]:
    """Mine the sample site ``rounds`` times three ways (bare, all collectors, through Dagster) and report."""
    server = serve()
    base = [u for u in read_url_file(data_dir() / "urls" / "sample.txt").urls if not u.endswith("/slow")]
    urls = [f"{u}{'&' if '?' in u else '?'}r={r}" for r in range(rounds) for u in base]
    opts = CaptureOptions(host_rules=server.host_rules, allow_hosts=("*.test",))
    say(f"workload: {len(urls)} URLs ({len(base)} sample pages x {rounds}), {os.cpu_count()} cores, "
          f"{opts.pages_in_flight} pages in flight")

    t = time.perf_counter()
    capture_urls(urls, CaptureOptions(host_rules=server.host_rules, allow_hosts=("*.test",), bare=True, axe=False))
    bare = time.perf_counter() - t

    per_profile: dict[str, list[float]] = {name: [] for name in all_profiles()}
    totals: list[float] = []
    ok = 0

    def extract_all(cap: PageCapture) -> None:  # like the pipeline: extract, then let the capture go
        nonlocal ok
        ok += cap.ok
        totals.append(cap.timing.get("total_ms", 0.0))
        view = PageView(cap)
        for name, profile in all_profiles().items():
            t0 = time.perf_counter()
            extract_record(profile, cap, view=view)
            per_profile[name].append((time.perf_counter() - t0) * 1000)

    memory = PeakMemory()
    memory.start()
    t = time.perf_counter()
    capture_urls(urls, opts, on_capture=extract_all)
    full = time.perf_counter() - t
    peak = memory.stop()
    extraction = sum(map(sum, per_profile.values())) / 1000

    import dagster as dg

    import minedag.definitions  # noqa: F401 - loaded before either clock starts
    from minedag.mining import mine

    previous = os.environ.get("MINEDAG_DATA")
    no_page_values = {"ops": {"mining_profiles": {"config": {"page_values": "off"}}}}
    try:
        with tempfile.TemporaryDirectory() as tmp:  # throw-away stores: the benchmark never touches data/
            os.environ["MINEDAG_DATA"] = f"{tmp}/plain"
            with dg.instance_for_test(temp_dir=tmp) as instance:  # first, without each page's values in the UI
                t = time.perf_counter()
                mine(instance, urls, batch=500, run_config=no_page_values)
                without_page_values = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["MINEDAG_DATA"] = tmp
            with dg.instance_for_test(temp_dir=tmp) as instance:
                t = time.perf_counter()
                results = mine(instance, urls, batch=500)
                through_dagster = time.perf_counter() - t
            campaigns = _campaign_speed(urls)
    finally:
        if previous is None:
            os.environ.pop("MINEDAG_DATA", None)
        else:
            os.environ["MINEDAG_DATA"] = previous
    server.stop()
    n = len(urls)
    dagster_overhead = max(0.0, through_dagster - full - extraction)
    report = {
        "urls": n, "cores": os.cpu_count(), "pages_in_flight": opts.pages_in_flight, "ok": ok,
        "bare_pages_per_min": round(n / bare * 60), "pages_per_min": round(n / full * 60),
        "per_url_ms": round(full / n * 1000), "median_capture_ms": round(statistics.median(totals)),
        "extraction_ms_per_page": round(extraction / n * 1000, 1),
        "profile_ms_per_page": {name: round(statistics.mean(v), 1) for name, v in per_profile.items()},
        "dagster_runs": len(results), "dagster_pages_per_min": round(n / through_dagster * 60),
        "dagster_overhead_ms_per_url": round(dagster_overhead / n * 1000),
        "dagster_share": round(dagster_overhead / through_dagster, 3), "peak_pss_mib": round(peak / 2**20),
        "page_values_ms_per_url": round((through_dagster - without_page_values) / n * 1000),
        "campaigns": campaigns,
    }
    say(f"bare navigation (goto + content):    {report['bare_pages_per_min']:7d} pages/min")
    say(f"all collectors + all profiles:       {report['pages_per_min']:7d} pages/min  ({ok}/{n} ok; {full / bare:.2f}x the bare time)")
    say(f"per-URL capture wall time:           {report['per_url_ms']:7d} ms (median capture "
        f"{report['median_capture_ms']} ms with {opts.pages_in_flight} in flight)")
    say(f"profile extraction, all {len(per_profile)}:           {report['extraction_ms_per_page']:7.1f} ms/page")
    for name, ms in report["profile_ms_per_page"].items():
        say(f"    {name:28s} {ms:6.1f} ms/page")
    say(f"through Dagster (mine job, {len(results)} run):  {report['dagster_pages_per_min']:7d} pages/min; "
        f"Dagster overhead {report['dagster_overhead_ms_per_url']} ms/URL ({report['dagster_share']:.0%} of wall time)")
    say(f"    of which each page's values in the UI (page_values): {report['page_values_ms_per_url']} ms/URL "
        f"(a run with page_values=off, run before it)")
    say(f"peak PSS of the process tree:        {report['peak_pss_mib']:7d} MiB")
    for name, c in campaigns.items():
        say(f"campaign {name} on stored captures: {c['ms_per_page']:.1f} ms/page, {c['ms_per_page_per_attribute']:.1f} "
            f"ms/page/attribute ({c['pages']} pages, {c['attributes']} attributes, capture loading included)")
    return report


def _campaign_speed(urls: list[str]) -> dict[str, dict[str, float]]:
    """Each campaign of ``campaigns/`` over the stored captures of the pages it wants (loading them included)."""
    from minedag.campaigns import SelectorStats, campaign_rows, load_all
    from minedag.settings import campaigns_dir, store_dir
    from minedag.store import Store

    out = {}
    for campaign in load_all(campaigns_dir()):
        wanted = [u for u in urls if campaign.wants(u)]
        if not wanted:
            continue
        t = time.perf_counter()
        campaign_rows(campaign, Store(store_dir()), wanted, SelectorStats())
        ms = (time.perf_counter() - t) * 1000 / len(wanted)
        out[campaign.name] = {"pages": len(wanted), "attributes": len(campaign.attributes), "ms_per_page": round(ms, 1),
                              "ms_per_page_per_attribute": round(ms / len(campaign.attributes), 1)}
    return out
