"""For the benchmarks: a throw-away Dagster instance (SQLite, or a scratch PostgreSQL database) with
``dagster-daemon`` running on this repo's code."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from minedag.settings import DAGSTER_ENV

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def daemon_instance(max_concurrent_runs: int, postgres: bool = False,
                    env: dict[str, str] | None = None) -> Iterator[dg.DagsterInstance]:
    """The instance, with the daemon running; ``env`` is set for the daemon and its runs (e.g. a Dagster knob set to
    "false" to measure without it). PostgreSQL uses ``deploy/postgres/dagster.yaml`` on a scratch database."""
    with tempfile.TemporaryDirectory() as home, contextlib.ExitStack() as stack:
        if postgres:
            sys.path.insert(0, str(REPO))
            from minedag_tests.scratch_postgres import scratch_postgres_instance

            stack.enter_context(scratch_postgres_instance(Path(home))).dispose()  # only its database and dagster.yaml
            config = (Path(home) / "dagster.yaml").read_text()
            (Path(home) / "dagster.yaml").write_text(config.replace("max_concurrent_runs: 4",
                                                                    f"max_concurrent_runs: {max_concurrent_runs}"))
        else:
            (Path(home) / "dagster.yaml").write_text(
                f"storage:\n  sqlite:\n    base_dir: {home}/storage\nconcurrency:\n  runs:\n"
                f"    max_concurrent_runs: {max_concurrent_runs}\n  pools:\n    default_limit: 2\ntelemetry:\n  enabled: false\n")
        full = {**DAGSTER_ENV, **os.environ, **(env or {}), "DAGSTER_HOME": home, "MINEDAG_DATA": f"{home}/data"}
        os.environ.update(full)
        daemon = subprocess.Popen([str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                                  cwd=REPO, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with dg.DagsterInstance.get() as instance:
                yield instance
        finally:
            daemon.terminate()
            daemon.wait(30)


def submit_backfill(instance: dg.DagsterInstance, urls: Sequence[str], backfill_id: str) -> float:
    """Request the asset backfill (see ``minedag.mining.request_backfill``); returns when it was requested."""
    from minedag.mining import request_backfill

    started = time.time()
    request_backfill(instance, urls, backfill_id)
    return started
