"""One campaign over one stored capture: each attribute's value with its evidence, typed and validated.

Selectors run with parsel (CSS and XPath over lxml); schema.org values come from the capture's JSON-LD, microdata
and RDFa (the same extruct data the profiles read); prices with price-parser, numbers with babel for a locale,
dates with dateparser.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urljoin

import pyarrow as pa

from minedag.campaigns.model import Campaign, CampaignAttribute, Selector
from minedag.patterns import Selections, search
from minedag.profiles.page import PageView
from minedag.profiles.spec import BASE_COLUMNS, Attribute, MiningProfile

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(), "number": pa.float64(), "integer": pa.int64(), "boolean": pa.bool_(), "url": pa.string(),
    "date": pa.date32(), "currency": pa.struct([("amount", pa.float64()), ("currency", pa.string())]),
}
_TRUE, _FALSE = {"true", "yes", "1", "on", "in stock", "instock"}, {"false", "no", "0", "off", "out of stock", "outofstock"}


@dataclass
class Found:
    """One attribute on one page: the value (``None`` when nothing valid was found), where it came from, why not."""

    value: Any = None
    source: str | None = None  # "schema_org:Offer.price" or "selector:2" (its index in the file)
    error: str | None = None
    disagreement: str | None = None  # schema.org and the selectors gave different valid values
    tried: dict[str, bool] = field(default_factory=dict)  # selector label -> gave a valid value (learning)
    strategy: str = "all"  # "fast-track" when a learned reliable selector was tried alone first


def record_schema(campaign: Campaign) -> pa.Schema:
    """Columns of a campaign record: a profile record's base columns (the campaign's hash is its
    ``profile_version``), then per attribute its value, where it came from, why it is missing, and how schema.org
    and the selectors disagreed (both values)."""
    fields = [pa.field(n, t) for n, t, _d in BASE_COLUMNS]  # as a profile's records: bundles join them alike
    fields += [pa.field("campaign_version", pa.string()), pa.field("disagreements", pa.int64())]
    for a in campaign.attributes:
        fields += [pa.field(a.name, value_type(a))] + [pa.field(f"{a.name}__{part}", pa.string())
                                               for part in ("source", "error", "disagreement")]
    return pa.schema(fields)


def value_type(attribute: CampaignAttribute) -> pa.DataType:
    return pa.list_(ARROW_TYPES[attribute.type]) if attribute.multiple else ARROW_TYPES[attribute.type]


def as_profile(campaign: Campaign) -> MiningProfile:
    """The campaign as a profile named ``campaign_<name>`` (its record folder): functionalities and bundles read
    its attributes as ``campaign_<name>.<attribute>``, like a profile's."""
    attributes = tuple(Attribute(a.name, value_type(a), a.description, required=a.validation.required)
                       for a in campaign.attributes)
    return MiningProfile(name=f"campaign_{campaign.name}", version=campaign.version, description=campaign.description,
                         attributes=attributes, extract=lambda _page: {})


def extract(campaign: Campaign, view: PageView, fast_track: dict[str, str] | None = None) -> dict[str, Found]:
    """Every attribute of ``campaign`` on the page ``view`` shows. ``fast_track`` names, per attribute, a selector
    (by label) learned to be reliable on this site: it is tried alone first, and the others only if it fails."""
    page = Selections(view.capture.rendered_html or view.capture.raw_html or "<html></html>")
    declared = _Declared(view)
    return {a.name: find(a, declared, page, (fast_track or {}).get(a.name)) for a in campaign.attributes}


class _Declared:
    """The page's schema.org data (JSON-LD, microdata, RDFa only: the other syntaxes cost time and hold none),
    parsed on first use; the profiles' full extraction is reused when the view already has it."""

    def __init__(self, view: PageView):
        self.view, self.url = view, view.url

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        if "structured_data" in self.view.__dict__:
            return self.view.structured_data
        from minedag.profiles.page import extract_structured

        return extract_structured(self.view.capture.raw_html or self.view.capture.rendered_html, self.url,
                                  ("json-ld", "microdata", "rdfa"))


