"""A mining run killed with SIGKILL gives its browser-pool slot back, so later runs do not wait for ever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from minedag.defs.automation import reap_dead_runs
from minedag.defs.partitions import BROWSER_POOL, PID_TAG

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

REPO = Path(__file__).resolve().parents[1]
MINE_A_HANGING_PAGE = """
import dagster as dg
from minedag.mining import mine
mine(dg.DagsterInstance.get(), ["http://lab.test/hang"])
"""


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_a_killed_runs_browser_slot_comes_back(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text().replace("base_dir: data/", f"base_dir: {tmp_path}/"))
    env = {**os.environ, "DAGSTER_HOME": str(home), "MINEDAG_DATA": str(tmp_path / "data")}
    worker = subprocess.Popen([sys.executable, "-c", MINE_A_HANGING_PAGE], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            def holding():
                info = instance.event_log_storage.get_concurrency_info(BROWSER_POOL)
                return info.active_run_ids if info.claimed_slots else None

            (run_id,) = wait_for(holding, 120, "the mining run to take a browser slot")
            # The slot is claimed before the step starts; the step then tags the run with its process.
            run = wait_for(lambda: (r := instance.get_run_by_id(run_id)) and PID_TAG in r.tags and r, 60,
                           "the mining step to tag its run with its pid")
            assert run.status == dg.DagsterRunStatus.STARTED and int(run.tags[PID_TAG]) == worker.pid
            assert reap_dead_runs(instance) == []  # alive: left alone
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(30)
            assert reap_dead_runs(instance) == [run_id]
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
            assert not instance.event_log_storage.get_concurrency_info(BROWSER_POOL).claimed_slots
    finally:
        if worker.poll() is None:
            worker.kill()
