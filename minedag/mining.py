"""Run mining through Dagster: register URLs as partitions and execute the ``mine`` job in process."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import dagster as dg

from minedag.defs.partitions import url_partitions

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
# Runs log to the instance (the UI shows everything); the console only gets warnings.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class Registration:
    added: list[str]
    already: int


def register_urls(instance: dg.DagsterInstance, urls: Sequence[str], chunk: int = 5000) -> Registration:
    """Add the canonical ``urls`` that are not partitions yet, in chunks (fast for 100k URLs)."""
    existing = set(instance.get_dynamic_partitions(url_partitions.name))
    new = [u for u in dict.fromkeys(urls) if u not in existing]
    for i in range(0, len(new), chunk):
        instance.add_dynamic_partitions(url_partitions.name, new[i : i + chunk])
    return Registration(added=new, already=len(urls) - len(new))


def mine(instance: dg.DagsterInstance, urls: Sequence[str], defs: dg.Definitions | None = None, batch: int = 500) -> list[dg.ExecuteInProcessResult]:
    """Materialise ``page_capture`` and every profile for ``urls`` in as few runs as possible.

    Each run covers a contiguous range of the partition order, so URLs are grouped into ranges.
    """
    if defs is None:
        from minedag.definitions import defs as loaded

        defs = loaded
    register_urls(instance, urls)
    order = instance.get_dynamic_partitions(url_partitions.name)
    wanted = set(urls)
    positions = sorted(i for i, key in enumerate(order) if key in wanted)
    results = []
    job = defs.resolve_job_def("mine")
    for start, end in contiguous_ranges(positions, batch):
        tags = {RANGE_START: order[start], RANGE_END: order[end]}
        results.append(job.execute_in_process(instance=instance, tags=tags, raise_on_error=False, run_config=QUIET))
    return results


def contiguous_ranges(positions: list[int], batch: int) -> list[tuple[int, int]]:
    """Contiguous runs of positions, each at most ``batch`` long."""
    out: list[tuple[int, int]] = []
    for pos in positions:
        if out and pos == out[-1][1] + 1 and pos - out[-1][0] < batch:
            out[-1] = (out[-1][0], pos)
        else:
            out.append((pos, pos))
    return out


def build_bundles(instance: dg.DagsterInstance, defs: dg.Definitions | None = None,
                  functionalities: Sequence[str] | None = None) -> dict[str, dg.ExecuteInProcessResult]:
    """Run the ``bundle`` job once per functionality (aggregates, bundle, blocking checks, publish)."""
    if defs is None:
        from minedag.definitions import defs as loaded

        defs = loaded
    from minedag.functionalities import FUNCTIONALITIES

    job = defs.resolve_job_def("bundle")
    names = list(functionalities or [f.name for f in FUNCTIONALITIES])
    return {name: job.execute_in_process(instance=instance, partition_key=name, raise_on_error=False, run_config=QUIET)
            for name in names}
