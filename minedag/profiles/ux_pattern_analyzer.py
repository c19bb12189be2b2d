"""UX patterns: layout, above-the-fold content, navigation, overlays, sticky elements, tap targets, dark patterns."""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa

from minedag.profiles.page import PageView, to_json
from minedag.profiles.spec import Attribute, MiningProfile

_COUNTDOWN = re.compile(r"\b(ends in|offer ends|only \d+ left|hurry|expires in)\b|\d{1,2}:\d{2}(:\d{2})?\b", re.I)


def extract(page: PageView) -> dict[str, Any]:
    cap = page.capture
    fold = cap.viewport.get("height", 800)
    els = [e for e in page.elements if e.visible]
    cls = lambda e: e.attrs.get("class", "").lower().split()  # noqa: E731
    has = lambda pred: any(pred(e) for e in els)  # noqa: E731
    features = []
    if has(lambda e: "hero" in cls(e)):
        features.append("hero")
    cards = sum(1 for e in els if "card" in cls(e))
    if cards >= 3:
        features.append("card-grid")
    if has(lambda e: e.tag == "aside" or "sidebar" in cls(e)):
        features.append("sidebar")
    if has(lambda e: e.tag == "table"):
        features.append("table")
    if has(lambda e: e.tag == "form" and e.bounds and e.bounds[3] > 200):
        features.append("form")
    if has(lambda e: e.tag == "article") and page.words > 300:
        features.append("article")
    layout = next((f for f in ("hero", "card-grid", "sidebar", "form", "table", "article") if f in features), "list-detail" if page.links else "other")
    above = [e for e in els if e.bounds and e.bounds[1] < fold]
    ctas = [e for e in above if (e.tag in ("a", "button")) and any(c in cls(e) for c in ("btn-cta", "btn-primary", "cta"))]
    navigation = []
    if has(lambda e: "breadcrumb" in " ".join(cls(e)) or "breadcrumb" in e.attrs.get("aria-label", "").lower()):
        navigation.append("breadcrumbs")
    if has(lambda e: e.tag == "nav"):
        navigation.append("menu")
    if any(e.attrs.get("aria-expanded") is not None and ("menu" in e.attrs.get("aria-label", "").lower() or "toggle" in " ".join(cls(e))) for e in page.elements):
        navigation.append("hamburger")
    if has(lambda e: e.attrs.get("role") == "tablist"):
        navigation.append("tabs")
    if has(lambda e: e.tag == "footer" and any(x.tag == "ul" for x in els)):
        navigation.append("footer-links")
    if has(lambda e: e.tag == "aside"):
        navigation.append("sidebar-nav")
    overlays = sorted({"modal" for e in els if e.attrs.get("role") == "dialog" or "modal" in cls(e)}
                      | {"cookie-banner" for e in els if "cookie" in " ".join(cls(e)) or "cookie" in e.attrs.get("aria-label", "").lower()})
    fixed = [e for e in els if e.styles.get("position") in ("fixed", "sticky")]
    layer_fixed = sum(1 for layer in cap.layers if layer.get("stickyPositionConstraint") or "FixedPosition" in " ".join(layer.get("compositingReasons", [])))
    darks = _dark_patterns(page)
    headings = [(e.tag, _px(e.styles.get("font-size", ""))) for e in els if e.tag in ("h1", "h2", "h3")]
    h1_sizes = [s for t, s in headings if t == "h1"]
    biggest_text = max((_px(e.styles.get("font-size", "")) for e in els if e.text), default=0)
    interactive = [e for e in els if e.tag in ("a", "button", "input", "select", "textarea")]
    small = [e for e in interactive if e.bounds and (e.bounds[2] < 24 or e.bounds[3] < 24)]
    return {
        "layout_pattern": layout,
        "layout_features": features,
        "above_the_fold": to_json({"elements": len(above), "headings": sum(1 for e in above if e.tag in ("h1", "h2")),
                                   "images": sum(1 for e in above if e.tag in ("img", "svg", "picture")),
                                   "ctas": len(ctas), "fold_px": fold}),
        "primary_cta_above_fold": bool(ctas),
        "navigation_patterns": navigation,
        "overlays": overlays,
        "sticky_fixed": to_json({"elements": [page.dom_path.get(e.index, e.tag) for e in fixed][:20], "count": len(fixed),
                                 "fixed_layers": layer_fixed}),
        "visual_hierarchy": to_json({"h1_is_largest_text": bool(h1_sizes) and max(h1_sizes) >= biggest_text,
                                     "heading_sizes": headings[:12]}),
        "tap_targets": to_json({"total": len(interactive), "small_desktop": len(small),
                                "small_mobile": cap.mobile.get("smallTapTargets") if cap.mobile else None,
                                "mobile_total": cap.mobile.get("tapTargets") if cap.mobile else None}),
        "dark_patterns": darks,
        "dark_pattern_count": len(darks),
    }


