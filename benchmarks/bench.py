"""Benchmark: pages/minute (all collectors vs bare navigation), Dagster overhead per URL, profile ms/page, peak memory.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench.py --rounds 3``). Workload: the bundled sample
site, each URL repeated ``--rounds`` times with a distinct query string so every capture is a real load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time

import psutil

from minedag.capture import CaptureOptions, PageCapture, capture_urls
from minedag.profiles import all_profiles, extract_record
from minedag.profiles.page import PageView
from minedag.sample_site.server import serve
from minedag.urlfile import read_url_file


class PeakMemory(threading.Thread):
    """Samples PSS (RSS where PSS is unavailable) of this process and all its children."""

    def __init__(self, interval: float = 0.5):
        super().__init__(daemon=True)
        self.interval, self.peak, self.samples = interval, 0, []
        self._done = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self._done.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    info = proc.memory_full_info()
                    total += getattr(info, "pss", info.rss)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.samples.append(total)
            self.peak = max(self.peak, total)
            self._done.wait(self.interval)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="times each sample URL is mined")
    args = parser.parse_args()
    server = serve()
    base = [u for u in read_url_file("data/urls/sample.txt").urls if not u.endswith("/slow")]
    urls = [f"{u}{'&' if '?' in u else '?'}r={r}" for r in range(args.rounds) for u in base]
    opts = CaptureOptions(host_rules=server.host_rules, allow_hosts=("*.test",))
    print(f"workload: {len(urls)} URLs ({len(base)} sample pages x {args.rounds}), {os.cpu_count()} cores, "
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

    from minedag.mining import mine

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MINEDAG_DATA"] = tmp
        with dg.instance_for_test(temp_dir=tmp) as instance:
            t = time.perf_counter()
            results = mine(instance, urls, batch=500)
            through_dagster = time.perf_counter() - t
    n = len(urls)
    print(f"bare navigation (goto + content):    {n / bare * 60:7.0f} pages/min")
    print(f"all collectors + 8 profiles:         {n / full * 60:7.0f} pages/min  ({ok}/{n} ok; "
          f"{full / bare:.2f}x the bare time)")
    print(f"per-URL capture wall time:           {full / n * 1000:7.0f} ms (median capture "
          f"{statistics.median(totals):.0f} ms with {opts.pages_in_flight} in flight)")
    print(f"profile extraction, all 8:           {extraction / n * 1000:7.1f} ms/page")
    for name, values in per_profile.items():
        print(f"    {name:28s} {statistics.mean(values):6.1f} ms/page")
    overhead = through_dagster - full - extraction
    print(f"through Dagster (mine job, {len(results)} run):  {n / through_dagster * 60:7.0f} pages/min; "
          f"Dagster overhead {max(0.0, overhead) / n * 1000:.0f} ms/URL ({max(0.0, overhead) / through_dagster:.0%} of wall time)")
    print(f"peak PSS of the process tree:        {peak / 2**20:7.0f} MiB")
    server.stop()


if __name__ == "__main__":
    main()
