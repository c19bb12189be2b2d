"""For the benchmarks: a throw-away Dagster instance (SQLite, or a scratch PostgreSQL database) with
``dagster-daemon`` running on this repo's code."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import psutil

from minedag.settings import DAGSTER_ENV

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def daemon_instance(max_concurrent_runs: int, postgres: bool = False,
                    env: dict[str, str] | None = None) -> Iterator[dg.DagsterInstance]:
    """The instance, with the daemon running; ``env`` is set for the daemon and its runs (e.g. a Dagster knob set to
    "false" to measure without it). PostgreSQL uses ``deploy/postgres/dagster.yaml`` on a scratch database."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as home, contextlib.ExitStack() as stack:
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


def _role(proc: psutil.Process) -> str:
    """Which part of a deployment a process is, from its command line."""
    line = " ".join(proc.cmdline())
    if "chrom" in proc.name():
        return "chromium"
    if "run-driver" in line:
        return "playwright driver"
    if proc.pid == os.getpid():
        return "this process"
    if "execute_run" in line or "execute_step" in line or "spawn_main" in line:  # runs start by multiprocessing spawn
        return "run workers (Dagster + capture + profiles)"
    if "dagster-daemon" in line or "dagster_daemon" in line:
        return "dagster-daemon"
    if "grpc" in line:
        return "code server"
    if proc.name().startswith("postgres"):
        return "postgresql"
    return "other"


class CpuByRole(threading.Thread):
    """CPU seconds used on the machine while it runs, summed by role (Chromium, run workers, the daemon...).

    Samples every ``interval`` seconds: a process that ends between two samples loses at most that much.
    """

    def __init__(self, interval: float = 1.0):
        super().__init__(daemon=True)
        self.interval, self._done = interval, threading.Event()
        self._start: dict[int, float] = {}
        self._last: dict[int, tuple[str, float]] = {}

    def _sample(self) -> None:
        for proc in psutil.process_iter():
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    self._last[proc.pid] = (self._last.get(proc.pid, (None, 0))[0] or _role(proc), times.user + times.system)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue

    def run(self) -> None:
        self._sample()
        self._start = {pid: cpu for pid, (_, cpu) in self._last.items()}
        while not self._done.wait(self.interval):
            self._sample()

    def stop(self) -> dict[str, float]:
        self._done.set()
        self.join()
        self._sample()
        by_role: dict[str, float] = {}
        for pid, (role, cpu) in self._last.items():
            by_role[role] = by_role.get(role, 0.0) + cpu - self._start.get(pid, 0.0)
        return dict(sorted(((r, round(s, 1)) for r, s in by_role.items()), key=lambda kv: -kv[1]))
