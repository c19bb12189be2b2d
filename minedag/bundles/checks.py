"""Quality checks on a bundle, run with great-expectations (imported lazily: it costs ~3 s and ~300 MB)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from minedag.functionalities import Functionality
from minedag.profiles.record import is_present

# Every bundle check, by name (the blocking asset checks of ``training_bundle``), in the order they run.
CHECK_NAMES = ("required_attributes_present", "quality_scores_in_range", "unique_urls", "capture_failure_rate",
               "no_input_alone_predicts_a_target", "domain_disjoint_splits")
MAX_FAILURE_RATE = 0.25
MIN_ROWS_FOR_LEAKS = 20  # fewer rows prove nothing either way
# A determination counts as a leak only if shuffled targets are this rarely determined as well (a permutation test
# with a fixed seed: the same rows always give the same verdict, whatever the machine).
LEAK_SIGNIFICANCE = 0.01
LEAK_PERMUTATIONS = 400


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    description: str
    details: dict[str, Any] = field(default_factory=dict)


def check_bundle(f: Functionality, frame: pd.DataFrame, members: pd.DataFrame, splits: dict[str, str]) -> list[CheckOutcome]:
    """Every check of a bundle: required attributes present, scores in range, unique URLs, failure rate, no input
    that alone predicts a target, splits."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    source = context.data_sources.add_pandas("minedag")
    batch_def = source.add_dataframe_asset("bundle").add_batch_definition_whole_dataframe("all")
    all_def = source.add_dataframe_asset("candidates").add_batch_definition_whole_dataframe("all")
    cleaned = members.copy()
    for q in f.required:  # an empty string is as missing as a null
        cleaned[q] = cleaned[q].map(lambda v: v if is_present(v) else None)
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
    predictors = inputs_that_predict_a_target(members, [q for q in f.attributes if q not in f.trained_targets],
                                              list(f.trained_targets))
    outcomes.append(CheckOutcome("no_input_alone_predicts_a_target", not predictors,
                                 f"no input column alone determines a target on all rows, across sites ({MIN_ROWS_FOR_LEAKS} "
                                 f"rows or more) and beyond chance (permutation test, p < {LEAK_SIGNIFICANCE}): a leak the "
                                 "declared derivations missed", {"predictors": predictors}))
    overlap = members.groupby("site")["split"].nunique() if "split" in members else pd.Series(dtype=int)
    outcomes.append(CheckOutcome("domain_disjoint_splits", bool((overlap <= 1).all()), "no site is in two splits",
                                 {"sites_in_several_splits": overlap[overlap > 1].index.tolist()}))
    assert tuple(o.name for o in outcomes) == CHECK_NAMES, "CHECK_NAMES lists every check, in order"
    return outcomes


def _observed(result: dict[str, Any]) -> Any:
    for key in ("unexpected_percent", "observed_value", "unexpected_count"):
        if key in result:
            return result[key]
    return None


def inputs_that_predict_a_target(members: pd.DataFrame, inputs: list[str], targets: list[str]) -> list[str]:
    """``"input -> target"`` for each input that alone determines a target on every row where both are present,
    beyond chance.

    It counts as evidence only when it holds across sites (at least two input values each seen on two sites or
    more: pages of one site share a template, and splits by domain already keep that from scoring) and when it is
    significant: with the target shuffled over the rows, the input determines it in fewer than
    ``LEAK_SIGNIFICANCE`` of ``LEAK_PERMUTATIONS`` shuffles. A near-unique input (a pixel count, a word count)
    "determines" a target that is the same on most rows by chance; a template that maps to a page type does not.
    """
    found = []
    keys = {c: members[c].map(_key) for c in inputs + targets if c in members}
    for target in targets:
        for column in inputs:
            pair = pd.DataFrame({"x": keys[column], "y": keys[target], "site": members["site"]}).dropna()
            if len(pair) < MIN_ROWS_FOR_LEAKS or pair["y"].nunique() < 2:
                continue
            groups = pair.groupby("x")
            shared = int((groups["site"].nunique() >= 2).sum())
            if shared >= 2 and groups["y"].nunique().max() == 1 and _chance_of_determination(pair, f"{column}|{target}") < LEAK_SIGNIFICANCE:
                found.append(f"{column} -> {target}")
    return found


def _chance_of_determination(pair: pd.DataFrame, seed: str) -> float:
    """The share of target shuffles that ``x`` still determines (every group of two rows or more pure)."""
    import hashlib

    import numpy as np

    x = pd.factorize(pair["x"])[0]
    y = pd.factorize(pair["y"])[0]
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    sizes = np.diff(np.r_[starts, len(xs)])
    if not (sizes >= 2).any():
        return 1.0
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "little"))
    pure = 0
    for _ in range(LEAK_PERMUTATIONS):
        shuffled = rng.permutation(y)[order]
        same = np.maximum.reduceat(shuffled, starts) == np.minimum.reduceat(shuffled, starts)
        pure += bool(same[sizes >= 2].all())
    return pure / LEAK_PERMUTATIONS


def _key(value: Any) -> str | None:
    """A hashable, comparable form of a cell (lists and arrays as JSON); ``None`` when missing."""
    import json
    import math

    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "tolist"):
        value = value.tolist()
    return json.dumps(value, sort_keys=True, default=str)
