"""The demo is deterministic: ``minedag demo`` run several times, each in a fresh instance and store (what a fresh
clone has), alternately idle and beside busy processes; every run must publish the same bundles with the same
versions and member rows.

    python benchmarks/bench_demo_determinism.py [--runs 5] [--burners 2] [--json]

Exit 1 when two runs differ in what they published (captured_at-type provenance is outside the versions).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]


def demo(home: Path, burners: int) -> dict[str, Any]:
    """One ``minedag demo --json`` in a fresh ``home``; what it published: version and a hash of the member rows."""
    env = {**os.environ, "DAGSTER_HOME": str(home / "dagster"), "MINEDAG_DATA": str(home / "data")}
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True) for _ in range(burners)]
    started = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, "-m", "minedag.cli", "demo", "--json"], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=1800)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    summary = json.loads(out.stdout)
    published = {}
    for name, bundle in sorted(summary["bundles"].items()):
        version = bundle["latest"]
        cells: dict[str, str] = {}  # "url column" -> hash of the cell
        if version:
            folder = home / "data" / "bundles" / name / version
            for part in sorted(folder.glob("*/*.parquet")):
                for row in pq.read_table(part).to_pylist():
                    for column, value in row.items():
                        if column != "captured_at":
                            text = json.dumps(value, sort_keys=True, default=repr).encode()
                            cells[f"{row['url']} {column}"] = hashlib.sha256(text).hexdigest()[:12]
        rows = hashlib.sha256(json.dumps(sorted(cells.items())).encode()).hexdigest()[:16]
        published[name] = {"version": version, "rows": rows if version else None, "cells": cells}
    return {"burners": burners, "seconds": round(time.perf_counter() - started, 1), "exit": out.returncode,
            "captured": summary["captured"], "urls": summary["urls"],
            "not_published": summary["dagster_runs"]["bundles_not_published"], "published": published,
            "stderr_tracebacks": out.stderr.count("Traceback")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--burners", type=int, default=2, help="busy processes beside every other run (default 2)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    runs = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(demo(Path(tmp), args.burners if i % 2 else 0))
        if not args.json:
            r = runs[-1]
            print(f"run {i + 1} ({'idle' if not r['burners'] else str(r['burners']) + ' burners'}): {r['captured']}/{r['urls']} "
                  f"captured, exit {r['exit']}, {r['seconds']} s, not published: {r['not_published'] or 'none'}, "
                  f"tracebacks on stderr: {r['stderr_tracebacks']}", flush=True)
    first = runs[0]["published"]
    same = all(r["published"] == first for r in runs) and all(not r["not_published"] for r in runs)
    differing = {f"run {i + 1} {name}": sorted(k for k in set(b["cells"]) | set(first[name]["cells"])
                                               if b["cells"].get(k) != first[name]["cells"].get(k))[:10]
                 for i, r in enumerate(runs) for name, b in r["published"].items() if b["rows"] != first[name]["rows"]}
    if args.json:
        for r in runs:
            for b in r["published"].values():
                b.pop("cells")
        print(json.dumps({"runs": runs, "identical": same, "cells_that_differ_from_run_1": differing}, indent=2))
    else:
        for name in first:
            versions = {r["published"][name]["version"] for r in runs}
            rows = {r["published"][name]["rows"] for r in runs}
            print(f"  {name:32s} versions {sorted(map(str, versions))}  member rows {'identical' if len(rows) == 1 else 'DIFFER'}")
        for where, keys in differing.items():
            print(f"  {where}: differs from run 1 in " + ", ".join(keys))
        print("every run published the same bundles, versions and rows" if same else "RUNS DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
