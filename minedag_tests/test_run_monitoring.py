"""A mining run killed with SIGKILL gives its browser-pool slot back, so later runs do not wait for ever."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from minedag.defs.partitions import BROWSER_POOL, PID_TAG
from minedag.mining import reap_dead_runs

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

REPO = Path(__file__).resolve().parents[1]
MINE_A_HANGING_PAGE = """
import dagster as dg
from minedag.mining import mine
mine(dg.DagsterInstance.get(), ["http://lab.test/hang"])
"""


# Waits for /hang (60 s) instead of giving up at 20 s, so two runs started together hold their slots together.
PATIENT = {"resources": {"browser": {"config": {"nav_timeout_s": 300, "capture_timeout_s": 400}}}}


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


def test_without_the_daemon_the_next_cli_run_reaps_killed_runs_instead_of_waiting(tmp_path):
    """Two mining runs killed together (SIGKILL, with their browsers) while they hold both `browser` slots: no
    daemon runs, yet the next `minedag crawl`'s run starts and finishes, and the two runs are failed."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text().replace("base_dir: data/", f"base_dir: {tmp_path}/"))
    env = {**os.environ, "DAGSTER_HOME": str(home), "MINEDAG_DATA": str(tmp_path / "data")}

    with dg.DagsterInstance.from_config(str(home)):
        pass  # the storage exists before three processes open it (creating it at once races in Dagster's SQLite)
    hang = MINE_A_HANGING_PAGE.replace('["http://lab.test/hang"]', f'["http://lab.test/hang"], run_config={PATIENT!r}')
    killed = [subprocess.Popen([sys.executable, "-c", hang], env=env, cwd=REPO, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            def both_holding():
                info = instance.event_log_storage.get_concurrency_info(BROWSER_POOL)
                return info.active_run_ids if len(info.claimed_slots) >= 2 else None

            held = wait_for(both_holding, 240, "both runs to hold a browser slot")
            for process in killed:
                os.killpg(process.pid, signal.SIGKILL)  # the runs' processes and their Chromium
                process.wait(30)
        third = subprocess.run([sys.executable, "-m", "minedag.cli", "crawl", "http://shop.test/", "--no-sitemaps",
                                "--max-pages", "1", "--max-depth", "0", "--json"], env=env, cwd=REPO, capture_output=True, text=True,
                               timeout=300)
        assert third.returncode == 0, third.stderr[-3000:]
        assert json.loads(third.stdout)["totals"]["mined"] == 1
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert {instance.get_run_by_id(r).status for r in held} == {dg.DagsterRunStatus.FAILURE}
            assert not instance.event_log_storage.get_concurrency_info(BROWSER_POOL).claimed_slots
    finally:
        for process in killed:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
