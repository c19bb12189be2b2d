import os
from collections.abc import Iterator, Sequence
from typing import Literal, get_args

import dagster as dg
from pydantic import Field

from minedag.attribute_stats import batch_coverage
from minedag.capture.model import PageCapture
from minedag.defs.capture import page_capture
from minedag.defs.metadata import bar, image, md_table, page_values
from minedag.defs.page_checks import PageOutcome, log_page_checks, page_check_spec
from minedag.defs.partitions import mining_backfill_policy, url_partitions
from minedag.defs.resources import StoreResource
from minedag.errors import SettingError
from minedag.plots import quality_histogram
from minedag.profiles import MiningProfile, all_profiles, extract_record
from minedag.profiles.page import PageView
from minedag.profiles.spec import BASE_COLUMNS
from minedag.store import CorruptFile, Store


def column_schema(profile: MiningProfile) -> dg.TableSchema:
    """The profile's record columns as the asset's column schema in the UI."""
    base = [dg.TableColumn(name, str(dtype), description=desc) for name, dtype, desc in BASE_COLUMNS]
    return dg.TableSchema(columns=base + [
        dg.TableColumn(a.name, a.type_name, description=a.description,
                       constraints=dg.TableColumnConstraints(nullable=not a.required))
        for a in profile.attributes
    ])


# Eager alone never requests what was missing on its first evaluation (it counts that evaluation as handled), so a
# profile added to a running deployment would stay Missing: on its first evaluation it fills every partition whose
# capture is stored, then follows its captures eagerly.
AC = dg.AutomationCondition
profile_automation = (AC.eager() | (AC.initial_evaluation() & AC.missing() & ~AC.any_deps_missing()
                                    & ~AC.any_deps_in_progress() & ~AC.in_progress()).with_label("fill when new")
                      ).with_label("eager, and fill when new")


def profile_spec(profile: MiningProfile) -> dg.AssetSpec:
    """``profiles/<name>``: its own asset, code version and column schema, partitioned like ``page_capture``."""
    return dg.AssetSpec(
        key=["profiles", profile.name],
        deps=[page_capture],
        partitions_def=url_partitions,
        group_name="profiles",
        kinds={"python", "parquet"},
        code_version=profile.version,
        description=profile.description,
        metadata={"dagster/column_schema": column_schema(profile), "profile": profile.name,
                  "required_attributes": ", ".join(profile.required)},
        automation_condition=profile_automation,
        skippable=True,
    )


# Where each page's own values go (its status, quality and required values), so a profile's partition page shows
# them. On the materialization itself (`add_asset_metadata(partition_key=...)`) they cost no event, but Dagster
# 1.13 queries the instance on each such call and loads every URL partition: on SQLite ≈ 7 ms a call at 1k URLs,
# 0.2 s at 100k; on PostgreSQL ≈ 37 ms at 1k. An observation on the partition costs ≈ 7 ms on SQLite at any size
# and ≈ 11 ms on PostgreSQL, and is listed under the partition's historical events (benchmarks/bench_page_values.py).
PageValues = Literal["auto", "materialization", "observation", "off"]
MATERIALIZATION_UP_TO = 2_000  # URL partitions up to which "auto" writes them on the materialization on local storage
# Dagster's event logs in the process's own files or memory (its SQLite ones, the ephemeral instance's), by class
# name: Dagster has no public way to ask what kind of storage an instance has.
LOCAL_EVENT_LOGS = ("SqliteEventLogStorage", "InMemoryEventLogStorage")


def deployment_page_values() -> PageValues:
    """The deployment's default (``$MINEDAG_PAGE_VALUES``, else ``auto``): what the daemon's backfills and sensors use."""
    value = os.environ.get("MINEDAG_PAGE_VALUES", "auto")
    if value not in get_args(PageValues):
        raise SettingError(f"MINEDAG_PAGE_VALUES={value!r}: use one of {', '.join(get_args(PageValues))}")
    return value  # type: ignore[return-value]


class ProfilesConfig(dg.Config):
    """How much a profiles run tells the UI about each page it extracted (unchanged pages are skipped either way)."""

    page_values: PageValues = Field(
        default=deployment_page_values(), description="Each page's status, quality and required values on its "
        f"partition: on the materialization, as an observation, or off; auto = materialization on local storage (SQLite, "
        f"in-memory) up to {MATERIALIZATION_UP_TO:,} URL partitions, observation above and on a database server (PostgreSQL). "
        f"Default: $MINEDAG_PAGE_VALUES or auto.")


def page_values_target(context: dg.AssetExecutionContext, choice: PageValues) -> PageValues:
    """The concrete place for this run's page values (``auto`` resolved from the event log's kind and by counting
    at most the threshold's keys)."""
    if choice != "auto":
        return choice
    if not type(context.instance.event_log_storage).__name__.endswith(LOCAL_EVENT_LOGS):
        return "observation"  # a database server: each of Dagster's queries per value is a round trip
    first = context.instance.get_paginated_dynamic_partitions(
        partitions_def_name=url_partitions.name, limit=MATERIALIZATION_UP_TO + 1, ascending=True)
    return "observation" if first.has_more or len(first.results) > MATERIALIZATION_UP_TO else "materialization"


RECORD_CHECK = "record"


def record_check(key: dg.AssetKey) -> dg.AssetCheckSpec:
    """A page whose record failed (its capture failed, or extraction did) fails this check on its own partition, so a
    profile partition is never a silent green for a page it has no data of."""
    return page_check_spec(RECORD_CHECK, key, "The page has a good record of this profile: a failed capture or "
                           "extraction fails this check on the page's partition, with the reason (only failed pages "
                           "are evaluated per partition; the run's result counts them).")


