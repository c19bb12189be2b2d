import json
from pathlib import Path

import dagster as dg

from minedag.defs.partitions import MINING_BATCH, url_partitions
from minedag.mining import RANGE_END, RANGE_START, covering_ranges
from minedag.settings import data_dir
from minedag.urlfile import parse_lines

# Lines read per tick: a 100,000-line file is taken in a few ticks, never timing one out.
LINES_PER_TICK = 20_000
mining_selection = dg.AssetSelection.groups("capture", "profiles")


@dg.sensor(
    asset_selection=mining_selection,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches data/urls/*.txt; adds new URLs as partitions and requests their mining in batches.",
)
def url_file_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    folder = data_dir() / "urls"
    cursor: dict[str, int] = json.loads(context.cursor) if context.cursor else {}
    new_cursor = dict(cursor)
    known = set(context.instance.get_dynamic_partitions(url_partitions.name))
    fresh: list[str] = []
    notes: list[str] = []
    budget = LINES_PER_TICK
    for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
        done = cursor.get(path.name, 0)
        if budget <= 0:
            break
        lines = _lines(path, done, budget)
        if not lines:
            continue
        parsed = parse_lines(lines, start=done + 1)
        new = [u for u in parsed.urls if u not in known]
        known.update(new)
        fresh.extend(new)
        new_cursor[path.name] = done + len(lines)
        budget -= len(lines)
        notes.append(f"{path.name}: +{len(new)} new, {parsed.duplicates + len(parsed.urls) - len(new)} duplicates, "
                     f"{len(parsed.rejected)} rejected" + "".join(f"\n  line {n}: {r}" for n, _t, r in parsed.rejected[:20]))
    if not fresh:
        return dg.SkipReason("no new URLs in data/urls/*.txt" + ("; " + "; ".join(notes) if notes else ""))
    for note in notes:
        context.log.info(note)
    runs = [
        dg.RunRequest(
            run_key=f"urls:{fresh[i]}:{len(fresh)}:{i}",
            asset_selection=list(mining_selection.resolve(context.repository_def.asset_graph)) if context.repository_def else None,
            tags={RANGE_START: fresh[i], RANGE_END: fresh[min(i + MINING_BATCH, len(fresh)) - 1]},
        )
        for i in range(0, len(fresh), MINING_BATCH)
    ]
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[url_partitions.build_add_request(fresh)],
        cursor=json.dumps(new_cursor),
    )


def _lines(path: Path, skip: int, limit: int) -> list[str]:
    out: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle):
            if number < skip:
                continue
            if len(out) >= limit:
                break
            out.append(line)
    return out


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


def batched_requests(order: list[str], urls: set[str], key: str) -> list[dg.RunRequest]:
    """Runs that mine ``urls`` in batches of partition ranges (pages in between are re-checked, cheaply)."""
    position = {url: i for i, url in enumerate(order)}
    return [dg.RunRequest(run_key=f"{key}:{order[start]}", tags={RANGE_START: order[start], RANGE_END: order[end]})
            for start, end in covering_ranges([position[u] for u in urls if u in position], MINING_BATCH)]


@dg.schedule(cron_schedule="0 3 * * *", target=mining_selection, default_status=dg.DefaultScheduleStatus.RUNNING,
             description=f"Every night, re-mines pages whose last check is older than {STALE_AFTER_HOURS} h, in batches.")
def stale_remine_schedule(context: dg.ScheduleEvaluationContext):
    from datetime import UTC, datetime, timedelta

    from minedag.settings import store_dir
    from minedag.store import Store

    now = context.scheduled_execution_time or datetime.now(UTC)
    cutoff = (now - timedelta(hours=STALE_AFTER_HOURS)).isoformat(timespec="seconds")
    order = context.instance.get_dynamic_partitions(url_partitions.name)
    store = Store(store_dir())
    stale = set()
    for url in order:
        pointer = store.latest(url)
        if pointer is None or pointer.fresh_as_of < cutoff:
            stale.add(url)
    if not stale:
        return dg.SkipReason(f"no capture is older than {STALE_AFTER_HOURS} h")
    return batched_requests(order, stale, f"stale:{now.isoformat()}")


# Failures worth another try; the others (not HTML, robots, refused, too large...) would fail the same way.
TRANSIENT = frozenset({"timeout", "crash", "browser", "connection", "dns", "error", "circuit_open"})
MAX_RETRIES = 3
RETRY_BASE_MINUTES = 10  # retry k is due RETRY_BASE_MINUTES * 2**(k-1) after the failure


@dg.sensor(target=mining_selection, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING,
           description=f"Re-mines pages whose last capture failed for a transient reason, with exponential back-off "
                       f"({RETRY_BASE_MINUTES} min, doubling), at most {MAX_RETRIES} times; then leaves them failed.")
def retry_failed_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    from datetime import UTC, datetime, timedelta

    from minedag.settings import store_dir
    from minedag.store import Store

    now = datetime.now(UTC)
    tried: dict[str, list] = json.loads(context.cursor) if context.cursor else {}  # url -> [retries, failed capture id]
    order = context.instance.get_dynamic_partitions(url_partitions.name)
    store = Store(store_dir())
    due, waiting, gave_up, cursor = set(), 0, [], {}
    for url in order:
        pointer = store.latest(url)
        transient = pointer is not None and ((not pointer.ok and pointer.error_kind in TRANSIENT) or (pointer.status or 0) >= 500 or pointer.status == 429)
        if not transient:
            continue  # succeeded (or failed for good): forget it
        retries, seen = tried.get(url, [0, None])
        cursor[url] = [retries, pointer.capture_id]
        if retries >= MAX_RETRIES:
            gave_up.append(f"{url}: {pointer.error or f'HTTP {pointer.status}'}")
        elif seen != pointer.capture_id and datetime.fromisoformat(pointer.captured_at) + timedelta(
                minutes=RETRY_BASE_MINUTES * 2**retries) <= now:  # a new failure whose back-off has passed
            due.add(url)
            cursor[url] = [retries + 1, pointer.capture_id]
        else:
            waiting += 1  # backing off, or its retry is queued
    if gave_up:
        context.log.warning(f"{len(gave_up)} pages left failed after {MAX_RETRIES} retries:\n  " + "\n  ".join(gave_up[:50]))
    summary = f"{len(due)} due for a retry, {waiting} backing off, {len(gave_up)} given up"
    if not due:
        return dg.SkipReason(summary)
    context.log.info(summary)
    return dg.SensorResult(run_requests=batched_requests(order, due, f"retry:{now.isoformat()}"), cursor=json.dumps(cursor))
