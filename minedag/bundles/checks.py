"""Quality checks on a bundle, run with great-expectations (imported lazily: it costs ~3 s and ~300 MB)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from minedag.functionalities import Functionality

MAX_FAILURE_RATE = 0.25


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    description: str
    details: dict[str, Any] = field(default_factory=dict)


def check_bundle(f: Functionality, frame: pd.DataFrame, members: pd.DataFrame, splits: dict[str, str]) -> list[CheckOutcome]:
    """Every check of a bundle: required attributes present, scores in range, unique URLs, failure rate, splits."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    source = context.data_sources.add_pandas("minedag")
    batch_def = source.add_dataframe_asset("bundle").add_batch_definition_whole_dataframe("all")
    all_def = source.add_dataframe_asset("candidates").add_batch_definition_whole_dataframe("all")
    cleaned = members.copy()
    for q in f.required:  # an empty string is as missing as a null
        cleaned[q] = cleaned[q].map(lambda v: None if isinstance(v, str) and not v.strip() else v)
    cleaned = cleaned.astype({q: "object" for q in f.required})
    members_batch = batch_def.get_batch(batch_parameters={"dataframe": cleaned})
    everything = frame.assign(ok_rate=frame["ok"].astype(float))
    all_batch = all_def.get_batch(batch_parameters={"dataframe": everything})
    ex = gx.expectations
    outcomes = []

    def run(name: str, description: str, batch: Any, expectations: list[Any]) -> None:
        results = [batch.validate(e) for e in expectations]
        failed = [r for r in results if not r.success]
        details = {r.expectation_config.kwargs.get("column", r.expectation_config.type): {
            "expectation": r.expectation_config.type,
            "observed": _observed(r.result)} for r in failed}
        outcomes.append(CheckOutcome(name, not failed, description, details))

    run("required_attributes_present", f"each required attribute is present on at least {f.min_coverage:.0%} of rows",
        members_batch, [ex.ExpectColumnValuesToNotBeNull(column=q, mostly=f.min_coverage) for q in f.required]
        + [ex.ExpectTableRowCountToBeBetween(min_value=1)])
    run("quality_scores_in_range", "quality scores are integers from 0 to 100", all_batch,
        [ex.ExpectColumnValuesToBeBetween(column="quality", min_value=0, max_value=100)])
    run("unique_urls", "no URL appears twice in the bundle", members_batch, [ex.ExpectColumnValuesToBeUnique(column="url")])
    run("capture_failure_rate", f"at most {MAX_FAILURE_RATE:.0%} of the URLs failed to capture", all_batch,
        [ex.ExpectColumnMeanToBeBetween(column="ok_rate", min_value=1 - MAX_FAILURE_RATE, max_value=1)])
    overlap = members.groupby("site")["split"].nunique() if "split" in members else pd.Series(dtype=int)
    outcomes.append(CheckOutcome("domain_disjoint_splits", bool((overlap <= 1).all()), "no site is in two splits",
                                 {"sites_in_several_splits": overlap[overlap > 1].index.tolist()}))
    return outcomes


def _observed(result: dict[str, Any]) -> Any:
    for key in ("unexpected_percent", "observed_value", "unexpected_count"):
        if key in result:
            return result[key]
    return None
