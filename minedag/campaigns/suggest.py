"""Selectors to try where an attribute failed: found in the stored captures of those pages, from the names the
page itself uses (``itemprop``, ``data-*`` attributes, classes and ids, ``<label>`` text) for the attribute's words,
kept when they give a valid value, ranked by how many of the failed pages they fix."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from minedag.campaigns.extract import declared_currency, first_valid, priced, same_value, selected
from minedag.campaigns.model import CampaignAttribute, Selector
from minedag.patterns import Selections
from minedag.profiles.page import extract_structured
from minedag.store import CorruptFile, Store


def words(attribute: CampaignAttribute) -> list[str]:
    """The attribute's words (``product_price`` -> product, price) and its schema.org property's."""
    found = [w for w in attribute.name.split("_") if len(w) > 2]
    if attribute.schema_org:
        prop = attribute.schema_org.split(".", 1)[1]
        found += [w.lower() for w in re.findall(r"[A-Z]?[a-z]+", prop) if len(w) > 2] + [prop]
    return list(dict.fromkeys(found))


def candidates(attribute: CampaignAttribute, page: Any) -> list[Selector]:
    """Selectors the page's own markup suggests for the attribute's words."""
    out: list[Selector] = []
    for word in words(attribute):
        for node in page.xpath(f"//*[@itemprop={_xpath_text(word)}]"):
            out.append(Selector(css=f"[itemprop={word}]", take="attr:content" if "content" in node.attrib else "text"))
        for name in {a for n in page.xpath("//*[@*]") for a in n.attrib if a.startswith("data-") and word in a.lower()}:
            out.append(Selector(css=f"[{name}]", take=f"attr:{name}"))
            out.append(Selector(css=f"[{name}]"))
        for value in {c for n in page.xpath("//*[@class]") for c in n.attrib["class"].split() if word in c.lower()}:
            if re.fullmatch(r"[A-Za-z_][\w-]*", value):
                out.append(Selector(css=f".{value}"))
        for value in {n.attrib["id"] for n in page.xpath("//*[@id]") if word in n.attrib["id"].lower()}:
            if re.fullmatch(r"[A-Za-z_][\w-]*", value):
                out.append(Selector(css=f"#{value}"))
        for label in page.xpath("//label[@for]"):
            if word in " ".join(label.xpath(".//text()").getall()).lower():
                out.append(Selector(xpath=f"//*[@id={_xpath_text(label.attrib['for'])}]", take="attr:value"))
    unique = {s.label: s for s in out}
    return list(unique.values())


def declared_values(rows: Iterable[dict[str, Any]], attribute: str) -> dict[str, Any]:
    """URL -> the attribute's value on the campaign's pages where it came from schema.org: what suggestions are
    checked against."""
    return {r["url"]: r[attribute] for r in rows
            if r.get(attribute) is not None and str(r.get(f"{attribute}__source") or "").startswith("schema_org:")}


def suggest(attribute: CampaignAttribute, store: Store, failed: Iterable[str], declared: dict[str, Any] | None = None,
            top: int = 5) -> list[dict[str, Any]]:
    """The ``top`` selectors that give a valid value on most of the ``failed`` URLs' stored captures, checked on
    the pages whose value the page declares (``declared``: URL -> value): a selector that disagrees there more often
    than it agrees is not suggested. Ranked by agreement, then pages fixed, then label (the same order every run):
    ``[{"selector": {...}, "label", "pages", "agrees", "checked", "example"}]``."""
    fixes: Counter[str] = Counter()
    agrees: Counter[str] = Counter()
    checked: Counter[str] = Counter()
    by_label: dict[str, Selector] = {}
    example: dict[str, Any] = {}
    for url, known in [*((u, None) for u in failed), *(declared or {}).items()]:
        found = _tried(attribute, store, url)
        for label, (selector, value) in found.items():
            by_label[label] = selector
            if known is None:
                fixes[label] += 1
                example.setdefault(label, value)
            else:
                checked[label] += 1
                agrees[label] += same_value(value, known)
    ranked = sorted((label for label in fixes if agrees[label] * 2 >= checked[label]),
                    key=lambda label: (-(agrees[label] / checked[label] if checked[label] else 0.5), -fixes[label], label))
    return [{"selector": by_label[label].model_dump(exclude_none=True), "label": label, "pages": fixes[label],
             "agrees": agrees[label], "checked": checked[label], "example": example[label]} for label in ranked[:top]]


def _tried(attribute: CampaignAttribute, store: Store, url: str) -> dict[str, tuple[Selector, Any]]:
    """Label -> (selector, valid value) of every candidate selector that gives one on ``url``'s stored capture."""
    from parsel import Selector as Page

    pointer = store.latest(url)
    if pointer is None or not pointer.ok:
        return {}
    try:
        capture = store.load_capture_id(pointer.capture_id)
    except CorruptFile:
        return {}
    html = capture.rendered_html or capture.raw_html or "<html></html>"
    page, selections = Page(text=html), Selections(html)
    currency = functools.cache(lambda: declared_currency(extract_structured(capture.raw_html or html, url, ("json-ld", "microdata", "rdfa"))))
    out = {}
    for selector in candidates(attribute, page):
        problems: list[str] = []
        found = priced(attribute, selector, selections,
                       first_valid(attribute, selected(selector, selections, problems), url, problems, selector.label),
                       currency, problems)
        if found is not None:
            out[selector.label] = (selector, found.value)
    return out


def _xpath_text(text: str) -> str:
    return f'"{text}"' if '"' not in text else f"'{text}'"
