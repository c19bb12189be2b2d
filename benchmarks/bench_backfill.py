"""Benchmark: a backfill of N sample-site URLs through the Dagster daemon, against the same work without Dagster.

Starts ``dagster-daemon`` on a temporary instance (SQLite, or PostgreSQL with ``--postgres``), registers N URLs (sample pages with ``?r=``
variants), launches an asset backfill of ``page_capture`` and the profiles (runs of 50 URLs, the batch policy), waits for every run,
and reports pages/minute, the wait before the first run (the daemon tick) and Dagster's share of the rest.
``--env KEY=VALUE`` sets a Dagster knob for the daemon and its runs (``DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=false``,
``DAGSTER_EVENT_BATCH_SIZE=1000``...); ``--no-baseline`` skips the run without Dagster (to compare knobs).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import dagster as dg
from daemon import CpuByRole, daemon_instance, submit_backfill

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--urls", type=int, default=500)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL storage (deploy/postgres/dagster.yaml)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--concurrent-runs", type=int, default=2, help="the instance's max_concurrent_runs")
    parser.add_argument("--baseline-batch", type=int, default=0,
                        help="capture the baseline in batches of this many URLs, a browser each, as the runs do (0: one browser)")
    parser.add_argument("--baseline-only", action="store_true", help="stop after the run without Dagster")
    parser.add_argument("--baseline-s", type=float, help="the run without Dagster took this long (skips it)")
    args = parser.parse_args()
    knobs = dict(kv.split("=", 1) for kv in args.env)

    from minedag.capture import CaptureOptions, capture_urls
    from minedag.profiles import all_profiles, extract_record
    from minedag.profiles.page import PageView
    from minedag.sample_site.server import serve
    from minedag.urlfile import read_url_file

    base = [u for u in read_url_file(REPO / "data" / "urls" / "sample.txt").urls if not u.endswith("/slow")]
    urls = [f"{u}{'&' if '?' in u else '?'}r={i // len(base)}" for i, u in enumerate(base * (args.urls // len(base) + 1))][: args.urls]

    server = serve()
    t = time.perf_counter()
    print(f"storage: {'postgres' if args.postgres else 'sqlite'}; knobs: {knobs or 'as minedag ships'}")

    def work(cap):  # the same work without Dagster: capture, extract every profile
        view = PageView(cap)
        for profile in all_profiles().values():
            extract_record(profile, cap, view=view)

    if args.baseline_s is None:
        cpu = CpuByRole()
        cpu.start()
        step = args.baseline_batch or len(urls)
        for i in range(0, len(urls), step):
            capture_urls(urls[i:i + step], CaptureOptions(host_rules=server.host_rules, allow_hosts=("*.test",)), on_capture=work)
        print(f"CPU seconds by role without Dagster: {cpu.stop()}")
    baseline = args.baseline_s or time.perf_counter() - t
    server.stop()
    print(f"without Dagster: {args.urls} URLs in {baseline:.0f} s ({args.urls / baseline * 60:.0f} pages/min)")
    if args.baseline_only:
        return

    with daemon_instance(max_concurrent_runs=args.concurrent_runs, postgres=args.postgres, env=knobs) as instance:
        instance.add_dynamic_partitions("urls", urls)
        cpu = CpuByRole()
        cpu.start()
        started = submit_backfill(instance, urls, "bench")
        while True:  # the automation and retry sensors may start backfills of their own: only "bench" counts
            backfill = instance.get_backfill("bench")
            runs = instance.get_run_records(filters=dg.RunsFilter(tags={"dagster/backfill": "bench"}))
            if backfill is not None and backfill.status.value != "REQUESTED" and all(r.dagster_run.is_finished for r in runs):
                break
            if time.time() - started > 3600:
                raise SystemExit("backfill did not finish within an hour")
            time.sleep(5)
        cpu_by_role = cpu.stop()
        first_start = min(r.start_time for r in runs if r.start_time)
        last_end = max(r.end_time for r in runs if r.end_time)
        failed = [r for r in runs if r.dagster_run.status.value != "SUCCESS"]
        timelines = [run_timeline(instance, r) for r in sorted(runs, key=lambda r: r.start_time or 0)]
        others = [r for r in instance.get_run_records() if r.dagster_run.tags.get("dagster/backfill") != "bench"
                  and r.start_time and r.start_time < last_end]
    wall = last_end - first_start
    print(f"through the daemon: {len(runs)} runs ({len(failed)} failed), first run started {first_start - started:.0f} s "
          f"after the backfill was requested (daemon tick), then {wall:.0f} s ({args.urls / wall * 60:.0f} pages/min); "
          f"{len(others)} other runs (automation, retries) started meanwhile")
    print(f"Dagster's share of the wall time after the first tick: {max(0.0, wall - baseline) / wall:.0%}")
    print(f"CPU seconds by role while the backfill ran ({os.cpu_count()} cores x {time.time() - started:.0f} s): {cpu_by_role}")
    print("each run: seconds from its start to its first step (the worker's start), each step, after the last step")
    for line in timelines:
        print(f"  {line}")
    for record in others:  # what started besides the backfill, and why: the run's origin tags and its assets
        run = record.dagster_run
        origin = {k: v for k, v in run.tags.items() if k in ("dagster/backfill", "dagster/sensor_name", "dagster/from_automation_condition")}
        assets = sorted("/".join(k.path) for k in run.asset_selection or ())
        took = (record.end_time or last_end) - record.start_time
        print(f"  other run {run.run_id[:8]}: {origin}, {len(assets)} assets ({', '.join(assets[:3])}...), "
              f"partitions {run.tags.get('dagster/asset_partition_range_start', run.tags.get('dagster/partition', '?'))}"
              f"..{run.tags.get('dagster/asset_partition_range_end', '')}, {took:.0f} s, {run.status.value}")


def run_timeline(instance: dg.DagsterInstance, record: dg.RunRecord) -> str:
    """Where one run's time went: its worker's start, each step, and the end (from the run's own events)."""
    steps: dict[str, list[float]] = {}
    for entry in instance.all_logs(record.dagster_run.run_id, of_type={dg.DagsterEventType.STEP_START,
                                                                        dg.DagsterEventType.STEP_SUCCESS,
                                                                        dg.DagsterEventType.STEP_FAILURE}):
        steps.setdefault(entry.step_key or "?", []).append(entry.timestamp)
    if not steps or not record.start_time:
        return f"{record.dagster_run.run_id[:8]}: no steps"
    first = min(min(t) for t in steps.values())
    last = max(max(t) for t in steps.values())
    parts = ", ".join(f"{k} {max(t) - min(t):.1f}" for k, t in sorted(steps.items(), key=lambda kv: min(kv[1])))
    return (f"{record.dagster_run.run_id[:8]}: worker start {first - record.start_time:.1f}, {parts}, "
            f"after {(record.end_time or last) - last:.1f} (run {(record.end_time or last) - record.start_time:.1f} s)")


if __name__ == "__main__":
    main()
