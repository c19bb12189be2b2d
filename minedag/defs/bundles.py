from pathlib import Path

import dagster as dg

from minedag.bundles import build_bundle, publish
from minedag.bundles.checks import CHECK_NAMES
from minedag.bundles.publish import latest_version
from minedag.defs.aggregation import PROFILE_KEYS, attribute_catalog, coverage_by_attribute, hourly
from minedag.defs.metadata import image, md_table
from minedag.defs.resources import StoreResource
from minedag.functionalities import functionalities, get_functionality
from minedag.settings import bundles_dir

# The eight built-in functionalities, then those campaign files declare (read when the definitions load).
FUNCTIONALITY_REGISTRY = functionalities()
functionality_partitions = dg.StaticPartitionsDefinition(list(FUNCTIONALITY_REGISTRY))
CAMPAIGN_KEYS = [dg.AssetKey(["campaigns", p.name.removeprefix("campaign_")])
                 for f in FUNCTIONALITY_REGISTRY.values() for p in f.campaign_profiles]


def _description() -> str:
    lines = ["One versioned training bundle per functionality (the partition): domain-disjoint train/validation/test "
             "Parquet, JSONL, chat JSONL, manifest and dataset card under data/bundles/<functionality>/<version>/.", ""]
    for f in FUNCTIONALITY_REGISTRY.values():
        lines.append(f"- **{f.name}**: {f.description} Profiles: {', '.join(f.model_types)}. "
                     f"Required: {', '.join(q.split('.', 1)[1] for q in f.required)}.")
    return "\n".join(lines)


@dg.asset(
    partitions_def=functionality_partitions,
    deps=[*(dg.AssetDep(key, partition_mapping=dg.AllPartitionMapping()) for key in [*PROFILE_KEYS, *CAMPAIGN_KEYS]),
          attribute_catalog],
    group_name="bundles",
    kinds={"parquet", "json"},
    description=_description(),
    check_specs=[dg.AssetCheckSpec(name, asset="training_bundle", blocking=True) for name in CHECK_NAMES],
    automation_condition=hourly,
)
def training_bundle(context: dg.AssetExecutionContext, store: StoreResource):
    f = get_functionality(context.partition_key)
    result = build_bundle(f, store.get(), bundles_dir())
    m = result.manifest
    everywhere = coverage_by_attribute("attribute_catalog")  # what the bundle kept vs. what was mined
    yield dg.MaterializeResult(
        data_version=dg.DataVersion(result.version),
        metadata={
            "version": result.version, "new_version": result.created, "members": m["counts"]["members"],
            "excluded": m["counts"]["excluded"], "average_quality": m["counts"]["average_quality"],
            "splits": dg.MetadataValue.json(m["counts"]["splits"]),
            "coverage": md_table(["attribute", "role", "required", "coverage", "on all mined pages"],
                                 [[f"`{a['name']}`", a["role"], "yes" if a["required"] else "", f"{a['coverage']:.0%}",
                                   f"{everywhere[a['name']]:.0%}" if a["name"] in everywhere else "-"]
                                  for a in m["attributes"]]),
            "recommendations": dg.MetadataValue.json(m["recommendations"]),
            **_plots(result.path / "plots"),
            "path": dg.MetadataValue.path(str(result.path)),
        },
    )
    for check in m["checks"]:
        yield dg.AssetCheckResult(check_name=check["name"], passed=check["passed"],
                                  metadata={"description": check["description"], "details": dg.MetadataValue.json(check["details"])})


@dg.asset(
    partitions_def=functionality_partitions,
    deps=[training_bundle],
    group_name="bundles",
    kinds={"json"},
    automation_condition=dg.AutomationCondition.eager(),
)
def published_bundle(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Moves data/bundles/<functionality>/latest to the bundle version that just passed its blocking checks
    (this step only runs when every check of ``training_bundle`` passed)."""
    from minedag.bundles.publish import list_versions

    name = context.partition_key
    version = _checked_version(context, name)
    previous = latest_version(bundles_dir(), name)
    link = publish(bundles_dir(), name, version)
    return dg.MaterializeResult(data_version=dg.DataVersion(version), metadata={
        "version": version, "previous": previous or "", "latest": dg.MetadataValue.path(str(link)),
        "versions": len(list_versions(bundles_dir(), name))})


def _plots(folder: Path) -> dict[str, dg.MetadataValue]:
    """The bundle's PNG charts shown inline in the materialization (files written by the build)."""
    return {f"plot_{png.stem}": image(png.read_bytes(), png.stem)
            for png in sorted(folder.glob("*.png"))}


def _checked_version(context: dg.AssetExecutionContext, name: str) -> str:
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("training_bundle"), asset_partitions=[name]), limit=1).records
    if not records:
        raise dg.Failure(f"training_bundle[{name}] has no materialization to publish; materialize it first")
    return records[0].asset_materialization.metadata["version"].value
