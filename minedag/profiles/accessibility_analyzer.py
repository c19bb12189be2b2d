"""Accessibility: axe-core results (its own engine, not re-implemented) plus AX-tree and DOM structure."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa

from minedag.profiles.page import INTERACTIVE_ROLES, PageView, to_json, whole_number
from minedag.profiles.spec import Attribute, MiningProfile, entries, record

LANDMARK_ROLES = ("banner", "navigation", "main", "contentinfo", "complementary", "search", "form", "region")


def extract(page: PageView) -> dict[str, Any]:
    axe = page.capture.axe or {}
    violations, reviews = axe.get("violations", []), axe.get("incomplete", [])
    by_impact = Counter()
    for rule in violations:
        by_impact[rule.get("impact") or "unknown"] += len(rule["nodes"])
    doc = page.doc
    fields = doc.xpath("//input[not(@type='hidden' or @type='submit' or @type='button' or @type='reset' or @type='image')]"
                       "|//select|//textarea") if doc is not None else []
    labelled = [f for f in fields if _has_label(doc, f)]
    images = doc.xpath("//img") if doc is not None else []
    headings = [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")] if doc is not None else []
    roles = page.role_counts()
    unnamed = [n for n in page.ax_nodes if n.get("role") in INTERACTIVE_ROLES and not (n.get("name") or "").strip()]
    tabindex = [n for v in (doc.xpath("//@tabindex") if doc is not None else []) if (n := whole_number(v)) is not None]
    focusable = sum(1 for n in page.ax_nodes if n.get("props", {}).get("focusable"))
    html = doc.find(".") if doc is not None else None
    return {
        "violation_rules": sorted(r["id"] for r in violations),
        "violations": to_json(_per_rule(violations)),
        "review_rules": sorted(r["id"] for r in reviews),
        "violation_nodes": sum(len(r["nodes"]) for r in violations) if axe else None,
        "violations_by_impact": to_json(dict(sorted(by_impact.items()))),
        "axe_outcomes": {"passes": len(axe.get("passes", [])), "incomplete": len(axe.get("incomplete", [])),
                         "inapplicable": len(axe.get("inapplicable", []))} if axe else None,
        "contrast_failures": sum(len(r["nodes"]) for r in violations if r["id"] == "color-contrast"),
        "form_label_coverage": round(len(labelled) / len(fields), 4) if fields else None,
        "image_alt_coverage": round(sum(1 for i in images if i.get("alt") is not None or i.get("role") in ("presentation", "none")) / len(images), 4) if images else None,
        "landmarks": sorted({role for role in roles if role in LANDMARK_ROLES}),
        "heading_order_ok": all(b <= a + 1 for a, b in zip(headings, headings[1:], strict=False)),
        "lang": (html.get("lang") or None) if html is not None else None,
        "focus": to_json({"focusable": focusable, "positive_tabindex": sum(1 for t in tabindex if t > 0)}),
        "ax_roles": to_json(dict(roles.most_common(40))),
        "unnamed_interactive": len(unnamed),
    }


def _per_rule(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per axe rule: its impact, WCAG tags, how many nodes and the CSS targets of the first ten."""
    return [{"rule": r["id"], "impact": r.get("impact"), "wcag": [t for t in r.get("tags", []) if t.startswith("wcag")],
             "nodes": len(r["nodes"]), "targets": [n["target"] for n in r["nodes"][:10]]} for r in results]


def _has_label(doc: Any, field: Any) -> bool:
    if field.get("aria-label") or field.get("aria-labelledby") or field.get("title"):
        return True
    ident = field.get("id")
    if ident and doc.xpath("//label[@for=$i]", i=ident):
        return True
    return any(a.tag == "label" for a in field.iterancestors())


PROFILE = MiningProfile(
    name="accessibility_analyzer",
    version="4",
    description="WCAG accessibility of a page: axe-core violations by rule and impact, labels, alt text, landmarks and the AX tree.",
    reads=("axe", "ax_tree", "rendered_html"),
    extract=extract,
    attributes=(
        Attribute("violation_rules", pa.list_(pa.string()), "Ids of the axe-core rules the page violates (e.g. image-alt).", required=True),
        Attribute("violations", pa.string(), "JSON: per violated rule its impact, WCAG tags, node count and CSS targets.",
                  nested=pa.list_(record(rule=pa.string(), impact=pa.string(), wcag=pa.list_(pa.string()), nodes=pa.int64(), targets=pa.list_(pa.list_(pa.string()))))),
        Attribute("review_rules", pa.list_(pa.string()), "Ids of the axe-core rules whose result on the page needs review "
                  "(axe's incomplete: it could not decide; its ACT conformance counts them as findings)."),
        Attribute("violation_nodes", pa.int64(), "Number of elements that violate any axe-core rule.", required=True,
                  derives_from=("violations", "violation_rules")),
        Attribute("violations_by_impact", pa.string(), "JSON: violating elements by impact (minor, moderate, serious, critical).",
                  nested=record(minor=pa.int64(), moderate=pa.int64(), serious=pa.int64(), critical=pa.int64()),
                  derives_from=("violations", "violation_rules")),
        Attribute("axe_outcomes", pa.struct([("passes", pa.int64()), ("incomplete", pa.int64()), ("inapplicable", pa.int64())]),
                  "How many axe-core rules passed, need review (incomplete) or did not apply.",
                  derives_from=("violations", "violation_rules")),
        Attribute("contrast_failures", pa.int64(), "Elements whose text fails WCAG colour contrast (axe color-contrast).",
                  derives_from=("violations", "violation_rules")),
        Attribute("form_label_coverage", pa.float64(), "Share of form fields with an accessible label (null without fields).",
                  derives_from=("violation_rules", "violations")),
        Attribute("image_alt_coverage", pa.float64(), "Share of images with alt text or a presentational role.",
                  derives_from=("violation_rules", "violations")),
        Attribute("landmarks", pa.list_(pa.string()), "ARIA landmark roles present (banner, navigation, main, contentinfo...)."),
        Attribute("heading_order_ok", pa.bool_(), "Headings never skip a level going down (h2 then h4 fails).",
                  derives_from=("violation_rules", "violations")),
        Attribute("lang", pa.string(), "The lang attribute of <html>: screen readers pick a voice from it.",
                  derives_from=("violation_rules", "violations")),
        Attribute("focus", pa.string(), "JSON: focusable elements in the AX tree and elements with a positive tabindex.",
                  nested=record(focusable=pa.int64(), positive_tabindex=pa.int64())),
        Attribute("ax_roles", pa.string(), "JSON: distribution of roles in the accessibility tree (top 40).",
                  nested=entries(pa.int64())),
        Attribute("unnamed_interactive", pa.int64(), "Interactive AX nodes (buttons, links, fields) without an accessible name.",
                  derives_from=("violation_rules", "violations")),
    ),
)