def find(attribute: CampaignAttribute, view: _Declared, page: Any, fast: str | None = None) -> Found:
    """Schema.org first (it is what the page declares), then the selectors; both kept when they disagree."""
    problems: list[str] = []
    declared = None
    if attribute.schema_org:
        pairs = list(schema_org_values(view.data, attribute.schema_org))
        declared = first_valid(attribute, [v for v, _ in pairs], view.url, problems, f"schema_org:{attribute.schema_org}")
        if declared is not None and attribute.type == "currency" and not attribute.multiple:
            declared.value["currency"] = declared.value["currency"] or pairs[0][1]  # the item's priceCurrency
    tried: dict[str, bool] = {}
    picked, strategy = None, "all"
    order = sorted(range(len(attribute.selectors)), key=lambda i: attribute.selectors[i].label != fast)
    for index in order:  # every fallback, so each one's record stays honest (a fast-track hit ends it)
        selector = attribute.selectors[index]
        found = priced(attribute, selector, page, first_valid(attribute, selected(selector, page, problems), view.url, problems,
                                                               f"selector:{index}"), lambda: declared_currency(view.data), problems)
        tried[selector.label] = found is not None
        picked = picked or found
        if selector.label == fast:
            strategy = "fast-track" if found is not None else "fast-track missed"
            if found is not None:
                break
    if declared is None and picked is None:
        return Found(error="; ".join(problems) or "no source matched", tried=tried, strategy=strategy)
    chosen = declared or picked
    assert chosen is not None
    disagreement = None
    if declared is not None and picked is not None and not same_value(declared.value, picked.value):
        disagreement = f"{declared.source}={declared.value!r} vs {picked.source}={picked.value!r}"
    return Found(chosen.value, chosen.source, None, disagreement, tried, strategy)


def priced(attribute: CampaignAttribute, selector: Selector, page: Selections, found: Found | None,
           page_currency: Callable[[], str | None], problems: list[str]) -> Found | None:
    """A selected amount is a price only with a currency: in its own text or next to it (its element's parent's
    text); for a machine-readable attribute (``content="12.99"``) the page's declared priceCurrency counts too.
    A number shown without one is a rating, a quantity or an ID."""
    if found is None or attribute.type != "currency":
        return found
    amounts = found.value if attribute.multiple else [found.value]
    if all(a["currency"] for a in amounts):
        return found
    from price_parser import Price

    try:
        around = page.select(selector.css, selector.xpath, "near")
    except ValueError:
        around = []
    nearby = next((c for text in around[: None if attribute.multiple else 1] if (c := Price.fromstring(text).currency)), None)
    machine_readable = selector.take.startswith("attr:")
    declared = page_currency() if nearby is not None or machine_readable else None
    currency = declared or nearby  # the declared code (USD) says more than a sign ($)
    if currency is None:
        problems.append(f"{found.source}: {amounts[0]['amount']:g} has no currency in or beside it (a rating, a quantity "
                        "or an ID?)")
        return None
    for amount in amounts:
        amount["currency"] = amount["currency"] or currency
    return found


def selected(selector: Selector, page: Selections, problems: list[str]) -> list[str] | None:
    """What the selector gives, or ``None`` with the reason in ``problems`` (an invalid or over-budget selector)."""
    try:
        return list(select(selector, page))
    except ValueError as exc:
        problems.append(f"{selector.label}: {exc}")
        return None


def same_value(a: Any, b: Any) -> bool:
    """Equal values; a price matches the same amount whose currency is missing or shown as a sign ($, €) rather than
    a code (USD)."""
    if isinstance(a, dict) and isinstance(b, dict):
        codes = [c for c in (a["currency"], b["currency"]) if c and re.fullmatch(r"[A-Z]{3}", c)]
        return a["amount"] == b["amount"] and (len(codes) < 2 or codes[0] == codes[1])
    return a == b


def first_valid(attribute: CampaignAttribute, raw: list[str] | None, base: str, problems: list[str], source: str) -> Found | None:
    if raw is None:
        return None
    if not raw:
        problems.append(f"{source}: no match")
        return None
    values = []
    for text in raw if attribute.multiple else raw[:1]:
        try:
            value = convert(attribute, text, base)
            why = invalid(attribute, value)
        except ValueError as exc:
            problems.append(f"{source}: {exc}")
            continue
        if why is not None:
            problems.append(f"{source}: {why}")
            continue
        values.append(value)
    if not values:
        return None
    return Found(values if attribute.multiple else values[0], source)


def select(selector: Selector, page: Selections) -> Iterator[str]:
    """The texts a selector gives on a page, in document order (within the budgets of ``minedag.patterns``).

    Raises:
        ValueError: the selector or its regex is invalid or ran over its budget.
    """
    for text in page.select(selector.css, selector.xpath, selector.take):
        if selector.regex is not None:
            match = search(selector.regex, text)
            if match is None:
                continue
            text = match.group(1) if match.groups() else match.group(0)
        yield text


