"""What it costs to give each URL partition its own values in the UI, against how many URL partitions exist.

A 50-URL run of nine URL-partitioned assets (like ``page_capture`` + eight profiles) on an embedded SQLite
instance, three ways: batch metadata only; each page's values on its materialization
(``add_asset_metadata(partition_key=...)``); each page's values as an observation on its partition. Prints the
run's wall time and the extra milliseconds per page value, for each partition count. This is what
``ProfilesConfig.page_values="auto"`` is chosen from.

Run: ``.venv/bin/python benchmarks/bench_page_values.py [--partitions 1000 10000 100000] [--postgres]`` (``--postgres``: a
throw-away database on the local PostgreSQL, with minedag's Dagster settings, batched writes included).
"""

import argparse
import tempfile
import time
from pathlib import Path

import dagster as dg

from minedag.settings import use_dagster_env
from minedag_tests.scratch_postgres import scratch_instance

ASSETS, BATCH = 9, 50
WAYS = ("batch only", "on materialization", "as observation")


def run_once(partitions: int, way: str, postgres: bool = False) -> float:
    """Seconds for one 50-URL run of the nine assets with ``partitions`` URL partitions registered."""
    urls = dg.DynamicPartitionsDefinition(name="urls")
    specs = [dg.AssetSpec(f"asset_{i}", partitions_def=urls) for i in range(ASSETS)]

    @dg.multi_asset(specs=specs, partitions_def=urls)
    def assets(context: dg.AssetExecutionContext):
        keys = context.partition_keys
        for spec in specs:
            for key in keys:
                values = {"ok": True, "quality": 90, "title": key}
                if way == "on materialization":
                    context.add_asset_metadata(values, asset_key=spec.key, partition_key=key)
                elif way == "as observation":
                    context.log_event(dg.AssetObservation(asset_key=spec.key, partition=key, metadata=values))
            yield dg.MaterializeResult(asset_key=spec.key, metadata={"batch_records": len(keys)})

    with tempfile.TemporaryDirectory() as home, scratch_instance(Path(home), postgres) as instance:
        keys = [f"https://site{i % 200}.example/page/{i}" for i in range(partitions)]
        instance.add_dynamic_partitions("urls", keys)
        start = time.perf_counter()
        result = dg.materialize([assets], instance=instance, raise_on_error=True, tags={
            "dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[BATCH - 1]})
        assert result.success
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--postgres", action="store_true", help="Dagster storage on the local PostgreSQL")
    args = parser.parse_args()
    if args.postgres:
        use_dagster_env()  # minedag's Dagster settings, batched writes included
    print(f"| URL partitions | {' | '.join(WAYS)} |\n|---|---|---|---|")
    for partitions in args.partitions:
        seconds = {way: min(run_once(partitions, way, args.postgres) for _ in range(2)) for way in WAYS}
        extra = {way: 1000 * (seconds[way] - seconds["batch only"]) / (ASSETS * BATCH) for way in WAYS}
        cells = [f"{seconds[w]:.1f} s" + (f" (+{extra[w]:.0f} ms/value)" if w != "batch only" else "") for w in WAYS]
        print(f"| {partitions:,} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
