"""Workflows: forms, calls to action, the link graph, multi-step flows and Mind2Web-style action sequences."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from minedag.profiles.page import PageView, absolute_url, to_json
from minedag.profiles.spec import Attribute, MiningProfile, record

_PURPOSES = (("checkout", r"checkout|payment|shipping|billing"), ("signup", r"sign[ -]?up|register|create (an |your )?account"),
             ("login", r"log ?in|sign ?in|password"), ("search", r"search|\bq\b"), ("newsletter", r"newsletter|subscribe"),
             ("comment", r"comment|reply"), ("contact", r"contact|message"), ("cart", r"cart|quantity"),
             ("settings", r"settings|preferences|profile"))
_CTA = re.compile(r"\b(buy|shop|start|try|sign ?up|get|join|subscribe|add to cart|checkout|proceed|choose|book|download|contact)\b", re.I)


def extract(page: PageView) -> dict[str, Any]:
    doc = page.doc
    forms = [_form(page, f) for f in doc.iter("form")] if doc is not None else []
    ctas = _ctas(page)
    nav = sorted({urlsplit(link["url"]).path or "/" for link in page.links if link["internal"] and link["url"]})
    steps = doc.xpath("//*[contains(@class,'steps') or contains(@class,'progress') or @aria-current='step']") if doc is not None else []
    step_labels = [re.sub(r"\s+", " ", li.text_content()).strip() for s in steps for li in s.iter("li")][:10]
    return {
        "forms": to_json(forms),
        "form_count": len(forms),
        "field_count": sum(len(f["fields"]) for f in forms),
        "form_purposes": sorted({f["purpose"] for f in forms if f["purpose"]}),
        "calls_to_action": to_json(ctas[:20]),
        "primary_cta": ctas[0]["text"] if ctas else None,
        "link_graph": to_json({"page": urlsplit(page.url).path or "/", "internal_targets": nav[:200],
                               "external_hosts": sorted({urlsplit(x["url"]).hostname for x in page.links if x["external"]})}),
        "internal_link_count": sum(1 for link in page.links if link["internal"]),
        "multi_step": bool(step_labels) or any(f["purpose"] == "checkout" for f in forms),
        "flow_steps": step_labels,
        "action_sequences": to_json(_sequences(forms, ctas)),
        "interactive_count": sum(1 for e in page.elements if e.tag in ("a", "button", "input", "select", "textarea")),
    }


def _form(page: PageView, form: Any) -> dict[str, Any]:
    fields = []
    for field in form.xpath(".//input|.//select|.//textarea"):
        kind = field.get("type", "text" if field.tag == "input" else field.tag).lower()
        if kind in ("hidden", "submit", "button", "reset", "image"):
            continue
        fields.append({"name": field.get("name"), "type": kind, "required": field.get("required") is not None,
                       "validation": {k: field.get(k) for k in ("pattern", "minlength", "maxlength", "min", "max") if field.get(k)},
                       "label": _label(page, field), "selector": _selector(field),
                       "checked": field.get("checked") is not None if kind in ("checkbox", "radio") else None})
    submit = form.xpath(".//button[not(@type) or @type='submit'] | .//input[@type='submit']")
    text = " ".join([form.get("action") or "", form.get("id") or "", form.get("role") or "", form.text_content()[:400]]).lower()
    purpose = next((name for name, pattern in _PURPOSES if re.search(pattern, text)), None)
    return {"action": absolute_url(page.url, form.get("action") or ""), "method": (form.get("method") or "get").lower(),
            "purpose": purpose, "fields": fields, "selector": _selector(form),
            "submit": re.sub(r"\s+", " ", (submit[0].text_content() or submit[0].get("value") or "")).strip() if submit else None}


def _label(page: PageView, field: Any) -> str:
    if field.get("aria-label"):
        return field.get("aria-label")
    ident = field.get("id")
    if ident and page.doc is not None:
        labels = page.doc.xpath("//label[@for=$i]", i=ident)
        if labels:
            return re.sub(r"\s+", " ", labels[0].text_content()).strip()
    parent = next((a for a in field.iterancestors() if a.tag == "label"), None)
    return re.sub(r"\s+", " ", parent.text_content()).strip() if parent is not None else (field.get("placeholder") or "")


def _selector(el: Any) -> str:
    if el.get("id"):
        return f"#{el.get('id')}"
    if el.get("name"):
        return f"{el.tag}[name=\"{el.get('name')}\"]"
    cls = (el.get("class") or "").split()
    return el.tag + ("." + ".".join(cls[:2]) if cls else "")


def _ctas(page: PageView) -> list[dict[str, Any]]:
    """Buttons and links that ask for an action, most prominent first (size, position, CTA wording)."""
    out = []
    for e in page.elements:
        if e.tag not in ("a", "button") or not e.visible:
            continue
        text = (e.attrs.get("aria-label") or e.text or e.attrs.get("value") or "").strip()
        cls = e.attrs.get("class", "")
        is_button = e.tag == "button" or "btn" in cls
        if not is_button:
            continue
        x, y, w, h = e.bounds or (0, 0, 0, 0)
        out.append({"selector": page.dom_path.get(e.index, e.tag), "class": cls, "href": e.attrs.get("href"),
                    "area": round(w * h), "y": round(y), "text": text})
    for c in out:
        c["score"] = c["area"] / 1000 + (5 if _CTA.search(c["text"]) else 0) + (5 if "cta" in c["class"] or "primary" in c["class"] else 0) - c["y"] / 400
    return sorted(out, key=lambda c: -c["score"])


def _sequences(forms: list[dict[str, Any]], ctas: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Candidate action sequences in the style of Mind2Web: TYPE/SELECT/CLICK on stable selectors."""
    sequences = []
    for form in forms:
        steps = []
        for field in form["fields"]:
            if field["type"] in ("select", "select-one"):
                steps.append({"op": "SELECT", "selector": field["selector"], "name": field["label"], "value": "<option>"})
            elif field["type"] in ("checkbox", "radio"):
                if field["required"] or not field["checked"]:
                    steps.append({"op": "CLICK", "selector": field["selector"], "name": field["label"]})
            else:
                steps.append({"op": "TYPE", "selector": field["selector"], "name": field["label"], "value": f"<{field['name'] or field['type']}>"})
        steps.append({"op": "CLICK", "selector": f"{form['selector']} [type=submit]", "name": form["submit"] or "Submit"})
        sequences.append(steps)
    if ctas:
        sequences.append([{"op": "CLICK", "selector": ctas[0]["selector"], "name": ctas[0]["text"]}])
    return sequences


