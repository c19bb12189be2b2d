"""UX patterns: layout, above-the-fold content, navigation, overlays, sticky elements, tap targets, dark patterns."""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa

from minedag.profiles.page import PageView, px, to_json
from minedag.profiles.page_type import TYPE_BASES, classify_page
from minedag.profiles.spec import Attribute, MiningProfile, record

# A ticking countdown: a deadline phrase right before a running time ("Offer ends in 09:59", "ends in 2h 14m"),
# or an element marked as a countdown. A date, a time of day ("8:02 pm", "12:46") or a duration alone is not one.
_DEADLINE = re.compile(r"\b(ends?|ending|expires?|closes?|starts?|left|remaining)\s*(in|within)?\s*:?\s*"
                       r"(\d{1,2}\s*:\s*\d{2}(\s*:\s*\d{2})?|\d+\s*h(ours?)?\s*\d+\s*m(in(utes?)?)?)\b(?!\s*[ap]\.?m\b)", re.I)
_COUNTDOWN_MARK = "//*[@data-countdown or contains(concat(' ', normalize-space(@class), ' '), 'countdown') or contains(@id, 'countdown')]"
# A pre-checked box is a dark pattern when it opts the user into something: marketing, sharing, consent or a paid
# add-on. "Remember me" and "save my name" boxes are conveniences, not opt-ins.
_OPT_IN = re.compile(r"news|offers?\b|promotion|marketing|partners?\b|third[- ]part|subscribe|updates|special deals|"
                     r"send me|e-?mail me|sign me up|notify me|keep me (posted|informed|updated)|share my|sharing|consent|"
                     r"personali[sz]ed ads|insurance|warranty|protection plan|donat", re.I)
