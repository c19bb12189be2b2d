"""What discovery costs: crawl the sample site from its five home pages (sitemaps + links, through Dagster), then
mine exactly the pages the crawl mined from a URL list, in a fresh instance and store. Prints both wall times and
the crawl's extra share.

Run: ``.venv/bin/python benchmarks/bench_crawl.py [--batch 500]``
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import dagster as dg

from minedag.crawl import CrawlSpec, fetcher, run_crawl
from minedag.defs.capture import page_capture
from minedag.defs.jobs import mine_job
from minedag.defs.profiles import mining_profiles
from minedag.defs.resources import BrowserResource, StoreResource
from minedag.mining import mine
from minedag.sample_site.server import serve
from minedag.store import Store

SEEDS = ["http://shop.test/", "http://blog.test/", "http://people.test/", "http://docs.test/", "http://app.test/"]


def _defs(server, store: Path) -> dg.Definitions:
    return dg.Definitions(assets=[page_capture, mining_profiles], jobs=[mine_job], resources={
        "browser": BrowserResource(host_rules=server.host_rules, allow_hosts=["*.test"], serve_sample_site=False),
        "store": StoreResource(root=str(store))})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=500, help="URLs per Dagster run in the crawl (default 500)")
    args = parser.parse_args()
    server = serve()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["MINEDAG_DATA"] = str(Path(tmp) / "data")
            for home in ("a", "b"):
                (Path(tmp) / home).mkdir()
            spec = CrawlSpec(name="bench", seeds=SEEDS, max_depth=10, batch=args.batch)
            store = Store(Path(tmp) / "crawl-store")
            defs = _defs(server, store.root)
            with dg.instance_for_test(temp_dir=str(Path(tmp) / "a")) as instance, \
                    fetcher(("*.test",), server.host_rules) as sites:
                started = time.perf_counter()
                report = run_crawl(spec, store, sites, Path(tmp) / "crawls", lambda urls: mine(instance, urls, defs=defs))
                crawl_s = time.perf_counter() - started
            frontier = json.loads((Path(tmp) / "crawls" / "bench" / "frontier.json").read_text())["entries"]
            attempted = [u for u, e in frontier.items() if e["state"] in ("mined", "failed")]
            with dg.instance_for_test(temp_dir=str(Path(tmp) / "b")) as instance:
                started = time.perf_counter()
                mine(instance, attempted, defs=_defs(server, Path(tmp) / "list-store"))
                list_s = time.perf_counter() - started
    finally:
        server.stop()
    print(json.dumps({"pages": len(attempted), "crawl_runs": report.runs, "crawl_s": round(crawl_s, 1),
                      "url_list_s": round(list_s, 1), "discovery_share": round(crawl_s / list_s - 1, 3),
                      "totals": report.totals()}))


if __name__ == "__main__":
    main()
