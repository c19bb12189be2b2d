"""UX patterns: layout, above-the-fold content, navigation, overlays, sticky elements, tap targets, dark patterns."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from minedag.profiles.page import PageView, schema_types, to_json
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
        "page_type": page_type(page),
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


# What a page is, from what it declares: schema.org types (JSON-LD, microdata) and og:type.
_DECLARED = (
    ("product", {"Product", "ProductGroup", "IndividualProduct", "ProductModel"}, ("product",)),
    ("docs", {"TechArticle", "APIReference"}, ()),
    ("article", {"Article", "NewsArticle", "BlogPosting", "Report", "ScholarlyArticle", "OpinionNewsArticle",
                 "AnalysisNewsArticle", "ReviewNewsArticle", "LiveBlogPosting", "SocialMediaPosting"}, ("article",)),
    ("profile", {"ProfilePage"}, ("profile",)),
    ("listing", {"CollectionPage", "SearchResultsPage", "ItemList", "OfferCatalog"}, ()),
    ("video", set(), ("video.movie", "video.episode", "video.other", "video.tv_show")),
)
# The closed label sets of the class attributes (bundles declare them as Hugging Face ClassLabel names).
PAGE_TYPES = ("article", "listing", "product", "home", "form", "docs", "video", "profile", "other")
LAYOUTS = ("hero", "card-grid", "sidebar", "form", "table", "article", "list-detail", "other")
NAVIGATION = ("breadcrumbs", "menu", "hamburger", "tabs", "footer-links", "sidebar-nav")
OVERLAYS = ("modal", "cookie-banner")
DARK_PATTERNS = ("pre-checked-box", "countdown-timer", "confirmshaming", "hidden-opt-out")
_DOCS_PATH = re.compile(r"/(docs?|documentation|reference|api|manual|guides?|handbook|spec|rfcs?)(/|$)", re.I)
# Markup that documentation generators leave: Sphinx, Read the Docs, MkDocs, Docusaurus, rustdoc, Doxygen, Javadoc.
_DOCS_MARKUP = ("//a[contains(@class,'headerlink')] | //*[contains(@class,'sphinxsidebar') or contains(@class,'rst-content')"
                " or contains(@class,'md-content') or contains(@class,'theme-doc-markdown') or contains(@class,'rustdoc')"
                " or contains(@class,'doxygen') or contains(@class,'contentContainer')]")
_DOCS_GENERATOR = re.compile(r"sphinx|mkdocs|docusaurus|doxygen|javadoc|rustdoc|gitbook|docfx|vuepress", re.I)
_PRICE = re.compile(r"[$€£¥]\s?\d|\d[.,]\d{2}\s?(€|EUR|USD)", re.I)
_BUY = re.compile(r"add to (cart|basket|bag)|buy now|in den warenkorb", re.I)
# A word of running text: a run of letters or digits, or one CJK character (those scripts do not use spaces).
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")


def page_type(page: PageView) -> str:
    """One of article, listing, product, home, form, docs, video, profile, other (``../shared/labels`` defines them).

    What the page declares wins (schema.org types, og:type); otherwise where its main content is: one long
    text (article; docs under a docs path, in a documentation generator's markup, or preformatted), a person as
    the page's main entity or a user path (profile), many similar linked items (listing), a price with a buy
    button (product), a form with little text around it (form), the site's root (home).
    """
    declared = set(schema_types(page.structured_data))
    og_type = (page.meta("og:type") or "").strip().lower()
    for name, types, og in _DECLARED:
        if declared & types or og_type in og:
            return name
    if "Person" in _main_entities(page.structured_data) or re.search(r"/(users?|people|profiles?|members?|authors?)/[^/]+/?$|/@[^/]+/?$",
                                                                     urlsplit(page.url).path):
        return "profile"
    doc = page.doc
    if doc is None:
        return "other"
    path = urlsplit(page.url).path
    main_words = _main_text_words(doc)
    preformatted = max((len(_WORD.findall(pre.text_content())) for pre in doc.iter("pre")), default=0)
    if preformatted >= 300 and preformatted > main_words:  # a plain-text document (an RFC, a man page)
        return "docs"
    if _DOCS_PATH.search(path):
        return "docs"
    if main_words >= 150 and ( _DOCS_GENERATOR.search(page.meta("generator") or "")
                              or doc.xpath(_DOCS_MARKUP)):
        return "docs"
    if main_words >= 250:
        return "article"
    if path in ("", "/"):
        return "home"
    if _repeated_items(doc) >= 6 and main_words < 150:
        return "listing"
    if _PRICE.search(page.text[:20000]) and any(_BUY.search(b.text_content() or b.get("value") or "")
                                                for b in doc.xpath("//button | //input[@type='submit'] | //a")):
        return "product"
    fields = doc.xpath("//form//input[not(@type='hidden' or @type='submit' or @type='search' or @type='button')] "
                       "| //form//select | //form//textarea")
    if (len(fields) >= 3 or doc.xpath("//form//input[@type='password']")) and main_words < 80:
        return "form"
    return "article" if main_words >= 80 else "other"


def _main_entities(data: dict[str, Any]) -> set[str]:
    """schema.org types of the page's top-level items (not the author or publisher nested in them)."""
    items = [*data.get("json-ld", []), *data.get("microdata", [])]
    items += [g for item in items if isinstance(item, dict) for g in item.get("@graph", []) if isinstance(g, dict)]
    found = set()
    for item in items:
        types = item.get("@type") or item.get("type") if isinstance(item, dict) else None
        found |= {t.rsplit("/", 1)[-1] for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}
    return found


def _main_text_words(doc: Any) -> int:
    """Words of the page's main text: paragraphs are credited to their parent in full and to its parent by half
    (as Readability scores them), and the best-scoring container wins."""
    scores: dict[Any, float] = {}
    for p in doc.iter("p"):
        if any(a.tag in ("script", "style", "noscript", "template", "form", "nav", "footer") for a in p.iterancestors()):
            continue
        words = len(_WORD.findall(p.text_content()))
        if words < 5:
            continue
        parent = p.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + words
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + words / 2
    return int(max(scores.values(), default=0))


def _repeated_items(doc: Any) -> int:
    """The largest number of sibling items that each carry a heading or an image with a link: a grid or a feed."""
    best = 0
    for parent in doc.xpath("//*[count(*) >= 6]"):
        linked = sum(1 for child in parent if isinstance(child.tag, str)
                     and child.xpath(".//a[@href]") and child.xpath(".//h2 | .//h3 | .//h4 | .//img"))
        best = max(best, linked)
    return best


def _label_text(field: Any) -> str:
    """What a form field says it is: its <label> (around it or ``for`` it), aria-label, else its parent's text."""
    label = next((a for a in field.iterancestors() if a.tag == "label"), None)
    if label is None and field.get("id"):
        label = next(iter(field.getroottree().xpath("//label[@for=$id]", id=field.get("id"))), None)
    if label is not None:
        return label.text_content()
    parent = field.getparent()
    return field.get("aria-label") or (parent.text_content()[:200] if parent is not None else "")


def _px(value: str) -> float:
    m = re.match(r"(\d+(\.\d+)?)px", value or "")
    return float(m.group(1)) if m else 0.0


PROFILE = MiningProfile(
    name="ux_pattern_analyzer",
    version="4",
    description="UX patterns a designer would name: layout, what is above the fold, navigation, overlays, sticky elements, tap targets and dark patterns.",
    reads=("dom_snapshot", "layers", "mobile", "viewport"),
    extract=extract,
    attributes=(
        Attribute("page_type", pa.string(), "What the page is: article, listing, product, home, form, docs, video, "
                  "profile or other (declared schema.org/og types first, then where the main content is).", required=True,
                  classes=PAGE_TYPES),
        Attribute("layout_pattern", pa.string(), "Dominant layout: hero, card-grid, sidebar, form, table, article or list-detail.", required=True,
                  classes=LAYOUTS,
                  derives_from=("layout_features",)),
        Attribute("layout_features", pa.list_(pa.string()), "Every layout pattern detected on the page."),
        Attribute("above_the_fold", pa.string(), "JSON: elements, headings, images and calls to action in the first viewport.",
                  nested=record(elements=pa.int64(), headings=pa.int64(), images=pa.int64(), ctas=pa.int64(), fold_px=pa.int64())),
        Attribute("primary_cta_above_fold", pa.bool_(), "A primary call to action is visible without scrolling."),
        Attribute("navigation_patterns", pa.list_(pa.string()), "Navigation patterns: menu, breadcrumbs, hamburger, tabs, sidebar-nav, footer-links.",
                  classes=NAVIGATION),
        Attribute("overlays", pa.list_(pa.string()), "Modals, popups and cookie banners present.", classes=OVERLAYS),
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
