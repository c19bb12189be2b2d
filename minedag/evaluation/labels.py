"""Score training targets against hand-labelled real pages (``../shared/labels``), label by label.

``readability_pages.json`` labels the real pages of ``corpus/readability`` (its ``about`` defines each label).
Pages are read as served (no scripts run), at the URL the labels were made for, like ``eval_readability``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from minedag.capture import PageCapture
from minedag.profiles import extract_record, get_profile
from minedag.profiles.page import PageView

LABELLED_PAGES = "readability_pages.json"


def labelled_pages(labels: Path, corpus: Path) -> list[tuple[dict[str, Any], PageView]]:
    """Each labelled page with a ``PageView`` of its HTML."""
    data = json.loads((labels / LABELLED_PAGES).read_text())
    out = []
    for entry in data["pages"]:
        html = (corpus / "readability" / entry["page"]).read_text(encoding="utf-8", errors="replace")
        out.append((entry, PageView(PageCapture(url=entry["url"], ok=True, raw_html=html, rendered_html=html))))
    return out


# ux_pattern_analyzer.dark_patterns class -> the label that says the page has it.
DARK_PATTERN_LABELS = {"countdown-timer": "has_countdown_timer", "pre-checked-box": "has_prechecked_optin"}


def eval_labels(labels: Path, corpus: Path) -> tuple[dict[str, float], list[str]]:
    """Scores of measured targets on the labelled pages, and the misses.

    ``labels_<x>_links_exact``: share of pages with the exact link count; ``labels_page_type_accuracy``: share
    with the labelled page type (``ux_pattern_analyzer.page_type``). For each dark-pattern class,
    ``_specificity`` is the share of pages labelled without it where it does not fire (1 - false-positive rate),
    and ``_recall`` the share of pages labelled with it where it fires (1.0 when no page has it).
    ``labels_quality_separation_auc``: how well seo_optimizer's quality score ranks the pages labelled usable
    for training above the others.
    """
    hits: dict[str, list[int]] = {"labels_internal_links_exact": [0, 0], "labels_external_links_exact": [0, 0],
                                  "labels_page_type_accuracy": [0, 0]}
    for name in DARK_PATTERN_LABELS:
        hits[f"labels_{_snake(name)}_specificity"] = [0, 0]
        hits[f"labels_{_snake(name)}_recall"] = [0, 0]
    misses: list[str] = []
    quality: list[tuple[int, bool]] = []
    seo, ux = get_profile("seo_optimizer"), get_profile("ux_pattern_analyzer")
    for entry, view in labelled_pages(labels, corpus):
        ux_record = extract_record(ux, view.capture, view=view)
        found = set(ux_record["dark_patterns"] or [])
        right = ux_record["page_type"] == entry["page_type"]
        hits["labels_page_type_accuracy"][0] += right
        hits["labels_page_type_accuracy"][1] += 1
        if not right:
            misses.append(f"labels {entry['page']} page_type: {ux_record['page_type']} != {entry['page_type']}")
        for name, label in DARK_PATTERN_LABELS.items():
            score = hits[f"labels_{_snake(name)}_{'recall' if entry[label] else 'specificity'}"]
            right = (name in found) == entry[label]
            score[0] += right
            score[1] += 1
            if not right:
                misses.append(f"labels {entry['page']} dark_patterns: {name} {'missed' if entry[label] else 'false positive'}")
        seo_record = extract_record(seo, view.capture, view=view)
        quality.append((seo_record["quality"], entry["usable_for_training"]))
        counted = json.loads(seo_record["link_counts"] or "{}")
        for kind in ("internal", "external"):
            ok = counted.get(kind) == entry[f"{kind}_links"]
            hits[f"labels_{kind}_links_exact"][0] += ok
            hits[f"labels_{kind}_links_exact"][1] += 1
            if not ok:
                misses.append(f"labels {entry['page']} {kind}_links: {counted.get(kind)} != {entry[f'{kind}_links']}")
    scores = {name: round(h / n, 4) if n else 1.0 for name, (h, n) in hits.items()}
    scores["labels_quality_separation_auc"] = separation(quality)
    return scores, misses


def separation(scored: list[tuple[int, bool]]) -> float:
    """AUC of the quality score for telling usable pages (True) from the rest: the chance that a usable page
    scores higher than an unusable one (ties count half); 1.0 when there is no page of one kind."""
    good = [q for q, usable in scored if usable]
    bad = [q for q, usable in scored if not usable]
    if not good or not bad:
        return 1.0
    wins = sum((g > b) + 0.5 * (g == b) for g in good for b in bad)
    return round(wins / (len(good) * len(bad)), 4)


def _snake(name: str) -> str:
    return name.replace("-", "_")
