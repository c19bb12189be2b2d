"""Design system: palette, type scale, spacing, radii, shadows, tokens, breakpoints and consistency."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Any

import pyarrow as pa

from minedag.profiles.page import PageView, px, to_json, whole_number
from minedag.profiles.spec import Attribute, MiningProfile, entries, record

_SPACING = ("margin-top", "margin-right", "margin-bottom", "margin-left", "padding-top", "padding-right",
            "padding-bottom", "padding-left", "gap")


def extract(page: PageView) -> dict[str, Any]:
    visible = [e for e in page.elements if e.visible and e.styles]
    colors, families, sizes, weights, heights, spacing, radii, shadows, z = (Counter() for _ in range(9))
    for e in visible:
        st = e.styles
        if e.text or e.tag not in ("html", "body"):
            colors[_hex(st.get("color", ""))] += 1
        bg = _hex(st.get("background-color", ""))
        if bg != "transparent":
            colors[bg] += 1
        families[st.get("font-family", "").split(",")[0].strip().strip('"')] += 1
        sizes[st.get("font-size", "")] += 1
        weights[st.get("font-weight", "")] += 1
        heights[st.get("line-height", "")] += 1
        for prop in _SPACING:
            value = st.get(prop, "0px")
            if value not in ("0px", "normal", "auto", ""):
                spacing[value] += 1
        if st.get("border-radius", "0px") != "0px":
            radii[st["border-radius"]] += 1
        if st.get("box-shadow", "none") != "none":
            shadows[st["box-shadow"]] += 1
        if st.get("z-index", "auto") != "auto" and st.get("position") != "static":
            z[st["z-index"]] += 1
    colors.pop("", None)
    props = page.capture.stylesheets.get("customProperties", {})
    scale = _declared_scale(props)
    off = _off_scale(scale, colors, sizes, spacing)
    used = sum(colors.values()) + sum(sizes.values()) + sum(spacing.values())
    off_count = sum(count for _kind, _value, count in off)
    return {
        "palette": to_json(dict(colors.most_common(30))),
        "color_count": len(colors),
        "font_families": [f for f, _ in families.most_common(10) if f],
        "type_scale": to_json(dict(sorted(sizes.items(), key=lambda kv: px(kv[0])))),
        "font_weights": sorted(w for w in weights if w),
        "line_heights": [h for h, _ in heights.most_common(10) if h],
        "spacing_scale": to_json(dict(sorted(spacing.items(), key=lambda kv: px(kv[0])))),
        "radii": sorted(radii, key=px),
        "shadows": [s for s, _ in shadows.most_common(10)],
        "custom_properties": to_json(props),
        "breakpoints": sorted({int(m) for cond in page.capture.stylesheets.get("media", []) for m in re.findall(r"(\d+)px", cond)}),
        "z_index_scale": sorted({n for v in z if (n := whole_number(v)) is not None}),
        "consistency_score": round(100 * (1 - off_count / used), 1) if used else None,
        "off_scale_values": to_json([{"kind": k, "value": v, "count": c} for k, v, c in off[:30]]),
        "design_tokens": to_json(_dtcg(props)),
    }


def _declared_scale(props: dict[str, str]) -> dict[str, set[str]]:
    """The site's own scale: values of its CSS custom properties, normalised like computed values."""
    scale: dict[str, set[str]] = {"color": set(), "size": set()}
    for value in props.values():
        value = value.strip()
        if value.startswith("#") or value.startswith("rgb"):
            scale["color"].add(_hex(value))
        elif re.fullmatch(r"-?\d+(\.\d+)?px", value):
            scale["size"].add(value)
    return scale


def _off_scale(scale: dict[str, set[str]], colors: Counter, sizes: Counter, spacing: Counter) -> list[tuple[str, str, int]]:
    """Values not on the declared scale (or, without tokens, outside the values covering 80% of uses)."""
    def allowed(counter: Counter, declared: set[str]) -> set[str]:
        if declared:
            return declared | {"#ffffff", "#000000", "transparent"}
        total, keep, running = sum(counter.values()), set(), 0
        for value, count in counter.most_common():
            if running >= 0.8 * total:
                break
            keep.add(value)
            running += count
        return keep

    out = []
    for kind, counter, declared in (("color", colors, scale["color"]), ("font-size", sizes, scale["size"]),
                                    ("spacing", spacing, scale["size"])):
        ok = allowed(counter, declared)
        if kind == "spacing" and declared:
            # Compound values (e.g. 88px header offset) are fine when they are sums of two tokens.
            ok |= {f"{px(a) + px(b):g}px" for a in declared for b in declared}
        out += [(kind, v, c) for v, c in counter.most_common() if v not in ok and not (kind == "color" and v.endswith("00"))]
    return sorted(out, key=lambda t: -t[2])


