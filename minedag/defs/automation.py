import json

import dagster as dg

from minedag.defs.partitions import MINING_BATCH, url_partitions
from minedag.defs.resources import StoreResource
from minedag.mining import covering_ranges, range_tags, reap_dead_runs
from minedag.settings import data_dir
from minedag.urlfile import FilePosition, parse_lines, read_new_lines
from minedag.urls import site_of

# Lines read per tick: a 100,000-line file is taken in a few ticks, never timing one out.
LINES_PER_TICK = 20_000
mining_selection = dg.AssetSelection.groups("capture", "profiles", "campaigns")


@dg.sensor(
    asset_selection=mining_selection,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches data/urls/*.txt; adds new URLs as partitions and requests their mining in batches.",
)
def url_file_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    folder = data_dir() / "urls"
    cursor: dict[str, object] = json.loads(context.cursor) if context.cursor else {}
    new_cursor = dict(cursor)
    known = set(context.instance.get_dynamic_partitions(url_partitions.name))
    fresh: list[str] = []
    notes: list[str] = []
    budget = LINES_PER_TICK
    for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
        if budget <= 0:
            break
        read = read_new_lines(path, FilePosition.from_json(cursor.get(path.name)), budget)
        new_cursor[path.name] = read.position.to_json()
        lines = read.lines
        if not lines:
            continue
        parsed = parse_lines(lines, start=read.first)
        parsed.rejected.extend((n, "", reason) for n, reason in read.skipped)
        new = [u for u in parsed.urls if u not in known]
        known.update(new)
        fresh.extend(new)
        budget -= len(lines)
        notes.append(f"{path.name}: +{len(new)} new, {parsed.duplicates + len(parsed.urls) - len(new)} duplicates, "
                     f"{len(parsed.rejected)} rejected" + "".join(f"\n  line {n}: {r}" for n, _t, r in parsed.rejected[:20]))
    if not fresh:
        return dg.SensorResult(skip_reason="no new URLs in data/urls/*.txt" + ("; " + "; ".join(notes) if notes else ""),
                               cursor=json.dumps(new_cursor))
    for note in notes:
        context.log.info(note)
    runs = [
        dg.RunRequest(
            run_key=f"urls:{fresh[i]}:{len(fresh)}:{i}",
            asset_selection=list(mining_selection.resolve(context.repository_def.asset_graph)) if context.repository_def else None,
            tags=range_tags(fresh[i], fresh[min(i + MINING_BATCH, len(fresh)) - 1]),
        )
        for i in range(0, len(fresh), MINING_BATCH)
    ]
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[url_partitions.build_add_request(fresh)],
        cursor=json.dumps(new_cursor),
    )


# Declarative automation (profiles eager after their capture, aggregates and bundles hourly) needs a running
# automation sensor; Dagster's default one starts STOPPED.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "minedag_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Evaluates every asset's AutomationCondition: profiles follow captures, bundles follow on the hour.",
)

# Captures older than this are mined again by the re-mining schedule.
STALE_AFTER_HOURS = 24 * 7


def batched_requests(order: list[str], urls: set[str], key: str,
                     asset_selection: list[dg.AssetKey] | None = None) -> list[dg.RunRequest]:
    """Runs that mine ``urls`` in batches of partition ranges (pages in between are re-checked, cheaply)."""
    position = {url: i for i, url in enumerate(order)}
    return [dg.RunRequest(run_key=f"{key}:{order[start]}", tags=range_tags(order[start], order[end]),
                          asset_selection=asset_selection)
            for start, end in covering_ranges([position[u] for u in urls if u in position], MINING_BATCH)]


@dg.schedule(cron_schedule="0 3 * * *", target=mining_selection, default_status=dg.DefaultScheduleStatus.RUNNING,
             description=f"Every night, re-mines pages whose last check is older than {STALE_AFTER_HOURS} h, in batches.")
def stale_remine_schedule(context: dg.ScheduleEvaluationContext, store: StoreResource):
    from datetime import UTC, datetime, timedelta

    now = context.scheduled_execution_time or datetime.now(UTC)
    cutoff = (now - timedelta(hours=STALE_AFTER_HOURS)).isoformat(timespec="seconds")
    order = context.instance.get_dynamic_partitions(url_partitions.name)
    target = store.get()
    stale = set()
    for url in order:
        pointer = target.latest(url)
        if pointer is None or pointer.fresh_as_of < cutoff:
            stale.add(url)
    if not stale:
        return dg.SkipReason(f"no capture is older than {STALE_AFTER_HOURS} h")
    return batched_requests(order, stale, f"stale:{now.isoformat()}")


# Failures worth another try; the others (not HTML, robots, refused, too large...) would fail the same way.
TRANSIENT = frozenset({"timeout", "crash", "browser", "connection", "dns", "error", "circuit_open"})
MAX_RETRIES = 3
RETRY_BASE_MINUTES = 10  # retry k is due RETRY_BASE_MINUTES * 2**(k-1) after the failure


def exact_requests(order: list[str], urls: set[str], key: str) -> list[dg.RunRequest]:
    """Runs that mine exactly ``urls``: ranges of adjacent partitions that are all in ``urls`` and of one host, at most
    ``MINING_BATCH`` long. No page outside ``urls`` is fetched again, and one host's failures never share a run (and
    its circuit) with another host's pages."""
    ranges: list[list[int]] = []
    for pos in sorted(i for i, url in enumerate(order) if url in urls):
        last = ranges[-1] if ranges else None
        if last and pos == last[1] + 1 and pos - last[0] < MINING_BATCH and site_of(order[pos]) == site_of(order[last[0]]):
            last[1] = pos
        else:
            ranges.append([pos, pos])
    return [dg.RunRequest(run_key=f"{key}:{order[start]}", tags=range_tags(order[start], order[end])) for start, end in ranges]


def is_transient(failure: dict) -> bool:
    """A failure worth another try: a transient kind, a 5xx or a 429."""
    status = failure.get("status") or 0
    return failure.get("error_kind") in TRANSIENT or status >= 500 or status == 429


@dg.sensor(target=mining_selection, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING,
           description=f"Re-mines exactly the pages whose last fetch failed for a transient reason (a failed re-capture "
                       f"of a good page included: its good record stays until a better one lands), per host, with "
                       f"exponential back-off ({RETRY_BASE_MINUTES} min, doubling), at most {MAX_RETRIES} times.")
def retry_failed_sensor(context: dg.SensorEvaluationContext, store: StoreResource) -> dg.SensorResult | dg.SkipReason:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    tried: dict[str, list] = json.loads(context.cursor) if context.cursor else {}  # url -> [retries, failed capture id]
    order = context.instance.get_dynamic_partitions(url_partitions.name)
    target = store.get()
    due, waiting, gave_up, cursor = set(), 0, [], {}
    for url in order:
        pointer = target.latest(url)
        failure = pointer.failure if pointer is not None else None
        if failure is None or not is_transient(failure):
            continue  # succeeded (or failed for good): forget it
        retries, seen = tried.get(url, [0, None])
        cursor[url] = [retries, failure["capture_id"]]
        if retries >= MAX_RETRIES:
            gave_up.append(f"{url}: {failure['error'] or 'HTTP ' + str(failure['status'])}")
        elif seen != failure["capture_id"] and datetime.fromisoformat(failure["at"]) + timedelta(
                minutes=RETRY_BASE_MINUTES * 2**retries) <= now:  # a new failure whose back-off has passed
            due.add(url)
            cursor[url] = [retries + 1, failure["capture_id"]]
        else:
            waiting += 1  # backing off, or its retry is queued
    if gave_up:
        context.log.warning(f"{len(gave_up)} pages left failed after {MAX_RETRIES} retries:\n  " + "\n  ".join(gave_up[:50]))
    summary = f"{len(due)} due for a retry, {waiting} backing off, {len(gave_up)} given up"
    if not due:
        return dg.SkipReason(summary)
    context.log.info(summary)
    return dg.SensorResult(run_requests=exact_requests(order, due, f"retry:{now.isoformat()}"), cursor=json.dumps(cursor))


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Fails mining runs whose process was killed and gives their browser-pool slots back.")
def dead_run_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    reaped = reap_dead_runs(context.instance)
    return dg.SkipReason(f"reaped {len(reaped)} dead runs: {', '.join(reaped)}" if reaped else "no dead runs")
