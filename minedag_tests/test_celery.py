"""Distributed execution on existing engines: the `mine_distributed` job on two dagster-celery workers (Redis
broker on 127.0.0.1:6379), sharing a PostgreSQL instance and the store; results equal a local run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import redis

from minedag.mining import mine, mine_distributed
from minedag.store import Store
from minedag_tests.scratch_postgres import PostgresUnreachable, scratch_postgres_instance

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

REPO = Path(__file__).resolve().parents[1]
URLS = ["http://shop.test/", "http://shop.test/products/terra-mug", "http://shop.test/checkout",
        "http://people.test/signup", "http://blog.test/posts/accessible-forms", "http://docs.test/guides/orders-api"]
BROKER, BACKEND = "redis://127.0.0.1:6379/7", "redis://127.0.0.1:6379/8"  # databases of their own
DETERMINISTIC = ("schema_linker", "workflow_predictor", "component_generator")  # no timings in their records


@pytest.fixture()
def workers(tmp_path):
    try:
        for url in (BROKER, BACKEND):
            redis.Redis.from_url(url).flushdb()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable at 127.0.0.1:6379 ({exc}); start it with `redis-server --daemonize yes "
                    "--bind 127.0.0.1 --port 6379 --save '' --appendonly no`")
    config = tmp_path / "celery.yaml"
    config.write_text(f"execution:\n  config:\n    broker: {BROKER}\n    backend: {BACKEND}\n")
    try:
        with scratch_postgres_instance(tmp_path / "home") as instance:
            env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "MINEDAG_DATA": str(tmp_path / "shared"),
                   "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # it runs `celery`
            procs, logs = [], []
            for name in ("worker1", "worker2"):
                logs.append(tmp_path / f"{name}.log")
                procs.append(subprocess.Popen(
                    [str(Path(sys.executable).parent / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app", "-n", name, "-y", str(config),
                     "--", "--concurrency", "1", "--without-heartbeat", "--without-gossip", "--without-mingle"],
                    cwd=REPO, env=env, stdout=logs[-1].open("w"), stderr=subprocess.STDOUT, start_new_session=True))
            try:
                deadline = time.time() + 90
                while not all("ready" in log.read_text() for log in logs):
                    assert time.time() < deadline, "celery workers did not start: " + " | ".join(log.read_text()[-500:] for log in logs)
                    assert all(p.poll() is None for p in procs), "a celery worker exited: " + logs[0].read_text()[-2000:]
                    time.sleep(1)
                yield instance, logs, tmp_path / "shared"
            finally:
                for p in procs:
                    os.killpg(p.pid, signal.SIGTERM)
                for p in procs:
                    try:
                        p.wait(30)
                    except subprocess.TimeoutExpired:
                        os.killpg(p.pid, signal.SIGKILL)
    except PostgresUnreachable as exc:
        pytest.fail(str(exc))


def test_two_celery_workers_mine_two_batches_at_once_with_the_results_of_a_local_run(workers, tmp_path, monkeypatch):
    instance, logs, shared = workers
    monkeypatch.setenv("MINEDAG_DATA", str(shared))
    results = mine_distributed(instance, URLS, {"broker": BROKER, "backend": BACKEND}, batch=3)
    failures = [e.message for run_id, ok in results if not ok for e in instance.all_logs(run_id)
                if e.dagster_event and e.dagster_event.is_failure]
    assert len(results) == 2 and all(ok for _, ok in results), failures
    runs = [instance.get_run_record_by_id(run_id) for run_id, _ in results]
    assert max(r.start_time for r in runs) < min(r.end_time for r in runs)  # the two batches overlapped
    for log in logs:  # each worker executed steps (each with its own browser)
        assert "execute_plan" in log.read_text() and "succeeded" in log.read_text(), log.read_text()[-2000:]
    assert instance.get_materialized_partitions(dg.AssetKey(["profiles", "seo_optimizer"])) == set(URLS)

    monkeypatch.setenv("MINEDAG_DATA", str(tmp_path / "local"))
    with dg.instance_for_test() as local_instance:
        (local,) = mine(local_instance, URLS)
    assert local.success
    for profile in DETERMINISTIC:
        ignore = {"capture_id", "captured_at"}
        rows = [{r["url"]: {k: v for k, v in r.items() if k not in ignore}
                 for r in Store(root / "store").read_records(profile, URLS).to_pylist()}
                for root in (shared, tmp_path / "local")]
        assert rows[0] == rows[1], profile