_CONVENIENCE = re.compile(r"remember me|keep me (signed|logged) in|stay (signed|logged) in|save my (name|details|info)", re.I)


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
    overlays = [name for name, found in (("modal", _modal_on_load(page)), ("cookie-banner", _consent_ui(page))) if found]
    fixed = [e for e in els if e.styles.get("position") in ("fixed", "sticky")]
    layer_fixed = sum(1 for layer in cap.layers if layer.get("stickyPositionConstraint") or "FixedPosition" in " ".join(layer.get("compositingReasons", [])))
    darks = _dark_patterns(page)
    headings = [(e.tag, px(e.styles.get("font-size", ""))) for e in els if e.tag in ("h1", "h2", "h3")]
    h1_sizes = [s for t, s in headings if t == "h1"]
    biggest_text = max((px(e.styles.get("font-size", "")) for e in els if e.text), default=0)
    interactive = [e for e in els if e.tag in ("a", "button", "input", "select", "textarea")]
    small = [e for e in interactive if e.bounds and (e.bounds[2] < 24 or e.bounds[3] < 24)]
    kind, basis = classify_page(page)
    return {
        "page_type": kind,
        "page_type_basis": basis,
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


# A consent UI: a block, shown or hidden, named like a banner, notice or dialog, that asks about cookies or data
# processing and offers an answer. A footer link to the cookie policy or a comment form's "save my name in this
# browser" box is not one.
_OVERLAY_NAME = re.compile(r"cookie|consent|gdpr|cmp|privacy|tracking|notice|notif|banner|bandeau|alert|popup|pop-up|"
                           r"modal|dialog|overlay|lightbox|interstitial|newsletter|signup|subscribe|(^|[-_ ])bar([-_ ]|$)", re.I)
_CONSENT_TOPIC = re.compile(r"\bcookies?\b|\bconsent\b|\bgdpr\b|\bdsgvo\b|\brgpd\b", re.I)
_CONSENT_ANSWER = re.compile(r"accept|agree|consent|allow|got it|\bok(ay)?\b|continu|poursuiv|akzeptier|zustimm|acept|accett|"
                             r"snap het|begrepen|understand|manage|settings|preferences|paramètres|opt[- ]?out|decline|reject|refus",
                             re.I)
_NAMED = ("//*[not(self::a or self::li or self::ul or self::input or self::label or self::script or self::style)]"
          "[@id or @class or @role or @aria-label or @aria-modal]")
# An inline script that writes consent markup on load (document.write, innerHTML...).
_WRITES_CONSENT = re.compile(r"(document\.write|innerHTML|insertAdjacentHTML)[\s\S]*(cookie|consent|gdpr)[-_\w]*"
                             r"|(cookie|consent|gdpr)[-_\w]*[\s\S]*(document\.write|innerHTML|insertAdjacentHTML)", re.I)
_MARKUP_NAMED_CONSENT = re.compile(r"(class|id)=\\?[\"'][^\"']*(cookie|consent|gdpr)", re.I)
_OUTSIDE_OVERLAYS = {"nav", "footer", "form", "article"}


def _name(el: Any) -> str:
    return " ".join(el.get(k) or "" for k in ("id", "class", "role", "aria-label"))


def _consent_ui(page: PageView) -> bool:
    """A cookie or data-processing consent UI is in the DOM (shown or hidden), or an inline script writes one."""
    doc = page.doc
    if doc is None:
        return False
    for el in doc.xpath(_NAMED):
        if not (_OVERLAY_NAME.search(_name(el)) or el.get("aria-modal") == "true" or el.tag == "dialog"):
            continue
        if any(a.tag in _OUTSIDE_OVERLAYS for a in el.iterancestors()):
            continue
        text = " ".join(el.text_content().split())
        if 6 <= len(text.split()) <= 250 and _CONSENT_TOPIC.search(text) and _CONSENT_ANSWER.search(text):
            return True
    scripts = page.raw_doc.xpath("//script[not(@src)]/text()") if page.raw_doc is not None else []
    return any(_MARKUP_NAMED_CONSENT.search(s) and _WRITES_CONSENT.search(s) for s in scripts)


def _modal_on_load(page: PageView) -> bool:
    """A modal, popup or overlay shown over the content on load: a positioned, visible box in the first viewport
    that covers a quarter of it and calls itself a dialog (or covers most of it from a layer above the page)."""
    viewport = page.capture.viewport
    width, height = viewport.get("width", 1280), viewport.get("height", 800)
    by_index = {e.index: e for e in page.elements}
    for e in page.elements:
        if not e.visible or e.styles.get("position") not in ("fixed", "absolute") or e.styles.get("opacity") == "0":
            continue
        x, y, w, h = e.bounds or (0, 0, 0, 0)
        covered = max(0.0, min(x + w, width) - max(x, 0)) * max(0.0, min(y + h, height) - max(y, 0))
        share = covered / (width * height)
        named = (e.tag == "dialog" or e.attrs.get("role") in ("dialog", "alertdialog") or e.attrs.get("aria-modal") == "true"
                 or bool(_OVERLAY_NAME.search(" ".join(e.attrs.get(k, "") for k in ("id", "class")))))
        layered = e.styles.get("position") == "fixed" and _z(e) > 0
        if not ((named and share >= 0.25) or (layered and share >= 0.6)):
            continue
        hidden, cur = False, e
        while cur is not None:
            if cur.attrs.get("aria-hidden") == "true" or "hidden" in cur.attrs:
                hidden = True
                break
            cur = by_index.get(cur.parent)
        if not hidden:
            return True
    return False


def _z(e: Any) -> int:
    try:
        return int(e.styles.get("z-index", ""))
    except ValueError:
        return 0


def _dark_patterns(page: PageView) -> list[str]:
    found = []
    doc = page.doc
    if doc is None:
        return found
    for box in doc.xpath("//input[@type='checkbox' or @type='radio'][@checked]"):
        text = _label_text(box)
        if _OPT_IN.search(text) and not _CONVENIENCE.search(text):
            found.append("pre-checked-box")
            break
    if doc.xpath(_COUNTDOWN_MARK) or _DEADLINE.search(page.text):
        found.append("countdown-timer")
    if re.search(r"no thanks, i (don't|do not) (want|like)|i prefer to pay (full|more)", page.text, re.I):
        found.append("confirmshaming")
    for a in doc.xpath("//a[@style]"):
        style = (a.get("style") or "").replace(" ", "").lower()
        if re.search(r"font-size:(\d|1[01])px", style) and re.search(r"manage|reject|decline|unsubscribe|cancel", a.text_content(), re.I):
            found.append("hidden-opt-out")
            break
    return found


# The closed label sets of the class attributes (bundles declare them as Hugging Face ClassLabel names).
PAGE_TYPES = ("article", "listing", "product", "home", "form", "docs", "video", "profile", "other")
LAYOUTS = ("hero", "card-grid", "sidebar", "form", "table", "article", "list-detail", "other")
NAVIGATION = ("breadcrumbs", "menu", "hamburger", "tabs", "footer-links", "sidebar-nav")
OVERLAYS = ("modal", "cookie-banner")
DARK_PATTERNS = ("pre-checked-box", "countdown-timer", "confirmshaming", "hidden-opt-out")

def _label_text(field: Any) -> str:
    """What a form field says it is: its <label> (around it or ``for`` it), aria-label, else its parent's text."""
    label = next((a for a in field.iterancestors() if a.tag == "label"), None)
    if label is None and field.get("id"):
        label = next(iter(field.getroottree().xpath("//label[@for=$id]", id=field.get("id"))), None)
    if label is not None:
        return label.text_content()
    parent = field.getparent()
    return field.get("aria-label") or (parent.text_content()[:200] if parent is not None else "")


PROFILE = MiningProfile(
    name="ux_pattern_analyzer",
    version="6",
    description="UX patterns a designer would name: layout, what is above the fold, navigation, overlays, sticky elements, tap targets and dark patterns.",
    reads=("dom_snapshot", "layers", "mobile", "viewport", "raw_html", "rendered_html"),
    extract=extract,
    attributes=(
        Attribute("page_type", pa.string(), "What the page is: article, listing, product, home, form, docs, video, "
                  "profile or other (declared schema.org/og types first, then where the main content is).", required=True,
                  classes=PAGE_TYPES),
        Attribute("page_type_basis", pa.string(), "The rule that decided page_type (a declared type, a long text, a form...): "
                  "how sure the label is, never a model input.", classes=TYPE_BASES, derives_from=("page_type",)),
        Attribute("layout_pattern", pa.string(), "Dominant layout: hero, card-grid, sidebar, form, table, article or list-detail.", required=True,
                  classes=LAYOUTS,
                  derives_from=("layout_features",)),
        Attribute("layout_features", pa.list_(pa.string()), "Every layout pattern detected on the page."),
        Attribute("above_the_fold", pa.string(), "JSON: elements, headings, images and calls to action in the first viewport.",
                  nested=record(elements=pa.int64(), headings=pa.int64(), images=pa.int64(), ctas=pa.int64(), fold_px=pa.int64())),
        Attribute("primary_cta_above_fold", pa.bool_(), "A primary call to action is visible without scrolling."),
        Attribute("navigation_patterns", pa.list_(pa.string()), "Navigation patterns: menu, breadcrumbs, hamburger, tabs, sidebar-nav, footer-links.",
                  classes=NAVIGATION),
        Attribute("overlays", pa.list_(pa.string()), "modal: a popup or dialog shown over the content on load; "
                  "cookie-banner: a cookie/consent UI in the page (shown or not), or written by an inline script.", classes=OVERLAYS),
        Attribute("sticky_fixed", pa.string(), "JSON: fixed and sticky elements (computed styles) and fixed layers (layer tree).",
                  nested=record(count=pa.int64(), elements=pa.list_(pa.string()), fixed_layers=pa.int64())),
        Attribute("visual_hierarchy", pa.string(), "JSON: whether the h1 is the largest text and the heading sizes in order.",
                  nested=record(h1_is_largest_text=pa.bool_(), heading_sizes=pa.list_(record(tag=pa.string(), px=pa.float64())))),
        Attribute("tap_targets", pa.string(), "JSON: interactive elements and how many are too small to tap (desktop and mobile pass).",
                  nested=record(total=pa.int64(), small_desktop=pa.int64(), mobile_total=pa.int64(), small_mobile=pa.int64())),
        Attribute("dark_patterns", pa.list_(pa.string()), "Dark-pattern markers: pre-checked boxes, countdown timers, confirmshaming, hidden opt-outs.",
                  classes=DARK_PATTERNS),
        Attribute("dark_pattern_count", pa.int64(), "Number of dark-pattern markers.", required=True,
                  derives_from=("dark_patterns",)),
    ),
)
