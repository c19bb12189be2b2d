"""Incremental re-mining: a full mine of the sample site through Dagster, then a re-mine after 10% of the
pages changed. Prints the share of pages that skipped profile extraction and the re-mine's time as a share
of the full mine's.

Run: ``.venv/bin/python benchmarks/bench_remine.py [--rounds 3]`` (URLs repeated with distinct query strings).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg

from minedag.defs.capture import page_capture
from minedag.defs.jobs import mine_job
from minedag.defs.profiles import mining_profiles
from minedag.defs.resources import BrowserResource, StoreResource
from minedag.mining import mine
from minedag.sample_site.server import SITE_ROOT, SiteServer, resolve
from minedag.urlfile import read_url_file
from minedag_tests.scratch_postgres import scratch_instance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="times each sample URL is mined (distinct query strings)")
    parser.add_argument("--changed", type=float, default=0.10, help="share of pages changed before the re-mine")
    parser.add_argument("--postgres", action="store_true", help="Dagster storage on the local PostgreSQL (a throw-away database)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        shutil.copytree(SITE_ROOT, root)
        server = SiteServer(root=root).start()
        os.environ["MINEDAG_DATA"] = str(Path(tmp) / "data")
        base = [u for u in read_url_file(SITE_ROOT.parent / "urls" / "sample.txt").urls if not u.endswith("/slow")]
        files = {u: resolve(root, urlsplit(u).hostname or "", urlsplit(u).path) for u in base}
        pages = [u for u in base if files[u] is not None]  # 404s and redirects have no file to change
        urls = [f"{u}?r={r}" for r in range(args.rounds) for u in pages]
        defs = dg.Definitions(assets=[page_capture, mining_profiles], jobs=[mine_job], resources={
            "browser": BrowserResource(host_rules=server.host_rules, allow_hosts=["*.test"]),
            "store": StoreResource(root=str(Path(tmp) / "store"))})
        with scratch_instance(Path(tmp), args.postgres) as instance:
            t = time.perf_counter()
            mine(instance, urls, defs=defs)
            full = time.perf_counter() - t
            changed = pages[:: round(1 / args.changed)]
            for url in changed:  # a real edit: the body (and so the ETag) changes
                files[url].write_text(files[url].read_text().replace("</h1>", " (edited)</h1>", 1))
            t = time.perf_counter()
            (result,) = mine(instance, urls, defs=defs)
            again = time.perf_counter() - t
        meta = next(m.metadata for m in result.asset_materializations_for_node("mining_profiles"))
        skipped = meta["batch_skipped_unchanged"].value
        server.stop()
    n = len(urls)
    print(f"Dagster storage: {'PostgreSQL' if args.postgres else 'SQLite'}")
    print(f"workload: {n} URLs ({len(pages)} pages x {args.rounds}); {len(changed)} pages ({len(changed) * args.rounds} URLs, "
          f"{len(changed) / len(pages):.0%}) changed before the re-mine")
    print(f"full mine through Dagster:   {full:6.1f} s  ({n / full * 60:.0f} pages/min)")
    print(f"re-mine through Dagster:     {again:6.1f} s  ({again / full:.0%} of the full mine)")
    print(f"skipped profile extraction:  {skipped}/{n} pages ({skipped / n:.0%})")


if __name__ == "__main__":
    main()
