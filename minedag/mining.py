"""Run mining through Dagster: register URLs as partitions and execute the ``mine`` job in process."""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import dagster as dg
import psutil

from minedag.defs.partitions import BROWSER_POOL, HOST_TAG, PID_STARTED_TAG, PID_TAG, url_partitions
from minedag.urls import canonical_url

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def range_tags(first: str, last: str) -> dict[str, str]:
    """The run tags that make one run cover the URL partitions from ``first`` to ``last`` (in partition order)."""
    return {RANGE_START: first, RANGE_END: last}
# Runs log to the instance (the UI shows everything); the console only gets warnings.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# A bundle held back by a blocking check is an expected outcome, said in one line by the caller: no stack trace.
SILENT = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def instance_from_env() -> dg.DagsterInstance:
    """The Dagster instance of ``$DAGSTER_HOME``, or of ``./dagster.yaml``'s folder (the repo root).

    Raises:
        RuntimeError: neither is there.
    """
    import os
    from pathlib import Path

    from minedag.settings import use_dagster_env

    use_dagster_env()
    if not os.environ.get("DAGSTER_HOME"):
        if not Path("dagster.yaml").is_file():
            raise RuntimeError("DAGSTER_HOME is not set and there is no dagster.yaml here; run from the repo root or set DAGSTER_HOME")
        os.environ["DAGSTER_HOME"] = str(Path.cwd())
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.get()


@dataclass
class Registration:
    added: list[str]
    already: int
    urls: list[str]  # every URL asked for, canonical


def register_urls(instance: dg.DagsterInstance, urls: Sequence[str], chunk: int = 5000,
                  on_chunk: Callable[[int, int], None] | None = None) -> Registration:
    """Add ``urls``, canonicalised, that are not partitions yet, in chunks (fast for 100k URLs).

    Raises:
        InvalidURL: a URL that cannot be mined (filter lists with ``urlfile.parse_lines`` to get rejects instead).

    ``on_chunk(added_so_far, to_add)`` is called after each chunk (progress bars).
    """
    urls = [canonical_url(u) for u in urls]  # the one parser: raw URLs never become keys
    existing = set(instance.get_dynamic_partitions(url_partitions.name))
    new = [u for u in dict.fromkeys(urls) if u not in existing]
    for i in range(0, len(new), chunk):
        instance.add_dynamic_partitions(url_partitions.name, new[i : i + chunk])
        if on_chunk:
            on_chunk(min(i + chunk, len(new)), len(new))
    return Registration(added=new, already=len(urls) - len(new), urls=urls)


def mine(instance: dg.DagsterInstance, urls: Sequence[str], defs: dg.Definitions | None = None, batch: int = 500,
         on_run: Callable[[dg.ExecuteInProcessResult, int], None] | None = None,
         run_config: dict | None = None) -> list[dg.ExecuteInProcessResult]:
    """Materialise ``page_capture`` and every profile for ``urls`` in as few runs as possible.

    Each run covers a contiguous range of the partition order, so URLs are grouped into ranges.
    ``on_run(result, runs_planned)`` is called as each run ends; ``run_config`` adds to the runs' config (e.g. ops).
    """
    if defs is None:
        from minedag.definitions import defs as loaded

        defs = loaded
    urls = register_urls(instance, urls).urls
    reap_dead_runs(instance)  # without the daemon, a killed run's browser slot would make this one wait for ever
    ensure_pool_limit(instance)
    order = instance.get_dynamic_partitions(url_partitions.name)
    wanted = set(urls)
    positions = sorted(i for i, key in enumerate(order) if key in wanted)
    results = []
    job = defs.resolve_job_def("mine")
    ranges = contiguous_ranges(positions, batch)
    for start, end in ranges:
        tags = {**range_tags(order[start], order[end]), **process_tags()}  # runs in this process
        results.append(job.execute_in_process(instance=instance, tags=tags, raise_on_error=False,
                                              run_config={**QUIET, **(run_config or {})}))
        if on_run:
            on_run(results[-1], len(ranges))
    return results


def ensure_pool_limit(instance: dg.DagsterInstance) -> None:
    """Create the ``browser`` pool's limit row before runs start: runs starting together on a fresh database would
    each insert it and all but one fail (a race in Dagster's SQL storage). Only when it is missing: on PostgreSQL a
    second insert aborts Dagster's transaction, and the update it then tries fails."""
    storage = instance.event_log_storage
    if BROWSER_POOL not in storage.get_concurrency_keys():
        storage.initialize_concurrency_limit_to_default(BROWSER_POOL)


def process_tags() -> dict[str, str]:
    """Run tags naming this process and its machine: if it dies, ``reap_dead_runs`` frees what its run held."""
    me = psutil.Process()
    return {PID_TAG: str(me.pid), PID_STARTED_TAG: f"{me.create_time():.2f}", HOST_TAG: socket.gethostname()}


