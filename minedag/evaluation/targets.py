"""How each training target is produced and what backs it: the label audit the dataset cards print.

*authoritative*: a tool whose own fixtures we pass (axe-core, Lighthouse's audits, Chromium's metrics);
*measured*: scored against labelled real pages (``../shared/labels``); *campaign*: a user's campaign attribute
(its own selectors and validation); *unmeasured*: a heuristic with no score on real pages yet. Scores are the floors pinned in ``floors.json``: what ``minedag eval`` guarantees.
"""

from __future__ import annotations

from typing import Any

from minedag.evaluation.confidence import TRAINABLE_PRECISION
from minedag.evaluation.confidence import pinned as pinned_confidence
from minedag.evaluation.gate import floors

# target -> (kind, how it is produced, floors.json metrics that score it)
EVIDENCE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "seo_optimizer.seo_audits": ("authoritative", "Lighthouse's SEO audits re-implemented; equal to Lighthouse on its fixtures",
                                 ("lighthouse_seo_scores",)),
    "seo_optimizer.seo_audit_items": ("authoritative", "the failing items of those audits, counted like Lighthouse",
                                      ("lighthouse_seo_item_counts",)),
    "accessibility_analyzer.violation_rules": ("authoritative", "axe-core run in the page: its default rules plus every rule "
                                               "mapped to a W3C ACT rule (experimental ones too); what needs review is "
                                               "in review_rules",
                                               ("axe_page_outcomes",)),
    "accessibility_analyzer.violations": ("authoritative", "axe-core results per rule and node", ("axe_rule_nodes",)),
    "accessibility_analyzer.review_rules": ("authoritative", "axe-core rules whose result needs review (incomplete), "
                                            "as its ACT conformance counts them", ("axe_rule_nodes", "axe_page_outcomes")),
    "performance_optimizer.simulated_fcp_ms": ("authoritative", "computed from the bytes Chromium transferred for the "
                                               "document and its render-blocking files, on a fixed network (150 ms RTT, "
                                               "1.6 Mbit/s): the same on any machine", ()),
    "performance_optimizer.simulated_load_ms": ("authoritative", "computed from the bytes Chromium transferred for the "
                                                "document and every resource it loads by itself, on the same fixed network", ()),
    "ux_pattern_analyzer.page_type": ("measured", "declared schema.org/og types, then where the main content is",
                                      ("labels_page_type_accuracy", "site_page_type_accuracy")),
    "ux_pattern_analyzer.dark_patterns": ("measured", "DOM heuristics (a ticking deadline, an opt-in that is pre-checked...)",
                                          ("labels_countdown_timer_recall", "labels_countdown_timer_specificity",
                                           "labels_pre_checked_box_recall", "labels_pre_checked_box_specificity",
                                           *(f"site_{c}_{m}" for c in ("countdown_timer", "pre_checked_box", "confirmshaming",
                                                                      "hidden_opt_out") for m in ("precision", "recall")))),
    "ux_pattern_analyzer.overlays": ("measured", "a consent UI in the DOM; a dialog-like box over the first viewport on load",
                                     ("labels_cookie_banner_recall", "labels_cookie_banner_specificity",
                                      "labels_modal_recall", "labels_modal_specificity",
                                      *(f"site_{c}_{m}" for c in ("cookie_banner", "modal") for m in ("precision", "recall")))),
    "workflow_predictor.primary_cta": ("measured", "the first conversion in or right after the main content (articles), "
                                       "else the most prominent conversion control",
                                       ("labels_primary_cta_accuracy", "labels_primary_cta_specificity")),
}


# Kinds of target a bundle trains on; an unmeasured one is an input until it is measured.
TRAINED_KINDS = ("authoritative", "measured", "campaign")
_CAMPAIGN = ("campaign", "the user's campaign: its selectors and schema.org sources, checked by its own validation "
             "(minedag does not measure it)", ())


def target_kind(target: str) -> str:
    return _evidence(target)[0]


def _evidence(target: str) -> tuple[str, str, tuple[str, ...]]:
    if target.startswith("campaign_"):
        return _CAMPAIGN
    kind, how, metrics = EVIDENCE.get(target, ("unmeasured", "a heuristic of its profile; no score on labelled real pages yet", ()))
    row = pinned_confidence().get(target)
    if row is None:
        return kind, how, metrics
    key = target.split(".", 1)[1]
    metrics = (*metrics, f"cv_{key}_precision", f"cv_{key}_coverage")
    if not row["trainable"]:  # right too rarely on sites it was not tuned on, even where it is surest
        return ("unmeasured", f"{how}; below {TRAINABLE_PRECISION} cross-validated precision, so an input only", metrics)
    return kind, f"{how}; labels kept only where their confidence reaches {row['threshold']:.2f} (else null)", metrics


def target_table(scores: dict[str, float]) -> list[dict[str, Any]]:
    """One row per functionality target: its kind and this run's scores of it (a missing score: not run)."""
    from minedag.functionalities import builtin_functionalities

    rows = []
    for f in builtin_functionalities():
        for target in f.targets:
            kind, _how, metrics = _evidence(target)
            rows.append({"target": target, "functionality": f.name, "kind": kind,
                         "scores": {m: scores.get(m) for m in metrics}})
    return rows


def target_evidence(target: str) -> dict[str, Any]:
    """``{"kind", "how", "scores"}`` of ``profile.attribute``; a target nobody measured says so."""
    kind, how, metrics = _evidence(target)
    pinned = floors()
    return {"kind": kind, "how": how, "scores": {m: pinned[m] for m in metrics if m in pinned}}
