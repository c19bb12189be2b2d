"""Workflows: forms, calls to action, the link graph, multi-step flows and Mind2Web-style action sequences."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from minedag.profiles.page import PageView, absolute_url, to_json
from minedag.profiles.page_type import main_content, page_type
from minedag.profiles.spec import Attribute, MiningProfile, record

_PURPOSES = (("checkout", r"checkout|payment|shipping|billing"), ("signup", r"sign[ -]?up|register|create (an |your )?account"),
             ("login", r"log ?in|sign ?in|password"), ("search", r"search|\bq\b"), ("newsletter", r"newsletter|subscribe"),
             ("comment", r"comment|reply"), ("contact", r"contact|message"), ("cart", r"cart|quantity"),
             ("settings", r"settings|preferences|profile"))
_CTA = re.compile(r"\b(buy|shop|start|try|sign ?up|get|join|subscribe|add to cart|checkout|proceed|choose|book|download|contact)\b", re.I)
# What a business wants the visitor to do: the wording of a conversion.
_CONVERSION = re.compile(r"\b(buy|shop|order|start|try|sign ?up|get|join|subscribe|add to (cart|basket|bag)|checkout|proceed|book|"
                         r"download|register|donate|contact|request|claim|take me|yes|install|upgrade|free|apply|enrol+)\b", re.I)
# Controls that are never the page's call to action: sharing, following, closing, navigation, search, login, comments.
_NOT_CTA = re.compile(r"\b(share|tweet|pin it|follow|like|recommend|print|close|dismiss|menu|search|log ?in|sign ?in|skip|reply|"
                      r"comment|previous|back|gallery|read more|publish)\b|^\W*$", re.I)
# Parts of a page that hold no call to action of the page's own (names of the element or of its containers).
_CHROME = {"header", "masthead", "nav", "navbar", "navigation", "menu", "footer", "sidebar", "rail", "share", "sharing",
           "social", "follow", "comment", "comments", "login", "signin", "related", "recommended", "breadcrumb",
           "breadcrumbs", "toolbar", "pagination", "widget", "cookie", "consent"}
_CHROME_TAGS = {"header", "nav", "footer"}
_BUTTON_NAME = {"btn", "button", "cta"}
_CONVERSION_NAME = {"download", "buy", "order", "signup", "subscribe", "checkout", "cart", "trial", "pricing", "join"}


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
        "form_purposes": sorted({f["purpose"] for f in forms if f["purpose"]}
                                | ({"search"} if doc is not None and _standalone_search(doc) else set())),
        "calls_to_action": to_json(ctas[:20]),
        "primary_cta": primary_cta(page),
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
    purpose = _purpose(form, fields, text)
    return {"action": absolute_url(page.url, form.get("action") or ""), "method": (form.get("method") or "get").lower(),
            "purpose": purpose, "fields": fields, "selector": _selector(form),
            "submit": re.sub(r"\s+", " ", (submit[0].text_content() or submit[0].get("value") or "")).strip() if submit else None}


# What a form is for, in several languages: what its fields are first (a password, a search box), then its words.
_SEARCH_WORDS = re.compile(r"search|suche|recherch|buscar|b[uú]squeda|cerca|ricerca|zoek|szukaj|pesquis|поиск|検索|搜索|검색", re.I)
_SIGNUP_WORDS = re.compile(r"sign[ -]?up|regist|create (an |your )?account|join (us|now|free)|inscri|konto erstellen|"
                           r"crear (una )?cuenta|crea(re)? (un )?account|créer (un )?compte", re.I)
_SEARCH_FIELDS = {"q", "s", "k", "query", "search", "keyword", "keywords", "term", "terms", "searchterm", "search_query", "searchtext"}


def _purpose(form: Any, fields: list[dict[str, Any]], text: str) -> str | None:
    """checkout by its words; signup or login when the form asks for a password (two, or sign-up words: signup); search when it has a
    search box (type=search, role=search, a field named q/query/search..., or search words in its names); else the
    first purpose its words name."""
    names = " ".join(filter(None, [form.get("class"), form.get("id"), form.get("aria-label"), form.get("action"),
                                   *(f"{f.get('name') or ''} {f.get('label') or ''}" for f in fields),
                                   *(e.get("placeholder") or "" for e in form.iter("input"))])).lower()
    if re.search(_PURPOSES[0][1], text):  # a checkout asks for an account's password too
        return "checkout"
    passwords = sum(1 for f in fields if f["type"] == "password")
    if passwords:
        return "signup" if passwords >= 2 or _SIGNUP_WORDS.search(f"{names} {text}") else "login"
    typed = [f for f in fields if f["type"] not in ("checkbox", "radio")]
    if any(f["type"] == "search" for f in fields) or form.get("role") == "search" or (
            0 < len(typed) <= 3 and (any((f["name"] or "").lower() in _SEARCH_FIELDS for f in typed) or _SEARCH_WORDS.search(names))):
        return "search"
    return next((name for name, pattern in _PURPOSES if re.search(pattern, text)), None)


def _standalone_search(doc: Any) -> bool:
    """A site-search box outside any form (a script sends it): type=search, role=searchbox, or a text box named or
    labelled for searching."""
    for field in doc.xpath("//input[not(ancestor::form)]"):
        kind = (field.get("type") or "text").lower()
        hints = " ".join(field.get(a) or "" for a in ("name", "id", "class", "placeholder", "aria-label"))
        if kind == "search" or field.get("role") == "searchbox" or (kind == "text" and _SEARCH_WORDS.search(hints)):
            return True
    return False


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


def primary_cta(page: PageView) -> str | None:
    """The text of the page's main call to action (``../shared/labels`` defines it), else ``None``.

    On an article or docs page only a conversion inside the main content or right after it counts: the submit of an
    opt-in form (it asks for an e-mail or a URL) or a button-like control worded as a conversion, the first one in
    reading order. On other pages, the most prominent such control outside the header, navigation and footer.
    Controls hidden in the rendered page do not count.
    """
    doc = page.doc
    if doc is None:
        return None
    shown = _shown_controls(page)
    kind = page_type(page)
    if kind in ("article", "docs"):
        container, _ = main_content(doc, comments=False)
        if container is None:
            return None
        region = _article_region(container)
        for box in (region, *_boxes_after(region)):
            for el in box.iter("a", "button", "input"):
                text = _control_text(el)
                if _is_cta(el, text, box) and (shown is None or (el.tag, text) in shown):
                    return text
        return None
    best: tuple[float, str] | None = None
    for el in doc.iter("a", "button", "input"):
        text = _control_text(el)
        if not _is_cta(el, text, None):
            continue
        box = shown.get((el.tag, text)) if shown is not None else (0, 0, 0, 0)
        if box is None:
            continue
        score = box[2] * box[3] / 1000 + (5 if _parts(el) & _BUTTON_NAME or el.tag != "a" else 0) - box[1] / 400
        if best is None or score > best[0]:
            best = (score, text)
    return best[1] if best else None


def _article_region(container: Any) -> Any:
    """The article around its main text: the ``<article>`` holding it, else a ``<main>`` at most two levels up, else
    the text's own container."""
    around = (container, *container.iterancestors())
    article = next((el for el in around if el.tag == "article"), None)
    if article is not None:
        return article
    return next((el for el in around[:3] if el.tag == "main" or el.get("role") == "main"), container)


