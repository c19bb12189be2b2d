"""Benchmark: build a training bundle over N URLs of generated records (default 10,000 across 200 sites).

Records are copies of the sample site's real records (run ``make demo`` first) under new URLs, so the
bundle builder reads N Parquet files per profile, joins, excludes, splits, checks and writes as in production.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from minedag.bundles import build_bundle
from minedag.functionalities import get_functionality
from minedag.profiles import get_profile
from minedag.settings import store_dir
from minedag.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--urls", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--functionality", default="seo_optimization")
    args = parser.parse_args()
    f = get_functionality(args.functionality)
    source = Store(store_dir())
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store")
        t = time.perf_counter()
        for name in f.model_types:
            seeds = [r for r in source.read_records(name, schema=get_profile(name).schema).to_pylist() if r["ok"]]
            if not seeds:
                raise SystemExit("no records in the store: run `make demo` first")
            rows = []
            for i in range(args.urls):
                row = dict(seeds[i % len(seeds)])
                site = f"site{i % args.sites}.example"
                row.update(url=f"https://{site}/page/{i}", site=site, capture_hash=f"{i:064x}")
                rows.append(row)
            for start in range(0, len(rows), 50):  # one batch per mining run of 50 URLs, as in production
                store.write_records(name, rows[start : start + 50], get_profile(name).schema)
        generated = time.perf_counter() - t
        t = time.perf_counter()
        result = build_bundle(f, store, Path(tmp) / "bundles")
        built = time.perf_counter() - t
        t = time.perf_counter()
        build_bundle(f, store, Path(tmp) / "bundles")
        again = time.perf_counter() - t
    print(f"generated {args.urls} records x {len(f.model_types)} profiles in {generated:.1f} s")
    print(f"bundle {f.name} over {args.urls} URLs ({args.sites} sites): {built:.1f} s "
          f"(members {result.manifest['counts']['members']}, failed checks: {[c['name'] for c in result.manifest['checks'] if not c['passed']]})")
    print(f"re-run with the same inputs (version found, nothing written): {again:.1f} s")


if __name__ == "__main__":
    main()
