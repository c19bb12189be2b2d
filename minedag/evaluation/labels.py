"""Score training targets against hand-labelled real pages (``../shared/labels``), label by label.

``readability_pages.json`` labels the real pages of ``corpus/readability`` as they render offline (its ``about``
defines each label). The UX and workflow targets are scored on captures by the real browser (remote resources
refused, inline scripts run), the link counts on the HTML as served, as the labels define them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from minedag.capture import PageCapture
from minedag.evaluation import confidence
from minedag.profiles import extract_record, get_profile
from minedag.profiles.page import PageView

LABELLED_PAGES = "readability_pages.json"

# Class of a list attribute -> the label that says the page has it.
CLASS_LABELS = {("dark_patterns", "countdown-timer"): "has_countdown_timer",
                ("dark_patterns", "pre-checked-box"): "has_prechecked_optin",
                ("overlays", "cookie-banner"): "has_cookie_consent",
                ("overlays", "modal"): "has_modal_overlay",
                ("form_purposes", "login"): "has_login_form",
                ("form_purposes", "search"): "has_search_form"}


def labelled_pages(labels: Path) -> list[dict[str, Any]]:
    return json.loads((labels / LABELLED_PAGES).read_text())["pages"]


def labelled_site(entry: dict[str, Any]) -> str:
    """The site a labelled page comes from, the unit of cross-validation: its original URL's registrable domain
    (news.example.co.uk and www.example.co.uk are one site), else its folder without a trailing number (wapo-1)."""
    host = (urlsplit(entry.get("original_url") or "").hostname or "").removeprefix("www.")
    if not host:
        return re.sub(r"-\d+$", "", entry["page"].split("/")[1])
    labels = host.split(".")
    short_second = len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in ("co", "com", "org", "net", "ac", "gov")
    return ".".join(labels[-3:] if short_second else labels[-2:])


def served_view(entry: dict[str, Any], corpus: Path) -> PageView:
    """The page's HTML as served, at the URL the labels were made for (no browser)."""
    html = (corpus / "readability" / entry["page"]).read_text(encoding="utf-8", errors="replace")
    return PageView(PageCapture(url=entry["url"], ok=True, raw_html=html, rendered_html=html))


def same_cta(found: str | None, label: str | None) -> bool:
    """The found call to action is the labelled one: the same words, or the label's words first (a download
    button that also names the platform: "Firefox Free Download English (US)")."""
    found_words, label_words = (found or "").casefold().split(), (label or "").casefold().split()
    return found_words[: len(label_words)] == label_words and (bool(label_words) or not found_words)