def convert(attribute: CampaignAttribute, text: Any, base: str) -> Any:
    """Text (or a JSON-LD scalar) as the attribute's type, after its transforms. Raises ``ValueError`` with why not."""
    if isinstance(text, (int, float)) and not isinstance(text, bool) and attribute.type in ("number", "integer", "currency"):
        number = float(text)
        return _typed_number(attribute, number, None)
    value = str(text)
    for transform in attribute.transforms:
        value = {"trim": str.strip, "lower": str.lower, "upper": str.upper,
                 "collapse_whitespace": lambda s: re.sub(r"\s+", " ", s).strip()}[transform](value)
    if attribute.type == "string":
        return value
    if attribute.type == "url":
        url = urljoin(base, value)
        if not re.match(r"https?://", url):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return url
    if attribute.type == "boolean":
        if value.lower() in _TRUE or value.lower().endswith("/instock"):
            return True
        if value.lower() in _FALSE or value.lower().endswith("/outofstock"):
            return False
        raise ValueError(f"{value!r} is not a yes/no value")
    if attribute.type == "date":
        return _date(value, attribute.locale)
    if attribute.type == "currency":
        from price_parser import Price

        price = Price.fromstring(value, decimal_separator=_decimal_separator(attribute.locale))
        if price.amount is None:
            raise ValueError(f"no price in {value!r}")
        return _typed_number(attribute, float(price.amount), price.currency)
    return _typed_number(attribute, _number(value, attribute.locale), None)


def _typed_number(attribute: CampaignAttribute, number: float, currency: str | None) -> Any:
    if attribute.type == "integer":
        if number != int(number):
            raise ValueError(f"{number} is not a whole number")
        return int(number)
    if attribute.type == "currency":
        return {"amount": number, "currency": currency}
    return number


def _decimal_separator(locale: str | None) -> str | None:
    if not locale:
        return None
    from babel import Locale
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(Locale.parse(locale))


def _number(value: str, locale: str | None) -> float:
    cleaned = re.sub(r"[^\d,.\-+eE]", "", value)
    if locale:
        from babel.numbers import NumberFormatError, parse_decimal

        try:
            return float(parse_decimal(cleaned, locale=locale, strict=False))
        except NumberFormatError:
            raise ValueError(f"{value!r} is not a number in {locale}") from None
    try:
        return float(cleaned.replace(",", ""))
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def _date(value: str, locale: str | None) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        pass
    import dateparser

    parsed = dateparser.parse(value, locales=[locale.replace("_", "-")] if locale else None,
                              settings={"STRICT_PARSING": False, "PREFER_DAY_OF_MONTH": "first"})
    if parsed is None:
        raise ValueError(f"{value!r} is not a date")
    return parsed.date()


def invalid(attribute: CampaignAttribute, value: Any) -> str | None:
    """Why ``value`` breaks the attribute's validation, or ``None``."""
    rule = attribute.validation
    number = value["amount"] if isinstance(value, dict) else value
    if rule.range is not None and isinstance(number, (int, float)) and not rule.range[0] <= number <= rule.range[1]:
        return f"{number} is outside [{rule.range[0]:g}, {rule.range[1]:g}]"
    if rule.pattern is not None and not search(rule.pattern, str(number)):
        return f"{str(number)!r} does not match {rule.pattern}"
    if rule.enum is not None and str(number) not in rule.enum:
        return f"{str(number)!r} is not one of {rule.enum}"
    return None


def declared_currency(data: dict[str, Any]) -> str | None:
    """The first ``priceCurrency`` the page declares (JSON-LD, microdata or RDFa), or None."""
    for item in _items(data):
        props = item.get("properties", item)
        for key, value in props.items() if isinstance(props, dict) else ():
            if isinstance(key, str) and key.rsplit("/", 1)[-1] == "priceCurrency":
                return next((str(v) for v in _scalars(value)), None)
    return None


def schema_org_values(data: dict[str, Any], source: str) -> Iterator[tuple[Any, str | None]]:
    """Values of ``Type.property`` in JSON-LD, microdata and RDFa, in document order, each with its item's
    ``priceCurrency`` (how a price's currency is declared)."""
    wanted, prop = source.split(".", 1)
    for item in _items(data):
        types = item.get("@type", item.get("type"))
        names = {str(t).rsplit("/", 1)[-1] for t in (types if isinstance(types, list) else [types]) if t}
        if wanted not in names:
            continue
        props = item.get("properties", item)  # microdata keeps properties apart
        found = {key.rsplit("/", 1)[-1]: list(_scalars(value)) for key, value in props.items() if isinstance(key, str)}
        currency = next(iter(found.get("priceCurrency", [])), None)
        for value in found.get(prop, []):
            yield value, str(currency) if currency is not None else None


def _items(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _items(value)
    elif isinstance(data, list):
        for value in data:
            yield from _items(value)


def _scalars(value: Any) -> Iterable[Any]:
    if isinstance(value, list):
        for v in value:
            yield from _scalars(v)
    elif isinstance(value, dict):
        if "@value" in value:
            yield value["@value"]
    elif value is not None:
        yield value