def reap_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail the STARTED runs of this machine whose process is gone (``kill -9``) and free their pool slots.

    Dagster's run monitoring does this for launchers that report worker health (Kubernetes); the default
    launcher and in-process runs do not, so without this a killed mining run would hold its ``browser`` slot for
    ever. ``mine`` calls it before it queues; the daemon's ``dead_run_sensor`` every minute.
    """
    records = instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED],
                                                             tags={HOST_TAG: socket.gethostname()}))
    reaped = []
    for record in records:
        run = record.dagster_run
        if _process_gone(run.tags):
            instance.report_run_failed(run, f"minedag: the run's process {run.tags[PID_TAG]} is gone (killed?); "
                                            "run marked failed and its browser-pool slot freed")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            reaped.append(run.run_id)
    return reaped


def _process_gone(tags: Mapping[str, str]) -> bool:
    """Whether the process the tags name has exited (a pid now used by a later process counts as exited)."""
    pid = int(tags.get(PID_TAG, "0") or 0)
    if not pid:
        return False  # not known yet: never reap on a guess
    try:
        started = psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return True
    except psutil.AccessDenied:
        return False
    return PID_STARTED_TAG in tags and abs(started - float(tags[PID_STARTED_TAG])) > 1.0


def request_backfill(instance: dg.DagsterInstance, urls: Sequence[str], backfill_id: str) -> str:
    """Request an asset backfill of ``page_capture`` and the profiles over ``urls``, as the UI's "Materialize"
    over partitions does; the daemon runs it in batches (the BackfillPolicy). ``dagster job backfill`` would
    launch one run per partition instead. Uses Dagster's internal ``PartitionBackfill`` (no public API yet)."""
    import time

    from dagster._core.execution.backfill import PartitionBackfill

    from minedag.definitions import defs

    keys = [k for k in defs.resolve_all_asset_keys() if k.path[0] in ("page_capture", "profiles", "campaigns")]
    instance.add_backfill(PartitionBackfill.from_asset_partitions(
        backfill_id=backfill_id, asset_graph=defs.resolve_asset_graph(), partition_names=list(urls), asset_selection=keys,
        backfill_timestamp=time.time(), tags={}, dynamic_partitions_store=instance, all_partitions=False,
        title=backfill_id, description=None, run_config=None))
    return backfill_id


def distributed_job() -> dg.JobDefinition:
    """The ``mine_distributed`` job (Celery executor), as a reconstructable target for ``execute_job``."""
    from minedag.definitions import defs

    return defs.resolve_job_def("mine_distributed")


def mine_distributed(instance: dg.DagsterInstance, urls: Sequence[str], celery: dict, batch: int = 50) -> list[tuple[str, bool]]:
    """Mine ``urls`` as batches of ``batch`` URLs launched at once; their steps run on the Celery workers.

    ``celery`` is the executor config (``broker``, ``backend``); the workers must share ``instance`` and the
    store. Each batch's run is orchestrated by a process of its own (``execute_job`` is not thread-safe).
    Returns ``(run_id, success)`` per batch.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    urls = register_urls(instance, urls).urls
    order = instance.get_dynamic_partitions(url_partitions.name)
    wanted = set(urls)
    ranges = contiguous_ranges(sorted(i for i, key in enumerate(order) if key in wanted), batch)
    tags = [range_tags(order[start], order[end]) for start, end in ranges]
    ensure_pool_limit(instance)
    with ProcessPoolExecutor(max_workers=len(tags) or 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_run_distributed, [instance.get_ref()] * len(tags), [celery] * len(tags), tags))


def _run_distributed(ref, celery: dict, tags: dict[str, str]) -> tuple[str, bool]:
    with dg.DagsterInstance.from_ref(ref) as instance:
        with dg.execute_job(dg.reconstructable(distributed_job), instance, run_config={"execution": {"config": celery}},
                            tags=tags) as result:
            return result.run_id, result.success


def contiguous_ranges(positions: list[int], batch: int) -> list[tuple[int, int]]:
    """Contiguous runs of positions, each at most ``batch`` long."""
    out: list[tuple[int, int]] = []
    for pos in positions:
        if out and pos == out[-1][1] + 1 and pos - out[-1][0] < batch:
            out[-1] = (out[-1][0], pos)
        else:
            out.append((pos, pos))
    return out


def covering_ranges(positions: list[int], width: int) -> list[tuple[int, int]]:
    """Few ranges, each spanning at most ``width`` positions, that cover every position.

    Positions in between are covered too: for re-mines that is cheap (unchanged pages cost a 304), and it
    keeps scattered URLs in batches instead of one run each.
    """
    out: list[tuple[int, int]] = []
    for pos in sorted(positions):
        if out and pos - out[-1][0] < width:
            out[-1] = (out[-1][0], pos)
        else:
            out.append((pos, pos))
    return out


def failed_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    """One line per failed check of a run: the check, what it says, and the offending details from its metadata."""
    lines = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        details = "; ".join(f"{k}: {v.value}" for k, v in evaluation.metadata.items()
                            if k not in ("expectations",) and v.value not in ([], {}, None, ""))
        lines.append(f"{evaluation.check_name} failed" + (f" ({details})" if details else ""))
    return lines


def build_bundles(instance: dg.DagsterInstance, defs: dg.Definitions | None = None,
                  functionalities: Sequence[str] | None = None,
                  on_bundle: Callable[[str], None] | None = None) -> dict[str, dg.ExecuteInProcessResult]:
    """Run the ``aggregate`` job once, then the ``bundle`` job once per functionality (bundle, blocking checks,
    publish), then ``build_warehouse``. No bundle run starts when the aggregate failed."""
    if defs is None:
        from minedag.definitions import defs as loaded

        defs = loaded
    from minedag.functionalities import functionalities as registry

    aggregated = defs.resolve_job_def("aggregate").execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET)
    job = defs.resolve_job_def("bundle")
    names = list(functionalities or registry())
    results = {}
    if not aggregated.success:
        raise RuntimeError(f"the aggregate run {aggregated.run_id} failed; see it in the Dagster UI")
    for name in names:
        results[name] = job.execute_in_process(instance=instance, partition_key=name, raise_on_error=False, run_config=SILENT)
        if on_bundle:
            on_bundle(name)
    if "build_warehouse" in {job.name for job in defs.resolve_all_job_defs()}:
        defs.resolve_job_def("build_warehouse").execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET)
    return results
