"""For the benchmarks: a throw-away SQLite Dagster instance with ``dagster-daemon`` running on this repo's code."""

from __future__ import annotations

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
def daemon_instance(max_concurrent_runs: int) -> Iterator[dg.DagsterInstance]:
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "dagster.yaml").write_text(
            f"storage:\n  sqlite:\n    base_dir: {home}/storage\nconcurrency:\n  runs:\n"
            f"    max_concurrent_runs: {max_concurrent_runs}\n  pools:\n    default_limit: 2\ntelemetry:\n  enabled: false\n")
        env = {**DAGSTER_ENV, **os.environ, "DAGSTER_HOME": home, "MINEDAG_DATA": f"{home}/data"}
        os.environ.update(env)
        daemon = subprocess.Popen([str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                                  cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
