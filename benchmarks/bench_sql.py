"""Benchmark: `minedag sql` over N records (default 100,000 across 500 sites): a GROUP BY site on a profile's
newest-record view, timed from a fresh connection (views created) to the answer.

Records are copies of the store's real seo_optimizer records (run ``make demo`` first) under new URLs, written
in batches of 5,000 as mining runs write them.

Run: ``.venv/bin/python benchmarks/bench_sql.py [--records 100000]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from minedag.profiles import get_profile
from minedag.settings import store_dir
from minedag.sql import Roots, connect, run_query
from minedag.store import Store

DIRECT = ("SELECT regexp_extract(url, '^https?://([^/]+)', 1) AS site, count(*), avg(quality) FROM records_seo_optimizer "
          "GROUP BY 1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=500)
    args = parser.parse_args()
    profile = get_profile("seo_optimizer")
    seeds = [r for r in Store(store_dir()).read_records(profile.name, schema=profile.schema).to_pylist() if r["ok"]]
    if not seeds:
        raise SystemExit("no records in the store: run `make demo` first")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store")
        for start in range(0, args.records, 5000):
            rows = []
            for i in range(start, min(start + 5000, args.records)):
                row = dict(seeds[i % len(seeds)])
                row.update(url=f"https://site{i % args.sites}.example/page/{i}", capture_id=f"{i:064x}")
                rows.append(row)
            store.write_records(profile.name, rows, profile.schema)
        roots = Roots(store.root, Path(tmp) / "bundles", Path(tmp) / "aggregates")
        timings = {}
        for name, query in (("group_by_site", DIRECT),):
            t = time.perf_counter()
            con, _ = connect(roots)
            _, rows, _ = run_query(con, query)
            timings[name] = {"seconds": round(time.perf_counter() - t, 3), "groups": len(rows)}
            t = time.perf_counter()
            run_query(con, query)
            timings[name]["seconds_again"] = round(time.perf_counter() - t, 3)
    print(json.dumps({"records": args.records, "sites": args.sites, **timings}))


if __name__ == "__main__":
    main()
