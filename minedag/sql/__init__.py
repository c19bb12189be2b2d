"""SQL over everything minedag keeps (DuckDB, embedded): views defined once in ``views/*.sql`` over a store,
its bundles and aggregates, wherever they are (a local path or a shared mount).

``connect()`` gives a connection with the live views; ``build_warehouse()`` copies them into one
``warehouse.duckdb`` file (tables) for BI tools, notebooks and the read-only HTTP endpoint.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from minedag.errors import MinedagError

VIEWS = Path(__file__).parent / "views"
ORDER = ("captures.sql", "bundles.sql", "aggregates.sql", "summaries.sql")


@dataclass(frozen=True)
class Roots:
    store: Path
    bundles: Path
    aggregates: Path

    @classmethod
    def from_settings(cls) -> Roots:
        from minedag.settings import bundles_dir, data_dir, store_dir

        return cls(store_dir(), bundles_dir(), data_dir() / "aggregates")


@dataclass
class Catalog:
    """What ``create_views`` made: the views, and the ones left out with the reason (e.g. no bundle yet)."""

    views: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)


def connect(roots: Roots | None = None) -> tuple[duckdb.DuckDBPyConnection, Catalog]:
    """An in-memory DuckDB connection with every view whose data exists."""
    con = duckdb.connect(":memory:")
    return con, create_views(con, roots or Roots.from_settings())


def create_views(con: duckdb.DuckDBPyConnection, roots: Roots) -> Catalog:
    from minedag.campaigns import load_all
    from minedag.profiles import all_profiles
    from minedag.settings import campaigns_dir

    catalog = Catalog()
    con.execute("CREATE OR REPLACE TABLE bundle_latest (functionality VARCHAR, version VARCHAR)")
    for link in sorted(roots.bundles.glob("*/latest")) if roots.bundles.is_dir() else []:
        con.execute("INSERT INTO bundle_latest VALUES (?, ?)", [link.parent.name, os.readlink(link)])
    template = (VIEWS / "records.sql").read_text()
    sources = [(f"records_{name}", name, "profile_version", p.version) for name, p in all_profiles().items()]
    sources += [(f"campaign_{c.name}", f"campaign_{c.name}", "campaign_version", c.version) for c in load_all(campaigns_dir())]
    for view, folder, column, version in sources:
        _create(con, catalog, _fill(template, view=view, folder=folder, version_column=column, version=version,
                                    store=_quoted(roots.store)))
    records = [v for v in catalog.views if v.startswith("records_")]
    if records:
        union = " UNION ALL ".join(f"SELECT '{v.removeprefix('records_')}' AS profile, url, ok, quality FROM {v}" for v in records)
        _create(con, catalog, f"""CREATE OR REPLACE VIEW quality_by_site AS
            SELECT lower(regexp_extract(url, '^https?://\\[?([^/\\]]+?)\\]?(:\\d+)?(/|$)', 1)) AS site, profile,
                   count(*) AS pages, round(avg(quality), 2) AS average_quality, count(*) FILTER (WHERE NOT ok) AS failed
            FROM ({union}) GROUP BY ALL ORDER BY site, profile""")
    for name in ORDER:
        text = _fill((VIEWS / name).read_text(), store=_quoted(roots.store), bundles=_quoted(roots.bundles),
                     aggregates=_quoted(roots.aggregates))
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
        for statement in filter(str.strip, re.split(r";\s*\n", code)):
            _create(con, catalog, statement)
    return catalog


def _create(con: duckdb.DuckDBPyConnection, catalog: Catalog, statement: str) -> None:
    name = re.search(r"VIEW\s+(\w+)", statement).group(1)  # type: ignore[union-attr]
    try:
        con.execute(statement)
        catalog.views.append(name)
    except duckdb.Error as exc:  # its files do not exist yet (no bundle built, no aggregate), or a view it reads is missing
        catalog.missing[name] = str(exc).splitlines()[0][:200]


def _fill(sql: str, **values: str) -> str:
    """``{name}`` placeholders replaced (DuckDB's own braces, struct literals, stay as they are)."""
    for name, value in values.items():
        sql = sql.replace("{" + name + "}", value)
    return sql


def _quoted(path: Path) -> str:
    """A path inside a single-quoted SQL literal."""
    return str(path).replace("'", "''")


def build_warehouse(target: Path, roots: Roots | None = None) -> Catalog:
    """Write every view as a table into ``target`` (atomically: a new file renamed into place)."""
    con, catalog = connect(roots)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    os.unlink(tmp)  # DuckDB creates the file itself
    try:
        con.execute(f"ATTACH '{_quoted(Path(tmp))}' AS warehouse")
        for view in ["bundle_latest", *catalog.views]:
            con.execute(f"CREATE TABLE warehouse.{view} AS SELECT * FROM {view}")
        con.execute("DETACH warehouse")
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
        con.close()
    return catalog


class QueryError(MinedagError, ValueError):
    """A query that failed, was refused or ran out of time; the message says which and why."""


def known_views() -> set[str]:
    """Every view minedag defines, whether or not its data exists yet."""
    from minedag.profiles import all_profiles

    names = {f"records_{name}" for name in all_profiles()} | {"quality_by_site", "bundle_latest"}
    for name in ORDER:
        names |= set(re.findall(r"VIEW\s+(\w+)", (VIEWS / name).read_text()))
    return names


def _missing_table(message: str, catalog: Catalog | None) -> str | None:
    """A friendly account of a query that named a table that does not exist: not made yet, or not ours at all."""
    found = re.search(r"Table with name (\w+) does not exist", message)
    if found is None:
        return None
    name = found.group(1)
    if catalog is not None and name in catalog.missing or name in known_views() or name.startswith("campaign_"):
        why = catalog.missing.get(name, "") if catalog is not None else ""
        why = f" ({why})" if why and "No files found" not in why else ""  # a missing file is what "no data" says
        return (f"no data for {name} yet{why}: mine pages first (`minedag demo` or `minedag add-urls FILE`); bundle and "
                "aggregate views appear once a bundle is built")
    return f"there is no table or view {name}; `minedag sql --list` lists them"


def run_query(con: duckdb.DuckDBPyConnection, sql: str, limit: int | None = None, timeout_s: float | None = None,
              catalog: Catalog | None = None) -> tuple[list[str], list[tuple[Any, ...]], bool]:
    """``(columns, rows, truncated)`` of ``sql``; at most ``limit`` rows, interrupted after ``timeout_s``. A table
    that is not there is explained (``catalog``: why views were left out), not answered with DuckDB's guess."""
    if limit is not None and limit < 0:
        raise QueryError(f"a limit of {limit} rows: give 0 or more")
    timer = threading.Timer(timeout_s, con.interrupt) if timeout_s else None
    if timer:
        timer.start()
    try:
        result = con.execute(sql)
        columns = [d[0] for d in result.description or []]
        rows = result.fetchmany(limit + 1) if limit is not None else result.fetchall()
    except duckdb.InterruptException:
        raise QueryError(f"the query ran longer than {timeout_s:g} s and was stopped") from None
    except duckdb.CatalogException as exc:
        raise QueryError(_missing_table(str(exc), catalog) or str(exc)) from None
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from None
    finally:
        if timer:
            timer.cancel()
    truncated = limit is not None and len(rows) > limit
    return columns, rows[:limit] if limit is not None else rows, truncated


UNTRUSTED = {"enable_external_access": "false", "memory_limit": "512MB", "max_temp_directory_size": "0GB",
             "threads": "2", "lock_configuration": "true"}


def read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A connection for untrusted SELECTs on the warehouse file: read-only, no file or network access, at most 512 MB
    of memory and no spilling, settings locked. Every caller gets its own connection (one per request); those of
    one process share the database with the same locked settings."""
    return duckdb.connect(str(warehouse), read_only=True, config=UNTRUSTED)