def eval_labels(labels: Path, corpus: Path,
                captures: dict[str, PageCapture]) -> tuple[dict[str, float], list[str], dict[str, dict[str, Any]]]:
    """Scores of the measured targets on the labelled pages (``captures``: page -> browser capture), the misses, and
    the confidence table (``confidence.report``: tuned-on and site-grouped cross-validated, per target).

    ``labels_page_type_accuracy``: share with the labelled page type. Per class of ``dark_patterns`` and
    ``overlays``: ``_specificity`` is the share of pages labelled without it where it does not fire (1 - the
    false-positive rate), ``_recall`` the share of pages labelled with it where it fires (1.0 when no page has it).
    Login and search forms are classes of ``workflow_predictor.form_purposes``.
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
    judged: dict[str, list[confidence.Judged]] = {target: [] for target in confidence.JUDGES}
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
            fired = name in ((ux_record if attribute in ux_record else flow_record)[attribute] or [])
            score(f"{name.replace('-', '_')}_{'recall' if entry[label] else 'specificity'}", fired == entry[label],
                  f"labels {page} {attribute}: {name} {'missed' if entry[label] else 'false positive'}")
        cta, want = flow_record["primary_cta"], entry["primary_cta"]
        score(f"primary_cta_{'accuracy' if want else 'specificity'}", same_cta(cta, want),
              f"labels {page} primary_cta: {cta!r} != {want!r}")
        for target, parts in judged_parts(entry, ux_record, flow_record).items():
            judged[target].append(confidence.Judged(labelled_site(entry), parts))
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
    table = confidence.report(judged)
    scores.update(confidence.scores_of(table))
    return scores, misses, table


def judged_parts(entry: dict[str, Any], ux_record: dict[str, Any],
                 flow_record: dict[str, Any]) -> dict[str, tuple[tuple[str, bool], ...]]:
    """Per measured target, each basis of this page's label and whether it agrees with the person's label."""
    judges = confidence.JUDGES
    out = {"ux_pattern_analyzer.page_type": ((ux_record["page_type_basis"] or "unknown", ux_record["page_type"] == entry["page_type"]),),
           "workflow_predictor.primary_cta": ((judges["workflow_predictor.primary_cta"].bases(flow_record["primary_cta"])[0],
                                               same_cta(flow_record["primary_cta"], entry["primary_cta"])),)}
    by_class = {name: label for (_, name), label in CLASS_LABELS.items()}
    for target in ("ux_pattern_analyzer.overlays", "ux_pattern_analyzer.dark_patterns", "workflow_predictor.form_purposes"):
        record = ux_record if target.startswith("ux_") else flow_record
        found = record[target.split(".")[1]] or []
        bases = judges[target].bases(found)
        out[target] = tuple((basis, (c in found) == entry[by_class[c]]) for basis, c in zip(bases, judges[target].classes, strict=True))
    return out


def separation(scored: list[tuple[int, bool]]) -> float:
    """AUC of the quality score for telling usable pages (True) from the rest: the chance that a usable page
    scores higher than an unusable one (ties count half); 1.0 when there is no page of one kind."""
    good = [q for q, usable in scored if usable]
    bad = [q for q, usable in scored if not usable]
    if not good or not bad:
        return 1.0
    wins = sum((g > b) + 0.5 * (g == b) for g in good for b in bad)
    return round(wins / (len(good) * len(bad)), 4)


def eval_known_answers(answers: dict[str, Any], captures: dict[str, PageCapture]) -> tuple[dict[str, float], list[str]]:
    """Precision and recall per class of ``overlays`` and ``dark_patterns``, and page-type accuracy, on pages with
    answers known by construction (the sample site's ``ux_labels.json``): ``site_<class>_precision`` (1.0 when it
    never fires) and ``site_<class>_recall`` (1.0 when no page has it). Pages that failed to capture are skipped."""
    ux = get_profile("ux_pattern_analyzer")
    counts: dict[str, list[int]] = {}  # class -> [true positives, fired, labelled]
    types = [0, 0]
    misses: list[str] = []
    for url, truth in answers["pages"].items():
        capture = captures.get(url)
        if capture is None or not capture.ok or capture.http_error or (capture.final_url or url) != url:
            continue  # not captured, an error page, or a redirect to another page (scored under its own URL)
        found = extract_record(ux, capture)
        if truth["page_type"]:
            types[0] += found["page_type"] == truth["page_type"]
            types[1] += 1
            if found["page_type"] != truth["page_type"]:
                misses.append(f"site {url} page_type: {found['page_type']} != {truth['page_type']}")
        for attribute in ("overlays", "dark_patterns"):
            fired, labelled = set(found[attribute] or []), set(truth[attribute])
            for name in ux.attribute(attribute).classes:
                tally = counts.setdefault(name, [0, 0, 0])
                tally[0] += name in fired and name in labelled
                tally[1] += name in fired
                tally[2] += name in labelled
                if (name in fired) != (name in labelled):
                    misses.append(f"site {url} {attribute}: {name} {'missed' if name in labelled else 'false positive'}")
    scores = {"site_page_type_accuracy": round(types[0] / types[1], 4) if types[1] else 1.0}
    for name, (hit, fired, labelled) in counts.items():
        key = name.replace("-", "_")
        scores[f"site_{key}_precision"] = round(hit / fired, 4) if fired else 1.0
        scores[f"site_{key}_recall"] = round(hit / labelled, 4) if labelled else 1.0
    return scores, misses


def evaluate_sample_site() -> tuple[dict[str, float], list[str]]:
    """``eval_known_answers`` on the bundled sample site, served locally and captured by the real browser."""
    from minedag.capture import CaptureOptions, capture_urls
    from minedag.capture.politeness import PolitenessRules
    from minedag.sample_site.server import SITE_ROOT, serve

    answers = json.loads((SITE_ROOT / "ux_labels.json").read_text())
    server = serve()
    try:  # robots.txt is ignored: the disallowed draft is a page with an answer too
        options = CaptureOptions(host_rules=server.host_rules, allow_hosts=("*.test",), nav_timeout_s=10, capture_timeout_s=30,
                                 politeness=PolitenessRules(respect_robots=False))
        captures = {c.url: c for c in capture_urls(list(answers["pages"]), options)}
    finally:
        server.stop()
    return eval_known_answers(answers, captures)