def _dark_patterns(page: PageView) -> list[str]:
    found = []
    doc = page.doc
    if doc is None:
        return found
    for box in doc.xpath("//input[@type='checkbox'][@checked]"):
        label = next((a for a in box.iterancestors() if a.tag == "label"), None)
        text = (label.text_content() if label is not None else "").lower()
        if re.search(r"news|offer|insurance|marketing|partner|add|subscribe|updates", text) or label is None:
            found.append("pre-checked-box")
            break
    if doc.xpath("//*[@data-countdown or contains(@class,'countdown') or contains(@class,'timer')]") or _COUNTDOWN.search(page.text[:5000]):
        found.append("countdown-timer")
    if re.search(r"no thanks, i (don't|do not) (want|like)|i prefer to pay (full|more)", page.text, re.I):
        found.append("confirmshaming")
    for a in doc.xpath("//a[@style]"):
        style = (a.get("style") or "").replace(" ", "").lower()
        if re.search(r"font-size:(\d|1[01])px", style) and re.search(r"manage|reject|decline|unsubscribe|cancel", a.text_content(), re.I):
            found.append("hidden-opt-out")
            break
    return found


def _px(value: str) -> float:
    m = re.match(r"(\d+(\.\d+)?)px", value or "")
    return float(m.group(1)) if m else 0.0


PROFILE = MiningProfile(
    name="ux_pattern_analyzer",
    version="1",
    description="UX patterns a designer would name: layout, what is above the fold, navigation, overlays, sticky elements, tap targets and dark patterns.",
    reads=("dom_snapshot", "layers", "mobile", "viewport"),
    extract=extract,
    attributes=(
        Attribute("layout_pattern", pa.string(), "Dominant layout: hero, card-grid, sidebar, form, table, article or list-detail.", required=True),
        Attribute("layout_features", pa.list_(pa.string()), "Every layout pattern detected on the page."),
        Attribute("above_the_fold", pa.string(), "JSON: elements, headings, images and calls to action in the first viewport."),
        Attribute("primary_cta_above_fold", pa.bool_(), "A primary call to action is visible without scrolling."),
        Attribute("navigation_patterns", pa.list_(pa.string()), "Navigation patterns: menu, breadcrumbs, hamburger, tabs, sidebar-nav, footer-links."),
        Attribute("overlays", pa.list_(pa.string()), "Modals, popups and cookie banners present."),
        Attribute("sticky_fixed", pa.string(), "JSON: fixed and sticky elements (computed styles) and fixed layers (layer tree)."),
        Attribute("visual_hierarchy", pa.string(), "JSON: whether the h1 is the largest text and the heading sizes in order."),
        Attribute("tap_targets", pa.string(), "JSON: interactive elements and how many are too small to tap (desktop and mobile pass)."),
        Attribute("dark_patterns", pa.list_(pa.string()), "Dark-pattern markers: pre-checked boxes, countdown timers, confirmshaming, hidden opt-outs."),
        Attribute("dark_pattern_count", pa.int64(), "Number of dark-pattern markers.", required=True),
    ),
)
