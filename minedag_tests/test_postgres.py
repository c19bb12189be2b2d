"""The mining job and the URL sensor on a real PostgreSQL instance (deploy/postgres/dagster.yaml).

PostgreSQL runs on 127.0.0.1:5432 on the development and CI machines; when it is unreachable this test
fails with the reason (it is not skipped).
"""

import shutil
import uuid
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

from minedag.mining import mine

REPO = Path(__file__).resolve().parents[1]
ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@pytest.fixture()
def pg_instance(tmp_path, monkeypatch):
    name = f"minedag_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg2.connect(ADMIN)
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at 127.0.0.1:5432 ({exc}); start it with "
                    "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "postgres" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("MINEDAG_PG_URL", f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}")
    monkeypatch.setenv("MINEDAG_DATA", str(tmp_path / "data"))
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        yield instance
    finally:
        instance.dispose()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def test_mining_job_and_sensor_on_postgres(pg_instance, tmp_path):
    assert type(pg_instance.run_storage).__name__ == "PostgresRunStorage"
    urls = ["http://shop.test/", "http://blog.test/about", "http://lab.test/pdf"]
    (result,) = mine(pg_instance, urls)
    assert result.success
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
