"""Score training targets against hand-labelled real pages (``../shared/labels``), label by label.

``readability_pages.json`` labels the real pages of ``corpus/readability`` as they render offline (its ``about``
defines each label). The UX and workflow targets are scored on captures by the real browser (remote resources
refused, inline scripts run), the link counts on the HTML as served, as the labels define them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from minedag.capture import PageCapture
from minedag.profiles import extract_record, get_profile
from minedag.profiles.page import PageView

LABELLED_PAGES = "readability_pages.json"

# Class of a list attribute -> the label that says the page has it.
CLASS_LABELS = {("dark_patterns", "countdown-timer"): "has_countdown_timer",
                ("dark_patterns", "pre-checked-box"): "has_prechecked_optin",
                ("overlays", "cookie-banner"): "has_cookie_consent",
                ("overlays", "modal"): "has_modal_overlay"}


def labelled_pages(labels: Path) -> list[dict[str, Any]]:
    return json.loads((labels / LABELLED_PAGES).read_text())["pages"]


def served_view(entry: dict[str, Any], corpus: Path) -> PageView:
    """The page's HTML as served, at the URL the labels were made for (no browser)."""
    html = (corpus / "readability" / entry["page"]).read_text(encoding="utf-8", errors="replace")
    return PageView(PageCapture(url=entry["url"], ok=True, raw_html=html, rendered_html=html))


def same_cta(found: str | None, label: str | None) -> bool:
    """The found call to action is the labelled one: the same words, or the label's words first (a download
    button that also names the platform: "Firefox Free Download English (US)")."""
    found_words, label_words = (found or "").casefold().split(), (label or "").casefold().split()
    return found_words[: len(label_words)] == label_words and (bool(label_words) or not found_words)


def eval_labels(labels: Path, corpus: Path, captures: dict[str, PageCapture]) -> tuple[dict[str, float], list[str]]:
    """Scores of the measured targets on the labelled pages (``captures``: page -> browser capture), and the misses.

    ``labels_page_type_accuracy``: share with the labelled page type. Per class of ``dark_patterns`` and
    ``overlays``: ``_specificity`` is the share of pages labelled without it where it does not fire (1 - the
    false-positive rate), ``_recall`` the share of pages labelled with it where it fires (1.0 when no page has it).
    ``labels_primary_cta_accuracy``: share of the pages with a labelled call to action where it is found;
    ``_specificity``: share of the pages without one where none is reported. ``labels_<kind>_links_exact``:
    share with the exact link count. ``labels_quality_separation_auc``: how well the quality score ranks the
    pages labelled usable for training above the others.
    """
    hits: dict[str, list[int]] = {}
    misses: list[str] = []
    quality: list[tuple[int, bool]] = []

    def score(metric: str, right: bool, miss: str) -> None:
        pair = hits.setdefault(f"labels_{metric}", [0, 0])
        pair[0] += right
        pair[1] += 1
        if not right:
            misses.append(miss)

    seo, ux, flows = get_profile("seo_optimizer"), get_profile("ux_pattern_analyzer"), get_profile("workflow_predictor")
    for entry in labelled_pages(labels):
        page, capture = entry["page"], captures.get(entry["page"])
        if capture is None or not capture.ok:
            misses.append(f"labels {page}: not captured ({capture.error if capture else 'missing'})")
            continue
        view = PageView(capture)
        ux_record, flow_record = extract_record(ux, capture, view=view), extract_record(flows, capture, view=view)
        score("page_type_accuracy", ux_record["page_type"] == entry["page_type"],
              f"labels {page} page_type: {ux_record['page_type']} != {entry['page_type']}")
        for (attribute, name), label in CLASS_LABELS.items():
            fired = name in (ux_record[attribute] or [])
            score(f"{name.replace('-', '_')}_{'recall' if entry[label] else 'specificity'}", fired == entry[label],
                  f"labels {page} {attribute}: {name} {'missed' if entry[label] else 'false positive'}")
        cta, want = flow_record["primary_cta"], entry["primary_cta"]
        score(f"primary_cta_{'accuracy' if want else 'specificity'}", same_cta(cta, want),
              f"labels {page} primary_cta: {cta!r} != {want!r}")
        quality.append((extract_record(seo, capture, view=view)["quality"], entry["usable_for_training"]))
        served = served_view(entry, corpus)
        counted = json.loads(extract_record(seo, served.capture, view=served)["link_counts"] or "{}")
        for kind in ("internal", "external"):
            score(f"{kind}_links_exact", counted.get(kind) == entry[f"{kind}_links"],
                  f"labels {page} {kind}_links: {counted.get(kind)} != {entry[f'{kind}_links']}")
    scores = {name: round(h / n, 4) if n else 1.0 for name, (h, n) in hits.items()}
    for (_, name), _label in CLASS_LABELS.items():  # a class no page has is found on all of them
        scores.setdefault(f"labels_{name.replace('-', '_')}_recall", 1.0)
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
