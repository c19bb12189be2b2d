import dagster as dg

from minedag.capture.model import PageCapture
from minedag.defs.capture import page_capture
from minedag.defs.partitions import mining_backfill_policy, url_partitions
from minedag.defs.resources import StoreResource
from minedag.profiles import MiningProfile, all_profiles, extract_record
from minedag.profiles.spec import BASE_COLUMNS


def column_schema(profile: MiningProfile) -> dg.TableSchema:
    """The profile's record columns as the asset's column schema in the UI."""
    base = [dg.TableColumn(name, str(dtype), description=desc) for name, dtype, desc in BASE_COLUMNS]
    return dg.TableSchema(columns=base + [
        dg.TableColumn(a.name, a.type_name, description=a.description,
                       constraints=dg.TableColumnConstraints(nullable=not a.required))
        for a in profile.attributes
    ])


def build_profile_asset(profile: MiningProfile) -> dg.AssetsDefinition:
    """``profiles/<name>``: the profile's records for a batch of URLs, extracted from stored captures."""

    @dg.asset(
        key=["profiles", profile.name],
        deps=[page_capture],
        partitions_def=url_partitions,
        backfill_policy=mining_backfill_policy,
        group_name="profiles",
        kinds={"python", "parquet"},
        code_version=profile.version,
        description=profile.description,
        metadata={"dagster/column_schema": column_schema(profile), "profile": profile.name},
        automation_condition=dg.AutomationCondition.eager(),
    )
    def _profile_asset(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
        target = store.get()
        rows = []
        for url in context.partition_keys:
            pointer = target.latest(url)
            if pointer is None:
                rows.append(_missing(profile, url))
                continue
            row = extract_record(profile, target.load_capture_id(pointer.capture_id), pointer.capture_id)
            rows.append(row)
            context.add_asset_metadata({"ok": row["ok"], "quality": row["quality"], "capture_id": pointer.capture_id},
                                       partition_key=url)
        target.write_records(profile.name, rows, profile.schema)
        ok = [r for r in rows if r["ok"]]
        return dg.MaterializeResult(metadata={
            "batch_records": len(rows),
            "batch_ok": len(ok),
            "batch_mean_quality": round(sum(r["quality"] for r in ok) / len(ok), 1) if ok else 0.0,
        })

    return _profile_asset


def _missing(profile: MiningProfile, url: str) -> dict[str, object]:
    return extract_record(profile, PageCapture(url=url).fail("missing", "page_capture has not been materialized for this URL"))


profile_assets = [build_profile_asset(p) for p in all_profiles().values()]
