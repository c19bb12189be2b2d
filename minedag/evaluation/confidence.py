"""How sure a heuristic label is, and when a bundle abstains: measured on labelled pages by site-grouped
cross-validation.

Each heuristic label has a *basis*: the rule that produced it (``page_type_basis``), or for a list of classes each
class's state (``cookie-banner:fired``, ``modal:silent``), or whether anything was found. A basis's confidence is
how often it was right on labelled pages (Laplace-smoothed: ``(right + 1) / (seen + 2)``); a label's confidence is
its weakest basis. The threshold is the lowest confidence whose labels reach ``PRECISION_GOAL`` on those pages.

Confidences and threshold are chosen on the sites of some folds and scored on the sites of the other: the
cross-validated precision and coverage are what a bundle can expect on sites nobody tuned to, as far as the
labelled pages tell (the rules themselves were written with these pages in view; held-out pages say the rest).
``confidence.json`` holds the table chosen on all labelled pages: the one bundles apply.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CONFIDENCE = Path(__file__).with_name("confidence.json")
PRECISION_GOAL = 0.95  # bundles keep a heuristic label only where labels this sure were right this often
TRAINABLE_PRECISION = 0.9  # below this cross-validated precision a heuristic is an input, never a target
FOLDS = 5


@dataclass(frozen=True)
class Judge:
    """How to read a target's basis: from a record attribute naming the rule, from its labelled classes, or from
    whether anything was found."""

    basis_attribute: str | None = None
    classes: tuple[str, ...] = ()

    def bases(self, value: Any, basis: str | None = None) -> tuple[str, ...]:
        if self.basis_attribute:
            return (basis or "unknown",)
        if self.classes:
            found = set(value or [])
            return tuple(f"{c}:{'fired' if c in found else 'silent'}" for c in self.classes)
        return ("found" if value else "none",)


# The heuristic targets measured on ``../shared/labels``, with the classes those labels cover.
JUDGES: dict[str, Judge] = {
    "ux_pattern_analyzer.page_type": Judge(basis_attribute="page_type_basis"),
    "ux_pattern_analyzer.overlays": Judge(classes=("cookie-banner", "modal")),
    "ux_pattern_analyzer.dark_patterns": Judge(classes=("countdown-timer", "pre-checked-box")),
    "workflow_predictor.primary_cta": Judge(),
    "workflow_predictor.form_purposes": Judge(classes=("login", "search")),
}


@dataclass(frozen=True)
class Judged:
    """One label compared with a person's: the page's site, and whether each basis of it was right."""

    site: str
    parts: tuple[tuple[str, bool], ...]

    @property
    def right(self) -> bool:
        return all(ok for _, ok in self.parts)


@dataclass(frozen=True)
class Policy:
    """Confidence per basis and the threshold a label's confidence must reach to be kept."""

    confidence: dict[str, float]
    threshold: float

    def score(self, bases: tuple[str, ...]) -> float:
        return min((self.confidence.get(b, 0.5) for b in bases), default=0.5)  # an unseen rule: a coin toss

    def keeps(self, bases: tuple[str, ...]) -> bool:
        return self.score(bases) >= self.threshold


def fit(judged: list[Judged], goal: float = PRECISION_GOAL) -> Policy:
    """Confidences from ``judged``, and the lowest threshold at which the kept labels reach ``goal`` precision
    (above every confidence, so nothing is kept, when none does)."""
    tally: dict[str, list[int]] = {}
    for item in judged:
        for basis, ok in item.parts:
            pair = tally.setdefault(basis, [0, 0])
            pair[0] += ok
            pair[1] += 1
    confidence = {b: round((right + 1) / (seen + 2), 4) for b, (right, seen) in sorted(tally.items())}
    policy = Policy(confidence, 1.01)
    scored = sorted(((policy.score(tuple(b for b, _ in j.parts)), j.right) for j in judged), reverse=True)
    right = kept = 0
    for i, (score, ok) in enumerate(scored):
        right, kept = right + ok, kept + 1
        last_of_tie = i + 1 == len(scored) or scored[i + 1][0] < score
        if last_of_tie and right / kept >= goal:
            policy = Policy(confidence, score)
    return policy


def measure(policy: Policy, judged: list[Judged]) -> dict[str, float | int]:
    """Precision of the labels ``policy`` keeps, the share it keeps (coverage), and how many it saw."""
    kept = [j for j in judged if policy.keeps(tuple(b for b, _ in j.parts))]
    return {"precision": round(sum(j.right for j in kept) / len(kept), 4) if kept else 1.0,
            "coverage": round(len(kept) / len(judged), 4) if judged else 0.0, "pages": len(judged)}


def folds_by_site(sites: list[str], k: int = FOLDS) -> dict[str, int]:
    """Each site's fold: sites in a fixed hash order dealt round-robin, so a site's pages are never split."""
    ordered = sorted(set(sites), key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    return {site: i % k for i, site in enumerate(ordered)}


def cross_validate(judged: list[Judged], k: int = FOLDS) -> dict[str, float | int]:
    """Site-grouped k-fold: the policy fitted on the other folds' sites, scored on each fold's; pooled."""
    fold = folds_by_site([j.site for j in judged], k)
    kept = right = 0
    for i in range(k):
        test = [j for j in judged if fold[j.site] == i]
        if not test:
            continue
        policy = fit([j for j in judged if fold[j.site] != i])
        chosen = [j for j in test if policy.keeps(tuple(b for b, _ in j.parts))]
        kept, right = kept + len(chosen), right + sum(j.right for j in chosen)
    return {"precision": round(right / kept, 4) if kept else 1.0, "coverage": round(kept / len(judged), 4) if judged else 0.0,
            "pages": len(judged), "folds": k}


def report(judged: dict[str, list[Judged]]) -> dict[str, dict[str, Any]]:
    """Per target: raw accuracy, tuned-on and cross-validated precision/coverage at the threshold, and the policy."""
    out = {}
    for target, items in judged.items():
        policy = fit(items)
        cv = cross_validate(items)
        out[target] = {"accuracy": round(sum(j.right for j in items) / len(items), 4) if items else 0.0,
                       "tuned": measure(policy, items), "cross_validated": cv,
                       "threshold": policy.threshold, "confidence": policy.confidence,
                       "trainable": cv["precision"] >= TRAINABLE_PRECISION and cv["coverage"] > 0}
    return out


def scores_of(table: dict[str, dict[str, Any]]) -> dict[str, float]:
    """The flat scores ``minedag eval`` gates: ``cv_<target>_precision`` and ``cv_<target>_coverage``."""
    out = {}
    for target, row in table.items():
        key = target.split(".", 1)[1]
        out[f"cv_{key}_precision"] = row["cross_validated"]["precision"]
        out[f"cv_{key}_coverage"] = row["cross_validated"]["coverage"]
    return out


@cache
def pinned() -> dict[str, dict[str, Any]]:
    """The table bundles apply (written by ``minedag eval --corpus ... --pin``); empty before any was pinned."""
    return json.loads(CONFIDENCE.read_text()) if CONFIDENCE.exists() else {}


def pin(table: dict[str, dict[str, Any]]) -> None:
    CONFIDENCE.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n")
    pinned.cache_clear()


def policy_for(target: str) -> Policy | None:
    row = pinned().get(target)
    return Policy(row["confidence"], row["threshold"]) if row else None