def build_profile_assets(profiles: Sequence[MiningProfile]) -> dg.AssetsDefinition:
    """One asset per profile, computed in one step: each capture is loaded and parsed once for all of them.

    ``can_subset`` lets any profile materialise alone (after its version changes only it is stale).
    """
    by_key = {dg.AssetKey(["profiles", p.name]): p for p in profiles}

    @dg.multi_asset(
        name="mining_profiles",
        specs=[profile_spec(p) for p in profiles],
        check_specs=[record_check(key) for key in by_key],
        partitions_def=url_partitions,
        backfill_policy=mining_backfill_policy,
        can_subset=True,
    )
    def _profiles(context: dg.AssetExecutionContext, config: ProfilesConfig, store: StoreResource) -> Iterator[dg.MaterializeResult]:
        target = store.get()
        selected = [by_key[k] for k in sorted(context.selected_asset_keys, key=str)]
        urls = list(context.partition_keys)
        rows: dict[str, list[dict]] = {p.name: [] for p in selected}
        extracted = {p.name: _extracted(target, p.name, urls) for p in selected}
        skipped = 0
        for url in urls:
            pointer = target.latest(url)
            todo = [p for p in selected if pointer is None or extracted[p.name].get(url) != (pointer.capture_id, p.version)]
            if not todo:  # same capture, same profile versions: the stored records stand (an unchanged page)
                skipped += 1
                continue
            capture, capture_id = _load(target, url, pointer.capture_id if pointer else None)
            view = PageView(capture)
            for profile in todo:
                row = extract_record(profile, capture, capture_id, view=view)
                rows[profile.name].append(row)
        where = page_values_target(context, config.page_values) if any(rows.values()) else "off"
        if skipped:
            context.log.info(f"{skipped} of {len(urls)} pages unchanged since their records were extracted: skipped")
        for profile in selected:
            batch = rows[profile.name]
            target.write_records(profile.name, batch, profile.schema)
            key = dg.AssetKey(["profiles", profile.name])
            if batch:  # charts go on one observation per batch: result metadata is copied onto every URL's event
                context.log_event(dg.AssetObservation(asset_key=key, metadata=batch_charts(profile, batch)))
            for row in batch:
                if where == "materialization":
                    context.add_asset_metadata(page_values(row, profile.required), asset_key=key, partition_key=row["url"])
                elif where == "observation":
                    context.log_event(dg.AssetObservation(asset_key=key, partition=row["url"],
                                                          metadata=page_values(row, profile.required)))
            ok = [r for r in batch if r["ok"]]
            yield dg.MaterializeResult(asset_key=key, metadata={
                "batch_records": len(batch), "batch_ok": len(ok), "batch_skipped_unchanged": len(urls) - len(batch),
                "batch_mean_quality": round(sum(r["quality"] for r in ok) / len(ok), 1) if ok else 0.0})
            if dg.AssetCheckKey(key, RECORD_CHECK) in context.selected_asset_check_keys:
                failed = [r for r in batch if not r["ok"]]
                # Only failed records are evaluated per page (an event each): a good page costs nothing more.
                log_page_checks(context, key, RECORD_CHECK, [PageOutcome(r["url"], False, description=r["error"] or
                                                                         "; ".join(r["quality_reasons"]) or "no record")
                                                             for r in failed])
                yield dg.AssetCheckResult(asset_key=key, check_name=RECORD_CHECK, passed=not failed,
                                          description=f"{len(failed)} of {len(batch)} records extracted in this run failed")

    return _profiles


def _load(store: Store, url: str, capture_id: str | None) -> tuple[PageCapture, str | None]:
    """The capture to extract from; a failed one (a failed record, not a failed batch) when there is none to read."""
    if capture_id is None:
        return PageCapture(url=url).fail("missing", "page_capture has not been materialized for this URL"), None
    try:
        return store.load_capture_id(capture_id), capture_id
    except CorruptFile as exc:  # quarantined: the next page_capture run captures the page again
        return PageCapture(url=url).fail("corrupt", str(exc)), None


def _extracted(store: Store, profile: str, urls: list[str]) -> dict[str, tuple[str, str]]:
    """URL -> (capture id, profile version) of its stored record: what would be extracted again."""
    table = store.read_records(profile, urls, columns=["capture_id", "profile_version"])
    if table.num_rows == 0:
        return {}
    return {u: (c, v) for u, c, v in zip(*(table.column(n).to_pylist() for n in ("url", "capture_id", "profile_version")), strict=True)}


def batch_charts(profile: MiningProfile, batch: list[dict]) -> dict[str, object]:
    """What the UI shows for one batch of a profile: coverage of each attribute and the quality histogram."""
    coverage = batch_coverage(batch, [a.name for a in profile.attributes])
    return {
        "batch_records": len(batch),
        "coverage": md_table(["attribute", "required", "coverage"],
                             [[f"`{a.name}`", "yes" if a.required else "", f"`{bar(coverage[a.name])}` {coverage[a.name]:.0%}"]
                              for a in profile.attributes]),
        "quality_histogram": image(quality_histogram([r["quality"] for r in batch], f"{profile.name}: quality of this batch"),
                                   "quality histogram"),
    }


mining_profiles = build_profile_assets(list(all_profiles().values()))
