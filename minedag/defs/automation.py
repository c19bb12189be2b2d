import json
from pathlib import Path

import dagster as dg

from minedag.defs.partitions import MINING_BATCH, url_partitions
from minedag.mining import RANGE_END, RANGE_START
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
