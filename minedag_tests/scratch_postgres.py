"""A throw-away Dagster instance on the local PostgreSQL, configured by ``deploy/postgres/dagster.yaml``:
for the storage tests and the benchmarks (production uses that file with its own ``MINEDAG_PG_URL``)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from minedag.errors import MinedagError

DEPLOY_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "postgres" / "dagster.yaml"
ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


class PostgresUnreachable(MinedagError, RuntimeError):
    pass


@contextmanager
def scratch_postgres_instance(home: Path, admin_dsn: str = ADMIN_DSN) -> Iterator[dg.DagsterInstance]:
    """Create a database, open a Dagster instance on it (``home`` gets the dagster.yaml), drop it afterwards."""
    import psycopg2

    try:
        admin = psycopg2.connect(admin_dsn)
    except psycopg2.OperationalError as exc:
        raise PostgresUnreachable(f"PostgreSQL is not reachable ({admin_dsn}): {exc}; start it with "
                                  "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`") from None
    name = f"minedag_{uuid.uuid4().hex[:10]}"
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEPLOY_CONFIG, home / "dagster.yaml")
    previous = os.environ.get("MINEDAG_PG_URL")
    os.environ["MINEDAG_PG_URL"] = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        yield instance
    finally:
        instance.dispose()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
        if previous is None:
            os.environ.pop("MINEDAG_PG_URL", None)
        else:
            os.environ["MINEDAG_PG_URL"] = previous


@contextmanager
def scratch_instance(home: Path, postgres: bool) -> Iterator[dg.DagsterInstance]:
    """A throw-away instance in ``home``: embedded SQLite, or ``scratch_postgres_instance`` with ``postgres``."""
    if postgres:
        with scratch_postgres_instance(home / "pg") as instance:
            yield instance
    else:
        with dg.instance_for_test(temp_dir=str(home)) as instance:
            yield instance
