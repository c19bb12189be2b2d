"""Components: UI components found in the rendered DOM, their structure, props, styles, states and reuse."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from typing import Any

import pyarrow as pa

from minedag.profiles.page import Element, PageView, to_json, whole_number
from minedag.profiles.spec import Attribute, MiningProfile, entries, record


def component_type(e: Element) -> str | None:
    """Classify an element as a UI component type, or None."""
    cls, role, tag = e.attrs.get("class", "").lower(), e.attrs.get("role", ""), e.tag
    if tag == "nav" or role == "navigation":
        return "breadcrumbs" if "breadcrumb" in cls or "breadcrumb" in e.attrs.get("aria-label", "").lower() else "nav"
    if role == "dialog" or role == "alertdialog" or tag == "dialog" or "modal" in cls.split():
        return "modal"
    if role == "tablist":
        return "tabs"
    if "carousel" in cls or e.attrs.get("aria-roledescription") == "carousel":
        return "carousel"
    if "cookie" in cls or "consent" in e.attrs.get("aria-label", "").lower():
        return "cookie_banner"
    if tag in ("header", "footer") or "hero" in cls.split():
        return "hero" if "hero" in cls.split() else tag
    if "card" in cls.split():
        return "card"
    if tag == "button" or role == "button" or "btn" in cls.split():
        return "button"
    if tag == "form" or role == "search":
        return "form"
    if tag == "table":
        return "table"
    if tag in ("ul", "ol") and e.attrs.get("class") != "steps":
        return "list"
    if "steps" in cls or "progress" in cls:
        return "stepper"
    if "badge" in cls.split() or "avatar" in cls.split():
        return "badge" if "badge" in cls else "avatar"
    return None


def extract(page: PageView) -> dict[str, Any]:
    children: dict[int, list[Element]] = defaultdict(list)
    for e in page.elements:
        children[e.parent].append(e)
    found: list[tuple[str, Element, str]] = []
    for e in page.elements:
        kind = component_type(e)
        if kind:
            found.append((kind, e, _signature(e, children)))
    types = Counter(kind for kind, _e, _s in found)
    signatures = Counter(f"{kind}:{sig}" for kind, _e, sig in found)
    reusable = sum(c for c in signatures.values() if c > 1)
    layout = Counter(_layout(e) for e in page.elements if e.styles and _layout(e))
    animated = [e for e in page.elements if e.styles.get("animation-name", "none") not in ("none", "")]
    transitions = [e for e in page.elements if e.styles.get("transition-property", "all") not in ("all", "none", "")]
    states = _states(page)
    a11y: dict[str, Counter] = defaultdict(Counter)
    for kind, e, _sig in found:
        for attr in e.attrs:
            if attr.startswith("aria-") or attr in ("role", "tabindex", "alt", "for"):
                a11y[kind][attr] += 1
    return {
        "component_types": sorted(types),
        "components": to_json(dict(types.most_common())),
        "component_count": len(found),
        "signatures": to_json(dict(signatures.most_common(40))),
        "reusability_score": round(reusable / len(found), 4) if found else None,
        "prop_types": to_json(_props(found)),
        "style_patterns": to_json(_styles(found)),
        "layout_methods": to_json(dict(layout.most_common())),
        "responsive_breakpoints": sorted({int(p) for c in page.capture.stylesheets.get("media", [])
                                          for p in __import__("re").findall(r"(\d+)px", c)}),
        "accessibility_features": to_json({k: dict(v) for k, v in sorted(a11y.items())}),
        "animations": to_json({"animated_elements": len(animated),
                               "names": sorted({e.styles["animation-name"] for e in animated}),
                               "transitions": len(transitions)}),
        "state_patterns": states,
        "max_nesting_depth": _depth(page.elements),
    }


def _signature(e: Element, children: dict[int, list[Element]]) -> str:
    """Structure of a subtree two levels deep (tags only): instances with equal signatures are reuses."""
    def shape(node: Element, depth: int) -> str:
        kids = children.get(node.index, [])
        if depth == 0 or not kids:
            return node.tag
        return node.tag + "(" + ",".join(shape(k, depth - 1) for k in kids[:12]) + ")"
    return hashlib.sha1(shape(e, 2).encode()).hexdigest()[:10]


def _props(found: list[tuple[str, Element, str]]) -> dict[str, dict[str, str]]:
    """Attributes that differ between instances of one signature become props, typed by their values."""
    by_sig: dict[str, list[Element]] = defaultdict(list)
    for kind, e, sig in found:
        by_sig[f"{kind}:{sig}"].append(e)
    props: dict[str, dict[str, str]] = {}
    for sig, items in by_sig.items():
        if len(items) < 2:
            continue
        keys = set().union(*(i.attrs for i in items))
        varying = {k for k in keys if len({i.attrs.get(k) for i in items}) > 1}
        if varying:
            props[sig] = {k: _type_of([i.attrs.get(k) for i in items]) for k in sorted(varying)}
    return props


def _type_of(values: list[str | None]) -> str:
    present = [v for v in values if v is not None]
    if len(present) < len(values):
        suffix = "?"
    else:
        suffix = ""
    if present and all(whole_number(v) is not None for v in present):
        return "number" + suffix
    if present and all(v in ("true", "false") for v in present):
        return "boolean" + suffix
    return "string" + suffix


def _styles(found: list[tuple[str, Element, str]]) -> dict[str, dict[str, str]]:
    """The most common style of each component type (colour, background, radius, padding, shadow)."""
    out: dict[str, dict[str, str]] = {}
    by_type: dict[str, list[Element]] = defaultdict(list)
    for kind, e, _sig in found:
        by_type[kind].append(e)
    for kind, items in sorted(by_type.items()):
        out[kind] = {prop: Counter(i.styles.get(prop, "") for i in items).most_common(1)[0][0]
                     for prop in ("display", "color", "background-color", "border-radius", "padding-top", "box-shadow")}
    return out


def _layout(e: Element) -> str | None:
    display, position = e.styles.get("display", ""), e.styles.get("position", "")
    if display in ("flex", "inline-flex"):
        return "flex"
    if display in ("grid", "inline-grid"):
        return "grid"
    if position in ("absolute", "fixed", "sticky"):
        return f"position:{position}"
    return None


def _states(page: PageView) -> list[str]:
    states = set()
    for e in page.elements:
        for attr, state in (("disabled", "disabled"), ("aria-disabled", "disabled"), ("aria-expanded", "expanded"),
                            ("aria-selected", "selected"), ("checked", "checked"), ("aria-checked", "checked"),
                            ("aria-pressed", "pressed"), ("aria-current", "current"), ("hidden", "hidden")):
            if attr in e.attrs:
                states.add(state)
    css = " ".join(page.capture.raw_html.split("<style")[1:]) if "<style" in page.capture.raw_html else ""
    if any(s.get("cursor") == "pointer" for s in (e.styles for e in page.elements)):
        states.add("hover")
    if ":focus" in css or page.capture.stylesheets.get("customProperties"):
        states.add("focus")
    return sorted(states)


def _depth(elements: list[Element]) -> int:
    parent = {e.index: e.parent for e in elements}
    best = 0
    for e in elements:
        depth, cur = 0, e.index
        while cur in parent and depth < 200:
            cur, depth = parent[cur], depth + 1
        best = max(best, depth)
    return best


PROFILE = MiningProfile(
    name="component_generator",
    version="3",
    description="Reusable UI components of the page (nav, cards, buttons, forms, modals, tables...) with structure, props, styles and states.",
    reads=("dom_snapshot", "stylesheets", "raw_html"),
    extract=extract,
    attributes=(
        Attribute("component_types", pa.list_(pa.string()), "Kinds of UI component present (nav, card, button, form, modal...).", required=True,
                  derives_from=("components",)),
        Attribute("components", pa.string(), "JSON: number of instances of each component type.",
                  nested=entries(pa.int64())),
        Attribute("component_count", pa.int64(), "Total component instances detected.", required=True,
                  derives_from=("components",)),
        Attribute("signatures", pa.string(), "JSON: subtree signatures (type:hash of the tag structure) with instance counts.",
                  nested=entries(pa.int64()),
                  derives_from=("components", "prop_types")),
        Attribute("reusability_score", pa.float64(), "Share of component instances whose signature occurs more than once."),
        Attribute("prop_types", pa.string(), "JSON: for repeated components, attributes that vary between instances and their inferred types.",
                  nested=entries(entries(pa.string()))),
        Attribute("style_patterns", pa.string(), "JSON: the typical display, colours, radius, padding and shadow of each component type.",
                  nested=entries(entries(pa.string()))),
        Attribute("layout_methods", pa.string(), "JSON: elements laid out with flex, grid and absolute/fixed/sticky positioning.",
                  nested=entries(pa.int64())),
        Attribute("responsive_breakpoints", pa.list_(pa.int64()), "Pixel widths at which the stylesheets change layout."),
        Attribute("accessibility_features", pa.string(), "JSON: ARIA and role attributes used per component type.",
                  nested=entries(entries(pa.int64())),
                  derives_from=("components",)),
        Attribute("animations", pa.string(), "JSON: animated elements, animation names and elements with transitions.",
                  nested=record(animated_elements=pa.int64(), names=pa.list_(pa.string()), transitions=pa.int64())),
        Attribute("state_patterns", pa.list_(pa.string()), "Interaction states in use: hover, focus, disabled, expanded, selected, checked..."),
        Attribute("max_nesting_depth", pa.int64(), "Deepest element nesting in the rendered DOM."),
    ),
)