PROFILE = MiningProfile(
    name="workflow_predictor",
    version="2",
    description="What a user can do on the page: forms and their fields, calls to action, links onward and candidate action sequences.",
    reads=("rendered_html", "dom_snapshot"),
    extract=extract,
    attributes=(
        Attribute("forms", pa.string(), "JSON: each form with action, method, purpose, fields (name, type, required, validation, label) and submit text.",
                  nested=pa.list_(record(selector=pa.string(), action=pa.string(), method=pa.string(), purpose=pa.string(), submit=pa.string(), fields=pa.list_(record(name=pa.string(), type=pa.string(), label=pa.string(), selector=pa.string(), required=pa.bool_(), checked=pa.bool_(), validation=record(pattern=pa.string(), minlength=pa.string(), maxlength=pa.string(), min=pa.string(), max=pa.string())))))),
        Attribute("form_count", pa.int64(), "Number of forms on the page.", required=True,
                  derives_from=("forms",)),
        Attribute("field_count", pa.int64(), "Number of user-editable fields across forms.",
                  derives_from=("forms",)),
        Attribute("form_purposes", pa.list_(pa.string()), "What the forms are for: signup, login, checkout, search, newsletter...",
                  derives_from=("forms",)),
        Attribute("calls_to_action", pa.string(), "JSON: buttons and button-like links ranked by prominence (size, position, wording).",
                  nested=pa.list_(record(**{"text": pa.string(), "href": pa.string(), "selector": pa.string(),
                                           "class": pa.string(), "area": pa.int64(), "y": pa.int64(), "score": pa.float64()}))),
        Attribute("primary_cta", pa.string(), "Text of the most prominent call to action.",
                  derives_from=("calls_to_action",)),
        Attribute("link_graph", pa.string(), "JSON: internal link targets (paths) and external hosts: the navigation graph's edges.",
                  nested=record(page=pa.string(), internal_targets=pa.list_(pa.string()), external_hosts=pa.list_(pa.string()))),
        Attribute("internal_link_count", pa.int64(), "Links to pages on the same host.", required=True),
        Attribute("multi_step", pa.bool_(), "Part of a multi-step flow (progress indicator or checkout)."),
        Attribute("flow_steps", pa.list_(pa.string()), "Labels of the steps in a progress indicator."),
        Attribute("action_sequences", pa.string(), "JSON: Mind2Web-style candidate sequences of CLICK/TYPE/SELECT with selector and accessible name.",
                  nested=pa.list_(pa.list_(record(op=pa.string(), name=pa.string(), selector=pa.string(), value=pa.string()))),
                  derives_from=("forms", "calls_to_action")),
        Attribute("interactive_count", pa.int64(), "Links, buttons and fields in the rendered DOM."),
    ),
)
