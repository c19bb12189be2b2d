"""Same pages, same data: the sample site mined idle and again beside a CPU burner, compared value by value.

    python benchmarks/bench_reproducibility.py [--burners 2] [--json]

Each pass captures the sample site's URLs into a store of its own (every profile's record of each page), builds the
eight bundles from it, and the two passes are compared: the share of bundle target values that are identical, every
attribute that differs (with the spread of numeric ones), bundle versions and members. The burner is ``--burners``
busy Python processes started by this script and stopped by their PIDs. Exit 1 when a target value or a bundle
version differs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from minedag.bundles import build_bundle
from minedag.capture import CaptureOptions, PageCapture, capture_urls
from minedag.functionalities import functionalities
from minedag.profiles import all_profiles, extract_record
from minedag.profiles.page import PageView
from minedag.sample_site.server import serve
from minedag.settings import data_dir
from minedag.store import Store
from minedag.urlfile import read_url_file


def mine_into(root: Path, urls: list[str], options: CaptureOptions) -> tuple[Store, float]:
    """Capture ``urls`` into a fresh store under ``root`` with every profile's record; returns it and the seconds."""
    store = Store(root / "store")
    profiles = all_profiles()

    def keep(cap: PageCapture) -> None:
        capture_id = store.put_capture(cap)
        view = PageView(cap)
        for name, profile in profiles.items():
            store.write_records(name, [extract_record(profile, cap, capture_id, view=view)], profile.schema)

    started = time.perf_counter()
    capture_urls(urls, options, on_capture=keep)
    return store, time.perf_counter() - started


def burners(count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True) for _ in range(count)]


def compare(a: Store, b: Store, urls: list[str]) -> dict[str, Any]:
    """Per ``profile.attribute``: pages compared, pages whose values differ, and for numbers the spread."""
    out: dict[str, Any] = {}
    for name, profile in all_profiles().items():
        left = {r["url"]: r for r in a.read_records(name, urls).to_pylist()}
        right = {r["url"]: r for r in b.read_records(name, urls).to_pylist()}
        for attribute in ["ok", "quality", *(x.name for x in profile.attributes)]:
            pairs = [(left[u].get(attribute), right[u].get(attribute)) for u in sorted(set(left) & set(right))]
            differ = [(x, y) for x, y in pairs if x != y]
            entry: dict[str, Any] = {"pages": len(pairs), "differ": len(differ)}
            numbers = [(x, y) for x, y in pairs if isinstance(x, int | float) and isinstance(y, int | float)
                       and not isinstance(x, bool)]
            if numbers and differ:
                gaps = [abs(x - y) for x, y in numbers]
                relative = [abs(x - y) / max(abs(x), abs(y)) for x, y in numbers if max(abs(x), abs(y)) > 0]
                entry |= {"median_abs_diff": round(statistics.median(gaps), 3), "max_abs_diff": round(max(gaps), 3),
                          "median_rel_diff": round(statistics.median(relative), 3) if relative else 0.0}
            out[f"{name}.{attribute}"] = entry
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burners", type=int, default=2, help="busy processes beside the second pass (default 2)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    server = serve()
    urls = read_url_file(data_dir() / "urls" / "sample.txt").urls
    options = CaptureOptions(host_rules=server.host_rules, allow_hosts=("*.test",))
    report: dict[str, Any] = {"urls": len(urls), "burners": args.burners}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            stores, bundles = {}, {}
            for mode in ("idle", "burner"):
                started = burners(args.burners) if mode == "burner" else []
                try:
                    stores[mode], seconds = mine_into(Path(tmp) / mode, urls, options)
                finally:
                    for process in started:
                        process.kill()
                        process.wait()
                report[f"{mode}_seconds"] = round(seconds, 1)
                bundles[mode] = {f.name: build_bundle(f, stores[mode], Path(tmp) / mode / "bundles") for f in functionalities().values()}
            attributes = compare(stores["idle"], stores["burner"], urls)
    finally:
        server.stop()
    targets = sorted({t for f in functionalities().values() for t in f.trained_targets})
    compared = sum(attributes[t]["pages"] for t in targets)
    same = compared - sum(attributes[t]["differ"] for t in targets)
    report |= {
        "target_values": compared, "target_values_identical": same,
        "target_share_identical": round(same / compared, 4) if compared else 1.0,
        "targets_that_differ": {t: attributes[t] for t in targets if attributes[t]["differ"]},
        "attributes_that_differ": {k: v for k, v in attributes.items() if v["differ"]},
        "bundles": {name: {"idle": bundles["idle"][name].version, "burner": bundles["burner"][name].version,
                           "same_version": bundles["idle"][name].version == bundles["burner"][name].version,
                           "idle_checks_passed": bundles["idle"][name].checks_passed,
                           "burner_checks_passed": bundles["burner"][name].checks_passed}
                    for name in bundles["idle"]},
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{report['urls']} URLs; idle pass {report['idle_seconds']} s, beside {args.burners} busy processes "
              f"{report['burner_seconds']} s")
        print(f"target values identical: {same}/{compared} ({report['target_share_identical']:.1%})")
        for name, b in report["bundles"].items():
            print(f"  {name:32s} {'same version' if b['same_version'] else 'DIFFERENT: ' + b['idle'] + ' / ' + b['burner']}"
                  f"  checks idle {'pass' if b['idle_checks_passed'] else 'FAIL'}, burner {'pass' if b['burner_checks_passed'] else 'FAIL'}")
        print("attributes that differ between the passes (pages differing / compared; numbers: median and max gap):")
        for key, v in report["attributes_that_differ"].items():
            spread = f"  median {v['median_abs_diff']}, max {v['max_abs_diff']} (median {v['median_rel_diff']:.0%})" if "max_abs_diff" in v else ""
            print(f"  {key:50s} {v['differ']:3d}/{v['pages']}{spread}")
    stable = same == compared and all(b["same_version"] and b["idle_checks_passed"] == b["burner_checks_passed"]
                                      for b in report["bundles"].values())
    return 0 if stable else 1


if __name__ == "__main__":
    sys.exit(main())
