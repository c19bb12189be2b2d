import json
from pathlib import Path

import dagster as dg

from minedag.defs.partitions import MINING_BATCH, url_partitions
from minedag.mining import RANGE_END, RANGE_START, contiguous_ranges
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


@dg.schedule(cron_schedule="0 3 * * *", target=mining_selection, default_status=dg.DefaultScheduleStatus.RUNNING,
             description=f"Every night, re-mines pages whose last capture is older than {STALE_AFTER_HOURS} h, in batches.")
def stale_remine_schedule(context: dg.ScheduleEvaluationContext):
    from datetime import UTC, datetime, timedelta

    from minedag.settings import store_dir
    from minedag.store import Store

    now = context.scheduled_execution_time or datetime.now(UTC)
    cutoff = (now - timedelta(hours=STALE_AFTER_HOURS)).isoformat(timespec="seconds")
    order = context.instance.get_dynamic_partitions(url_partitions.name)
    store = Store(store_dir())
    stale = []
    for url in order:
        pointer = store.latest(url)
        if pointer is None or pointer.captured_at < cutoff:
            stale.append(url)
    if not stale:
        return dg.SkipReason(f"no capture is older than {STALE_AFTER_HOURS} h")
    position = {url: i for i, url in enumerate(order)}
    requests = []
    for start, end in contiguous_ranges(sorted(position[u] for u in stale), MINING_BATCH):
        requests.append(dg.RunRequest(run_key=f"stale:{now.isoformat()}:{order[start]}",
                                      tags={RANGE_START: order[start], RANGE_END: order[end]}))
    return requests