def _dtcg(props: dict[str, str]) -> dict[str, Any]:
    """CSS custom properties as W3C Design Tokens (DTCG): grouped by type, each with a stable id."""
    tokens: dict[str, Any] = {}
    for name, value in sorted(props.items()):
        kind = ("color" if re.match(r"^(#|rgb|hsl)", value) else "dimension" if re.fullmatch(r"-?\d+(\.\d+)?(px|rem|em)", value)
                else "fontFamily" if "," in value or "font" in name else "shadow" if "rgba" in value and "px" in value
                else "number" if re.fullmatch(r"-?\d+(\.\d+)?", value) else "other")
        token_id = "tok_" + hashlib.sha1(f"{name}={value}".encode()).hexdigest()[:10]
        tokens.setdefault(kind, {})[name.lstrip("-")] = {"$value": value, "$type": kind, "$extensions": {"minedag.id": token_id}}
    return tokens


def _hex(css: str) -> str:
    m = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)", css.strip())
    if not m:
        return css.strip().lower()
    if m.group(4) is not None and float(m.group(4)) == 0:
        return "transparent"
    return "#{:02x}{:02x}{:02x}".format(*tuple(int(m.group(i)) for i in (1, 2, 3)))


PROFILE = MiningProfile(
    name="design_system_analyzer",
    version="2",
    description="The page's design system from computed styles: colours, type, spacing, radii, shadows, tokens and how consistently they are used.",
    reads=("dom_snapshot", "stylesheets"),
    extract=extract,
    attributes=(
        Attribute("palette", pa.string(), "JSON: colours (hex) used for text and backgrounds, with usage counts.", required=True,
                  nested=entries(pa.int64())),
        Attribute("color_count", pa.int64(), "Number of distinct colours in use.", required=True,
                  derives_from=("palette",)),
        Attribute("font_families", pa.list_(pa.string()), "Primary font families in use, most used first.", required=True),
        Attribute("type_scale", pa.string(), "JSON: computed font sizes with usage counts, smallest first.",
                  nested=entries(pa.int64())),
        Attribute("font_weights", pa.list_(pa.string()), "Distinct font weights in use."),
        Attribute("line_heights", pa.list_(pa.string()), "Most used computed line heights."),
        Attribute("spacing_scale", pa.string(), "JSON: margin, padding and gap values with usage counts.",
                  nested=entries(pa.int64())),
        Attribute("radii", pa.list_(pa.string()), "Distinct border radii in use."),
        Attribute("shadows", pa.list_(pa.string()), "Most used box shadows."),
        Attribute("custom_properties", pa.string(), "JSON: CSS custom properties (design tokens) declared by the stylesheets.",
                  nested=entries(pa.string())),
        Attribute("breakpoints", pa.list_(pa.int64()), "Pixel breakpoints of the stylesheets' @media queries."),
        Attribute("z_index_scale", pa.list_(pa.int64()), "Distinct z-index values on positioned elements."),
        Attribute("consistency_score", pa.float64(), "Percent of colour, font-size and spacing uses that are on the site's scale.", required=True,
                  derives_from=("off_scale_values", "palette", "type_scale", "spacing_scale", "custom_properties")),
        Attribute("off_scale_values", pa.string(), "JSON: values that break the scale, with kind and count.",
                  nested=pa.list_(record(kind=pa.string(), value=pa.string(), count=pa.int64())),
                  derives_from=("palette", "type_scale", "spacing_scale", "custom_properties")),
        Attribute("design_tokens", pa.string(), "JSON: the tokens in W3C Design Tokens (DTCG) format, each with a stable id.",
                  nested=pa.json_(),
                  derives_from=("custom_properties",)),
    ),
)
