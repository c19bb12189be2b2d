"""Where minedag keeps its data: ``$MINEDAG_DATA`` or ``./data`` (the repo's ``data/`` when run from its root)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The data root; read at call time, never at import time."""
    return Path(os.environ.get("MINEDAG_DATA", "data")).resolve()


def store_dir() -> Path:
    return data_dir() / "store"


def bundles_dir() -> Path:
    return data_dir() / "bundles"


def network_file() -> Path:
    """The deployment's remembered allow-list and host rules (``minedag ... --allow-hosts/--host-rules``)."""
    return data_dir() / "network.json"


def saved_network() -> tuple[tuple[str, ...], str]:
    """``(allow_hosts, host_rules)`` remembered in ``network.json``; every mining run adds them to its own."""
    import json

    try:
        data = json.loads(network_file().read_text())
    except (FileNotFoundError, ValueError):
        return (), ""
    return tuple(data.get("allow_hosts", ())), str(data.get("host_rules", ""))


def saved_capture_timeout() -> float | None:
    """The capture backstop remembered in ``network.json`` by ``--capture-timeout`` (``None``: the resource's own)."""
    import json

    try:
        value = json.loads(network_file().read_text()).get("capture_timeout_s")
    except (FileNotFoundError, ValueError, AttributeError):
        return None
    return float(value) if isinstance(value, int | float) and 0 < value <= MAX_CAPTURE_TIMEOUT_S else None


MAX_CAPTURE_TIMEOUT_S = 3600.0


def remember_capture_timeout(seconds: float) -> None:
    """Keep ``seconds`` as the deployment's capture backstop: later runs (sensors, retries, UI backfills) use it."""
    import json

    from minedag.store import atomic_write

    try:
        data = json.loads(network_file().read_text())
    except (FileNotFoundError, ValueError):
        data = {}
    atomic_write(network_file(), json.dumps({**data, "capture_timeout_s": seconds}, indent=2).encode())


def join_rules(*rules: str) -> str:
    """Host-rule lists joined, each rule once, first ones first (the first matching MAP wins)."""
    parts = (r.strip() for text in rules for r in (text or "").split(","))
    return ", ".join(dict.fromkeys(p for p in parts if p))


def remember_network(allow_hosts: tuple[str, ...], host_rules: str) -> tuple[tuple[str, ...], str]:
    """Add to ``network.json`` (atomically) so later runs (sensors, retries, UI backfills) reach the same hosts."""
    import json

    from minedag.store import atomic_write

    allow, rules = saved_network()
    merged = (tuple(dict.fromkeys([*allow, *allow_hosts])), join_rules(rules, host_rules))
    if merged != (allow, rules):
        try:
            kept = json.loads(network_file().read_text())
        except (FileNotFoundError, ValueError):
            kept = {}
        atomic_write(network_file(), json.dumps({**kept, "allow_hosts": list(merged[0]), "host_rules": merged[1]},
                                                indent=2).encode())
    return merged


def crawls_dir() -> Path:
    """Crawl files (``<name>.yaml``) and each crawl's frontier (``<name>/frontier.sqlite``)."""
    return data_dir() / "crawls"


def campaigns_dir() -> Path:
    """Campaign files, ``<name>.yaml``: ``$MINEDAG_CAMPAIGNS`` or ``./campaigns`` (the repo's, run from its root)."""
    return Path(os.environ.get("MINEDAG_CAMPAIGNS", "campaigns")).resolve()


# Instance settings minedag ships, for every process that creates runs (the CLI, `make dev`, the daemon):
# Dagster writes one "materialization planned" event per asset per run, carrying the run's partition subset,
# instead of one per URL partition (10 per URL on the event log: most of Dagster's cost per page). The trade-off,
# per Dagster: a run that fails as a whole no longer marks its planned partitions failed; they stay missing (or
# keep their last materialization) and are mined again. A page that failed is still failed in the UI: its
# partition's `captured` check fails with the reason. Set the variable to `false` to go back.
# And a step's materializations (one per URL partition of each asset) go to the event log as batches of up to
# 1,000: one write on PostgreSQL (dagster-postgres implements batches; there a mine of 159 URLs took 120 s instead of
# 216 s, and its re-mine after 11% changed 28 s instead of 63 s, 23% of
# a full mine), one by one as before on SQLite, which has no batch write. They are sent when the step yields them,
# so a crash loses none that would otherwise have been written.
DAGSTER_ENV = {"DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true", "DAGSTER_EVENT_BATCH_SIZE": "1000"}


def use_dagster_env() -> None:
    """Set ``DAGSTER_ENV`` in this process (and its children), unless already set."""
    for name, value in DAGSTER_ENV.items():
        os.environ.setdefault(name, value)