def _boxes_after(region: Any, count: int = 4) -> list[Any]:
    """The boxes right after the article (what closes it: a subscribe box, a call to action), not page chrome."""
    out = []
    for sibling in region.itersiblings():
        if not isinstance(sibling.tag, str) or sibling.tag in ("script", "style", "hr", "br", "template", "noscript"):
            continue
        if len(out) == count:
            break
        out.append(sibling)
    return [box for box in out if box.tag not in _CHROME_TAGS and box.tag != "aside" and not _parts(box) & _CHROME]


def _is_cta(el: Any, text: str, region: Any) -> bool:
    """A conversion control, not inside page chrome (within ``region`` when given; up to ``<body>`` otherwise)."""
    if not text or len(text) > 60 or _NOT_CTA.search(text):
        return False
    for a in (el, *el.iterancestors()):
        if a.tag == "body":
            break
        if a is region:
            if _hidden(a):
                return False
            break
        if a.tag in _CHROME_TAGS or (region is None and a.tag == "aside") or _parts(a) & _CHROME or _hidden(a):
            return False
    form = next((a for a in el.iterancestors() if a.tag == "form"), None)
    submits = el.tag == "button" and (el.get("type") or "submit") == "submit" or (el.tag == "input" and el.get("type") == "submit")
    if form is not None and submits:
        return _opt_in_form(form)
    if el.tag == "input" or not _CONVERSION.search(text):
        return False
    return el.tag == "button" or bool(_parts(el) & _BUTTON_NAME) or (region is None and bool(_parts(el) & _CONVERSION_NAME))


def _opt_in_form(form: Any) -> bool:
    """A form that signs the visitor up: it asks for an e-mail address or a URL, not a password, search or comment."""
    if form.xpath(".//input[@type='password' or @type='search'] | .//textarea") or "search" in (form.get("action") or "").lower():
        return False
    return bool(form.xpath(".//input[@type='email' or @type='url'] | .//input[contains(translate(@name, 'EMAIL', 'email'), 'email')]"))


def _shown_controls(page: PageView) -> dict[tuple[str, str], tuple[float, float, float, float]] | None:
    """(tag, text) -> box of each control the rendered page shows; ``None`` without a DOM snapshot (HTML only)."""
    if not page.elements:
        return None
    shown: dict[tuple[str, str], tuple[float, float, float, float]] = {}
    for e in page.elements:
        if e.tag in ("a", "button", "input") and e.visible and e.bounds:
            text = " ".join((e.text or e.attrs.get("value") or e.attrs.get("aria-label") or "").split())
            shown.setdefault((e.tag, text), e.bounds)
    return shown


def _control_text(el: Any) -> str:
    text = el.get("value") if el.tag == "input" else el.text_content()
    return " ".join((text or el.get("aria-label") or "").split())


def _parts(el: Any) -> set[str]:
    return set(re.split(r"[\s_\-]+", f"{el.get('id') or ''} {el.get('class') or ''}".lower())) - {""}


def _hidden(el: Any) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style or el.get("hidden") is not None or el.get("aria-hidden") == "true"


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
    version="5",
    description="What a user can do on the page: forms and their fields, calls to action, links onward and candidate action sequences.",
    reads=("rendered_html", "dom_snapshot", "raw_html"),
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
