"""Selectors to try where an attribute failed: found in the stored captures of those pages, from the names the
page itself uses (``itemprop``, ``data-*`` attributes, classes and ids, ``<label>`` text) for the attribute's words,
kept when they give a valid value, ranked by how many of the failed pages they fix."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from minedag.campaigns.extract import first_valid, selected
from minedag.campaigns.model import CampaignAttribute, Selector
from minedag.patterns import Selections
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


def suggest(attribute: CampaignAttribute, store: Store, failed: Iterable[str], top: int = 5) -> list[dict[str, Any]]:
    """The ``top`` selectors that give a valid value on most of the ``failed`` URLs' stored captures:
    ``[{"selector": {...}, "label", "pages", "example"}]``."""
    from parsel import Selector as Page

    fixes: Counter[str] = Counter()
    by_label: dict[str, Selector] = {}
    example: dict[str, Any] = {}
    for url in failed:
        pointer = store.latest(url)
        if pointer is None or not pointer.ok:
            continue
        try:
            capture = store.load_capture_id(pointer.capture_id)
        except CorruptFile:
            continue
        html = capture.rendered_html or capture.raw_html or "<html></html>"
        page, selections = Page(text=html), Selections(html)
        for selector in candidates(attribute, page):
            found = first_valid(attribute, selected(selector, selections, []), url, [], selector.label)
            if found is not None:
                fixes[selector.label] += 1
                by_label[selector.label] = selector
                example.setdefault(selector.label, found.value)
    return [{"selector": by_label[label].model_dump(exclude_none=True), "label": label, "pages": n,
             "example": example[label]} for label, n in fixes.most_common(top)]


def _xpath_text(text: str) -> str:
    return f'"{text}"' if '"' not in text else f"'{text}'"
