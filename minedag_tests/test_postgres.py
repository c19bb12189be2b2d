"""The mining job, the URL sensor and a daemon-run asset backfill on a real PostgreSQL instance (deploy/postgres/dagster.yaml).

PostgreSQL runs on 127.0.0.1:5432 on the development and CI machines; when it is unreachable this test
fails with the reason (it is not skipped).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from minedag.mining import mine, register_urls, request_backfill
from minedag_tests.scratch_postgres import PostgresUnreachable, scratch_postgres_instance

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def pg_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("MINEDAG_DATA", str(tmp_path / "data"))
    try:
        with scratch_postgres_instance(tmp_path / "home") as instance:
            yield instance
    except PostgresUnreachable as exc:
        pytest.fail(str(exc))  # not a skip: CI has PostgreSQL, so its absence is an error


def test_mining_job_and_sensor_on_postgres(pg_instance, tmp_path, monkeypatch):
    assert type(pg_instance.run_storage).__name__ == "PostgresRunStorage"
    urls = ["http://shop.test/", "http://blog.test/about", "http://lab.test/pdf"]
    storage, batches = pg_instance.event_log_storage, []
    store_batch = storage.store_event_batch
    monkeypatch.setattr(storage, "store_event_batch", lambda events: (batches.append(events), store_batch(events))[1])
    (result,) = mine(pg_instance, urls)
    assert result.success
    assert mine(pg_instance, []) == []  # a second command on the same database (its pool row exists) starts cleanly
    # DAGSTER_EVENT_BATCH_SIZE (minedag.settings.DAGSTER_ENV): each asset's materializations of the run in one write
    materializations = pg_instance.get_records_for_run(result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    batched = [e for batch in batches for e in batch if e.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION]
    assert len(batched) == len(materializations) >= 10 * len(urls)  # page_capture, the profiles, a campaign
    record = pg_instance.get_run_record_by_id(result.run_id)
    assert record is not None and record.dagster_run.status == dg.DagsterRunStatus.SUCCESS
    assert sorted(pg_instance.get_dynamic_partitions("urls")) == sorted(urls)
    materialized = pg_instance.get_materialized_partitions(dg.AssetKey(["profiles", "seo_optimizer"]))
    assert materialized == set(urls)

    from minedag.definitions import defs
    from minedag.defs.automation import url_file_sensor

    (tmp_path / "data" / "urls").mkdir(parents=True, exist_ok=True)
    (tmp_path / "data" / "urls" / "more.txt").write_text("http://docs.test/\nhttp://shop.test/\n")
    tick = url_file_sensor(dg.build_sensor_context(instance=pg_instance, repository_def=defs.get_repository_def()))
    assert tick.dynamic_partitions_requests[0].partition_keys == ["http://docs.test/"]


def test_an_asset_backfill_runs_through_the_daemon_on_postgres(pg_instance, tmp_path):
    urls = ["http://shop.test/products/aurora-lamp", "http://blog.test/posts/design-tokens", "http://app.test/pricing"]
    register_urls(pg_instance, urls)
    home = pg_instance.root_directory
    env = {**os.environ, "DAGSTER_HOME": home, "MINEDAG_DATA": str(tmp_path / "data")}
    daemon = subprocess.Popen([str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        request_backfill(pg_instance, urls, "pgtest")
        deadline = time.time() + 300
        while (status := pg_instance.get_backfill("pgtest").status.value) == "REQUESTED":
            assert time.time() < deadline, "the backfill did not finish within 300 s"
            assert daemon.poll() is None, "dagster-daemon exited"
            time.sleep(3)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(60)
    assert status == "COMPLETED_SUCCESS"
    runs = pg_instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": "pgtest"}))
    assert len(runs) == 1 and runs[0].status == dg.DagsterRunStatus.SUCCESS  # three URLs: one batch, one run
    assert pg_instance.get_materialized_partitions(dg.AssetKey(["profiles", "ux_pattern_analyzer"])) == set(urls)


def test_auto_page_values_are_observations_on_postgres(pg_instance):
    # On PostgreSQL a value on the materialization costs ≈ 37 ms (Dagster's queries per call), an observation ≈ 11.
    from minedag.defs.profiles import page_values_target

    context = dg.build_asset_context(instance=pg_instance)
    pg_instance.add_dynamic_partitions("urls", ["http://shop.test/"])
    assert page_values_target(context, "auto") == "observation"
    assert page_values_target(context, "materialization") == "materialization"


def test_add_urls_on_postgres_rejects_bad_lines_and_registers_the_rest(pg_instance, tmp_path):
    # A NUL byte in a key once failed a whole 5,000-URL PostgreSQL chunk; an IPv6 literal raised a traceback.
    path = tmp_path / "urls.txt"
    path.write_bytes(b"http://shop.test/one\nhttp://[2001:db8::1]/\nhttp://sh\x00op.test/\nnot a url\nhttp://shop.test/two\n")
    env = {**os.environ, "DAGSTER_HOME": pg_instance.root_directory, "MINEDAG_DATA": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "minedag.cli", "add-urls", str(path), "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["added"] == 3 and [r["line"] for r in result["rejected"]] == [3, 4]
    assert "control character" in result["rejected"][0]["reason"]
    assert sorted(pg_instance.get_dynamic_partitions("urls")) == [
        "http://[2001:db8::1]/", "http://shop.test/one", "http://shop.test/two"]
