"""What discovery costs: crawl a site from its home pages (sitemaps + links, through Dagster), then mine exactly the
pages the crawl attempted from a URL list, in a fresh instance and store. Prints both wall times, each crawl run's
size and time, and the crawl's extra share. A one-page mine first warms the process (imports, models), so neither side pays it.

``--pages N`` uses a generated five-host site of N article pages (70% in its sitemaps, the rest reachable only by
links) instead of the bundled sample site (57 pages, of which the five that only links reach are dead links).

Run: ``.venv/bin/python benchmarks/bench_crawl.py [--pages 500] [--batch 500]``
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from minedag.crawl import CrawlSpec, Frontier, fetcher, run_crawl
from minedag.crawl.run import frontier_path
from minedag.defs.capture import page_capture
from minedag.defs.jobs import mine_job
from minedag.defs.profiles import mining_profiles
from minedag.defs.resources import BrowserResource, StoreResource
from minedag.mining import mine
from minedag.sample_site.server import serve
from minedag.store import Store

SAMPLE_SEEDS = ["http://shop.test/", "http://blog.test/", "http://people.test/", "http://docs.test/", "http://app.test/"]


def _defs(host_rules: str, allow: str, store: Path) -> dg.Definitions:
    return dg.Definitions(assets=[page_capture, mining_profiles], jobs=[mine_job], resources={
        "browser": BrowserResource(host_rules=host_rules, allow_hosts=[allow], serve_sample_site=False),
        "store": StoreResource(root=str(store))})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=500, help="URLs per Dagster run, crawl and list alike (default 500)")
    parser.add_argument("--pages", type=int, default=0, help="article pages of a generated site (default: the sample site)")
    args = parser.parse_args()
    if args.pages:
        from generated_site import GeneratedSite  # benchmarks/ is on sys.path when a benchmark runs

        server, allow = GeneratedSite(args.pages), "*.gen"
        seeds = server.seeds()
    else:
        server, allow, seeds = serve(), "*.test", SAMPLE_SEEDS
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            os.environ["MINEDAG_DATA"] = str(root / "data")
            for home in ("warm", "crawl", "list"):
                (root / home).mkdir()
            with dg.instance_for_test(temp_dir=str(root / "warm")) as instance:
                mine(instance, seeds[:1], defs=_defs(server.host_rules, allow, root / "warm-store"))
            spec = CrawlSpec(name="bench", seeds=seeds, max_depth=20, batch=args.batch, max_pages=1_000_000,
                             max_pages_per_site=1_000_000)
            store = Store(root / "crawl-store")
            defs = _defs(server.host_rules, allow, store.root)
            runs: list[tuple[int, float]] = []  # (URLs, seconds) of each crawl run

            def timed_mine(urls: Sequence[str]) -> Sequence[dg.ExecuteInProcessResult]:
                began = time.perf_counter()
                results = mine(instance, urls, defs=defs, batch=args.batch)
                runs.append((len(urls), round(time.perf_counter() - began, 1)))
                return results

            with dg.instance_for_test(temp_dir=str(root / "crawl")) as instance, fetcher((allow,), server.host_rules) as sites:
                started = time.perf_counter()
                report = run_crawl(spec, store, sites, root / "crawls", timed_mine)
                crawl_s = time.perf_counter() - started
            with Frontier(frontier_path(root / "crawls", "bench"), "bench") as frontier:
                attempted = frontier.urls(("mined", "failed"))
            with dg.instance_for_test(temp_dir=str(root / "list")) as instance:
                started = time.perf_counter()
                mine(instance, attempted, defs=_defs(server.host_rules, allow, root / "list-store"), batch=args.batch)
                list_s = time.perf_counter() - started
    finally:
        server.stop()
    print(json.dumps({"site": f"generated, {args.pages} articles" if args.pages else "sample", "pages": len(attempted),
                      "crawl_runs": report.runs, "crawl_runs_urls_s": runs, "crawl_s": round(crawl_s, 1),
                      "url_list_s": round(list_s, 1), "discovery_share": round(crawl_s / list_s - 1, 3),
                      "totals": report.totals()}))


if __name__ == "__main__":
    main()
