from collections.abc import Iterator, Sequence

import dagster as dg

from minedag.capture.model import PageCapture
from minedag.defs.capture import page_capture
from minedag.defs.partitions import mining_backfill_policy, url_partitions
from minedag.defs.resources import StoreResource
from minedag.profiles import MiningProfile, all_profiles, extract_record
from minedag.profiles.page import PageView
from minedag.profiles.spec import BASE_COLUMNS


def column_schema(profile: MiningProfile) -> dg.TableSchema:
    """The profile's record columns as the asset's column schema in the UI."""
    base = [dg.TableColumn(name, str(dtype), description=desc) for name, dtype, desc in BASE_COLUMNS]
    return dg.TableSchema(columns=base + [
        dg.TableColumn(a.name, a.type_name, description=a.description,
                       constraints=dg.TableColumnConstraints(nullable=not a.required))
        for a in profile.attributes
    ])


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
        automation_condition=dg.AutomationCondition.eager(),
        skippable=True,
    )


def build_profile_assets(profiles: Sequence[MiningProfile]) -> dg.AssetsDefinition:
    """One asset per profile, computed in one step: each capture is loaded and parsed once for all of them.

    ``can_subset`` lets any profile materialise alone (after its version changes only it is stale).
    """
    by_key = {dg.AssetKey(["profiles", p.name]): p for p in profiles}

    @dg.multi_asset(
        name="mining_profiles",
        specs=[profile_spec(p) for p in profiles],
        partitions_def=url_partitions,
        backfill_policy=mining_backfill_policy,
        can_subset=True,
    )
    def _profiles(context: dg.AssetExecutionContext, store: StoreResource) -> Iterator[dg.MaterializeResult]:
        target = store.get()
        selected = [by_key[k] for k in sorted(context.selected_asset_keys, key=str)]
        rows: dict[str, list[dict]] = {p.name: [] for p in selected}
        for url in context.partition_keys:
            pointer = target.latest(url)
            if pointer is None:
                capture, capture_id = PageCapture(url=url).fail("missing", "page_capture has not been materialized for this URL"), None
            else:
                capture, capture_id = target.load_capture_id(pointer.capture_id), pointer.capture_id
            view = PageView(capture)
            for profile in selected:
                row = extract_record(profile, capture, capture_id, view=view)
                rows[profile.name].append(row)
                context.add_asset_metadata({"ok": row["ok"], "quality": row["quality"], "capture_id": capture_id or ""},
                                           asset_key=dg.AssetKey(["profiles", profile.name]), partition_key=url)
        for profile in selected:
            batch = rows[profile.name]
            target.write_records(profile.name, batch, profile.schema)
            ok = [r for r in batch if r["ok"]]
            yield dg.MaterializeResult(asset_key=["profiles", profile.name], metadata={
                "batch_records": len(batch),
                "batch_ok": len(ok),
                "batch_mean_quality": round(sum(r["quality"] for r in ok) / len(ok), 1) if ok else 0.0,
            })

    return _profiles


mining_profiles = build_profile_assets(list(all_profiles().values()))
