"""The cost of one materialization event on Dagster's embedded SQLite event log, as Dagster ships it and with the
change proposed in docs/dagster-upstream.md §3 (one SQLAlchemy engine kept per shard instead of a new one per
write), alternated so both see the same machine.

An experiment, not a minedag feature: the proposal is applied by replacing a private Dagster method in this
process only. Run: ``.venv/bin/python benchmarks/bench_event_log.py [--events 1000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dagster as dg
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import NullPool

SqliteEventLog = sqlite_event_log.SqliteEventLogStorage
_engines: dict[str, Engine] = {}


@contextmanager
def _connect_with_kept_engine(self: SqliteEventLog, shard: str) -> Iterator[Connection]:
    """Dagster's ``_connect`` with the engine (and so SQLAlchemy's compiled-statement cache) kept per shard."""
    with self._db_lock:
        url = self.conn_string_for_shard(shard)
        if url not in _engines:
            _engines[url] = create_engine(url, poolclass=NullPool,
                                          connect_args={"timeout": sqlite_event_log.SQLITE_BUSY_TIMEOUT_SECONDS})
        if shard not in self._initialized_dbs:
            self._initdb(_engines[url])
            self._initialized_dbs.add(shard)
        with _engines[url].connect() as conn, conn.begin():
            yield conn


def per_event_ms(events: int) -> tuple[float, float]:
    """Wall and CPU milliseconds per partitioned materialization written to a fresh SQLite instance."""
    with tempfile.TemporaryDirectory() as tmp, dg.instance_for_test(temp_dir=tmp) as instance:
        keys = [f"http://site.test/{i}" for i in range(events)]
        instance.add_dynamic_partitions("urls", keys)
        asset = dg.AssetKey(["profiles", "seo_optimizer"])
        wall, cpu = time.perf_counter(), time.process_time()
        for key in keys:
            instance.report_runless_asset_event(dg.AssetMaterialization(asset, partition=key, metadata={"ok": True}))
        return (time.perf_counter() - wall) / events * 1000, (time.process_time() - cpu) / events * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1000, help="materializations written per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the two")
    args = parser.parse_args()
    variants: dict[str, Callable] = {"as shipped": SqliteEventLog._connect,
                                     "one engine per shard": _connect_with_kept_engine}
    for _ in range(args.rounds):
        for label, connect in variants.items():
            SqliteEventLog._connect = connect  # type: ignore[method-assign]
            wall, cpu = per_event_ms(args.events)
            print(f"{label:22s} {wall:5.1f} ms wall, {cpu:4.1f} ms CPU per materialization event")


if __name__ == "__main__":
    main()
