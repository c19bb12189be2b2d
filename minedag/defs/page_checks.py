"""Per-page asset checks on URL-partitioned assets: a page's outcome shown on its own partition in the UI."""

import warnings
from dataclasses import dataclass, field

import dagster as dg

# Dagster has no public way to say which materialization a check evaluation logged for one partition of a
# multi-partition step looks at; without it the UI treats the evaluation as stale. The one private import here.
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData as CheckTarget,
)

from minedag.defs.partitions import url_partitions


def page_check_spec(name: str, asset: dg.AssetKey | str, description: str) -> dg.AssetCheckSpec:
    """A check evaluated per URL partition. Partitioned checks are a Dagster preview (1.13), chosen knowingly, so its
    warning is not repeated at every load."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(name, asset=asset, partitions_def=url_partitions, description=description)


@dataclass(frozen=True)
class PageOutcome:
    url: str
    passed: bool
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
    description: str | None = None
    metadata: dict[str, object] = field(default_factory=dict)


def log_page_checks(context: dg.AssetExecutionContext, key: dg.AssetKey, check: str, outcomes: list[PageOutcome]) -> None:
    """Log ``check`` for each page, against the materialization this run just wrote for its partition."""
    if not outcomes:
        return
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[o.url for o in outcomes]), limit=len(outcomes)).records
    latest = {r.partition_key: r for r in reversed(records)}
    for outcome in outcomes:
        record = latest.get(outcome.url)
        context.log_event(dg.AssetCheckEvaluation(
            asset_key=key, check_name=check, passed=outcome.passed, partition=outcome.url, severity=outcome.severity,
            description=outcome.description, metadata=outcome.metadata,
            target_materialization_data=CheckTarget(storage_id=record.storage_id, run_id=record.run_id,
                                                    timestamp=record.timestamp) if record else None))
