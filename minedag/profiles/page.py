"""``PageView``: parsed, memoised views of one capture shared by every profile (Lighthouse's computed artifacts)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from minedag.capture.model import COMPUTED_STYLES, PageCapture

INTERACTIVE_ROLES = {"button", "link", "checkbox", "radio", "textbox", "combobox", "menuitem", "tab", "switch",
                     "searchbox", "slider", "spinbutton", "option", "listbox"}


@dataclass
class Element:
    """One element of the rendered DOM with its computed styles and box (from CDP DOMSnapshot)."""

    index: int
    tag: str
    attrs: dict[str, str]
    parent: int
    backend_id: int
    styles: dict[str, str]
    bounds: tuple[float, float, float, float] | None  # x, y, width, height
    text: str = ""

    @property
    def visible(self) -> bool:
        return bool(self.bounds and self.bounds[2] > 0 and self.bounds[3] > 0 and self.styles.get("visibility") != "hidden")


_SUBRESOURCE_TYPES = {"Stylesheet", "Script", "Font", "Image", "Media", "XHR", "Fetch"}
_PLACEHOLDER = re.compile(r"\blorem ipsum\b|\bdolor sit amet\b|\bconsectetur adipiscing\b", re.I)


class PageView:
    """Lazily parsed views of a ``PageCapture``: computed once, read by every profile."""

    def __init__(self, capture: PageCapture):
        self.capture = capture

    @property
    def url(self) -> str:
        return self.capture.final_url or self.capture.url

    @cached_property
    def doc(self) -> Any:
        """The rendered DOM parsed by lxml (falls back to the raw HTML)."""
        return _parse(self.capture.rendered_html or self.capture.raw_html)

    @cached_property
    def raw_doc(self) -> Any:
        """The HTML as served (before scripts ran), for crawlability checks."""
        return _parse(self.capture.raw_html or self.capture.rendered_html)

    @cached_property
    def elements(self) -> list[Element]:
        """Elements of the DOM snapshot with computed styles and bounds."""
        snap = self.capture.dom_snapshot
        if not snap:
            return []
        strings: list[str] = snap["strings"]
        doc = snap["document"]
        nodes, layout = doc["nodes"], doc["layout"]
        s = lambda i: strings[i] if isinstance(i, int) and 0 <= i < len(strings) else ""  # noqa: E731
        styles_by_node: dict[int, dict[str, str]] = {}
        bounds_by_node: dict[int, tuple[float, float, float, float]] = {}
        for li, node_index in enumerate(layout["nodeIndex"]):
            values = layout["styles"][li]
            styles_by_node[node_index] = {name: s(v) for name, v in zip(COMPUTED_STYLES, values, strict=False)}
            b = layout["bounds"][li]
            bounds_by_node[node_index] = (b[0], b[1], b[2], b[3]) if len(b) == 4 else (0, 0, 0, 0)
        out: dict[int, Element] = {}
        names, types = nodes["nodeName"], nodes["nodeType"]
        attrs, parents, backend = nodes.get("attributes", []), nodes["parentIndex"], nodes["backendNodeId"]
        values = nodes.get("nodeValue", [])
        for i, name_index in enumerate(names):
            if types[i] == 3 and i < len(values):  # text: give it to the nearest three element ancestors
                text, parent, hops = s(values[i]).strip(), parents[i], 0
                while text and parent in out and hops < 3:
                    out[parent].text = (out[parent].text + " " + text).strip()[:200]
                    parent, hops = out[parent].parent, hops + 1
            if types[i] != 1:
                continue
            flat = attrs[i] if i < len(attrs) else []
            out[i] = Element(i, s(name_index).lower(), {s(flat[k]): s(flat[k + 1]) for k in range(0, len(flat) - 1, 2)},
                             parents[i], backend[i], styles_by_node.get(i, {}), bounds_by_node.get(i))
        return list(out.values())

    @cached_property
    def ax_nodes(self) -> list[dict[str, Any]]:
        return [n for n in self.capture.ax_tree if not n.get("ignored")]

    @cached_property
    def structured_data(self) -> dict[str, Any]:
        """JSON-LD, microdata, RDFa, OpenGraph, microformats and Dublin Core (extruct)."""
        return extract_structured(self.capture.raw_html or self.capture.rendered_html, self.url)

    @cached_property
    def text(self) -> str:
        """The body's text without scripts, styles, ``<noscript>`` and ``<template>`` (the shared tree is only read)."""
        body = self.doc.find(".//body") if self.doc is not None else None
        if body is None:
            return ""
        return re.sub(r"\s+", " ", "".join(_VISIBLE_TEXT(body))).strip()

    @cached_property
    def words(self) -> int:
        return len(re.findall(r"\w+", self.text))

    @cached_property
    def quality_penalties(self) -> list[tuple[float, str]]:
        """What makes the captured page worse training material than it looks, as (points off, reason); computed
        once per page for every profile's quality score."""
        capture = self.capture
        out: list[tuple[float, str]] = []
        if capture.http_error:
            out.append((30, f"HTTP status {capture.status}: an error page"))
        failed = [k.split(":", 1)[1] for k in capture.timing if k.startswith("failed:")]
        if failed:
            out.append((min(10, 3 * len(failed)), "collectors failed: " + ", ".join(failed)))
        # What the page itself loads; not the favicon or pings the browser sends on its own schedule ("Other").
        subresources = [r for r in capture.network if r.get("type") in _SUBRESOURCE_TYPES]
        broken = [r for r in subresources if r.get("failed") or (r.get("status") or 0) >= 400]
        if broken:  # what did not load did not shape the layout, colours and timings the attributes describe
            styles = sum(1 for r in broken if r.get("type") == "Stylesheet")
            out.append((min(10, 2 + 8 * len(broken) / len(subresources)) + (5 if styles else 0),
                        f"{len(broken)} of {len(subresources)} subresources did not load"
                        + (f" ({styles} stylesheets)" if styles else "")))
        if capture.page_errors:
            out.append((min(6, 2 * len(capture.page_errors)), f"{len(capture.page_errors)} page errors"))
        words = self.words
        if words < 50:
            out.append((10, f"thin content: {words} words"))
        elif words < 150:
            out.append((4, f"short content: {words} words"))
        if _PLACEHOLDER.search(self.text):
            out.append((40, "placeholder text (lorem ipsum): not real content"))
        return out

    @cached_property
    def links(self) -> list[dict[str, Any]]:
        """Every ``<a>``: href, absolute URL, text, and ``kind``: ``internal`` or ``external`` (an http(s) URL on
        this host or another), ``fragment`` (``#...``: this page), ``other`` (``javascript:``, ``mailto:``,
        ``tel:``, other schemes) or ``none`` (no or empty href)."""
        if self.doc is None:
            return []
        host = urlsplit(self.url).hostname
        out = []
        for a in self.doc.iter("a"):
            href = (a.get("href") or "").strip() or None
            absolute = absolute_url(self.url, href) if href else None
            kind = _link_kind(href, absolute, host)
            text = re.sub(r"\s+", " ", a.text_content()).strip() or (a.get("aria-label") or "").strip()
            if not text:
                img = a.find(".//img")
                text = (img.get("alt") or "").strip() if img is not None else ""
            out.append({"href": href, "url": absolute, "text": text, "rel": (a.get("rel") or "").lower(), "kind": kind,
                        "internal": kind == "internal", "external": kind == "external", "onclick": a.get("onclick")})
        return out

    def meta(self, name: str) -> str | None:
        """Content of ``<meta name=...>`` or ``<meta property=...>`` (case-insensitive)."""
        if self.doc is None:
            return None
        for m in self.doc.iter("meta"):
            key = (m.get("name") or m.get("property") or "").strip().lower()
            if key == name.lower():
                return (m.get("content") or "").strip()
        return None

    @cached_property
    def title(self) -> str | None:
        if self.doc is None:
            return None
        t = self.doc.find(".//title")
        text = re.sub(r"\s+", " ", t.text_content()).strip() if t is not None else ""
        return text or None

    @cached_property
    def metadata(self) -> dict[str, str | None]:
        """Article title, language and site name, chosen the way Mozilla Readability chooses them:
        JSON-LD, then meta tags (dc:title, og:title, twitter:title...), then the <title> without its site suffix."""
        values: dict[str, str] = {}
        metas = list(self.raw_doc.iter("meta")) if self.raw_doc is not None else []
        for attribute in ("property", "name"):  # property= wins over name= for the same key
            for m in metas:
                content = (m.get("content") or "").strip()
                for key in (m.get(attribute) or "").lower().split():
                    key = key.replace(".", ":")
                    if content and key not in values:
                        values[key] = content
        ld = self._jsonld_article()
        title = ld.get("title") or next((values[k] for k in ("dc:title", "dcterm:title", "og:title", "weibo:article:title",
                                                             "weibo:webpage:title", "title", "twitter:title", "parsely-title")
                                         if values.get(k)), None) or self._article_title()
        html = self.raw_doc if self.raw_doc is not None else None
        return {"title": _unescape(title), "lang": (html.get("lang") or None) if html is not None else None,
                "site_name": _unescape(ld.get("site_name") or values.get("og:site_name"))}

    def _jsonld_article(self) -> dict[str, str]:
        types = re.compile(r"^(Article|AdvertiserContentArticle|NewsArticle|AnalysisNewsArticle|AskPublicNewsArticle|"
                           r"BackgroundNewsArticle|OpinionNewsArticle|ReportageNewsArticle|ReviewNewsArticle|Report|"
                           r"SatiricalArticle|ScholarlyArticle|MedicalScholarlyArticle|SocialMediaPosting|BlogPosting|"
                           r"LiveBlogPosting|DiscussionForumPosting|TechArticle|APIReference)$")
        for script in self.raw_doc.xpath("//script[@type='application/ld+json']") if self.raw_doc is not None else []:
            text = re.sub(r"^\s*<!\[CDATA\[|\]\]>\s*$", "", script.text or "")
            try:
                data = json.loads(text)
            except ValueError:
                continue
            items = data.get("@graph", [data]) if isinstance(data, dict) else data if isinstance(data, list) else []
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("@type"), str) and types.match(item["@type"]):
                    out = {}
                    name, headline = item.get("name"), item.get("headline")
                    if isinstance(name, str) or isinstance(headline, str):
                        out["title"] = name if isinstance(name, str) and not isinstance(headline, str) else headline
                    publisher = item.get("publisher")
                    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
                        out["site_name"] = publisher["name"].strip()
                    return out
        return {}

    def _article_title(self) -> str | None:
        doc = self.raw_doc
        if doc is None:
            return None
        t = doc.find(".//title")
        original = re.sub(r"\s+", " ", t.text_content()).strip() if t is not None else ""
        current, hierarchical = original, False
        words = lambda text: len(text.split())  # noqa: E731
        if re.search(r" [|\-\\/>»–—] ", current):
            hierarchical = bool(re.search(r" [\\/>»] ", current))
            current = re.sub(r"(.*)[|\-\\/>»–—] .*", r"\1", original, flags=re.S).strip()
            if words(current) < 3:
                current = re.sub(r"^[^|\-\\/>»–—]*[|\-\\/>»–—]", "", original).strip()
        elif ": " in current:
            headings = [re.sub(r"\s+", " ", h.text_content()).strip() for h in doc.iter("h1", "h2")]
            if original not in headings:
                current = original[original.rfind(":") + 1:].strip()
                if words(current) < 3:
                    current = original[original.find(":") + 1:].strip()
                elif words(original[: original.find(":")]) > 5:
                    current = original
        elif len(current) > 150 or len(current) < 15:
            h1s = list(doc.iter("h1"))
            if len(h1s) == 1:
                current = re.sub(r"\s+", " ", h1s[0].text_content()).strip()
        current = current.strip()
        stripped = re.sub(r"[|\-\\/>»–—]", "", original)
        if words(current) <= 4 and (not hierarchical or words(current) != words(stripped) - 1):
            current = original
        return current or None

    def role_counts(self) -> Counter[str]:
        return Counter(n["role"] for n in self.ax_nodes if n.get("role"))

    @cached_property
    def dom_path(self) -> dict[int, str]:
        """A stable CSS-like selector for each element (tag#id or tag.class chain, at most 4 levels)."""
        by_index = {e.index: e for e in self.elements}
        out: dict[int, str] = {}
        for e in self.elements:
            parts, cur, depth = [], e, 0
            while cur is not None and depth < 4:
                part = cur.tag
                if cur.attrs.get("id"):
                    parts.append(f"{part}#{cur.attrs['id']}")
                    break
                cls = cur.attrs.get("class", "").split()
                if cls:
                    part += "." + ".".join(cls[:2])
                parts.append(part)
                cur = by_index.get(cur.parent)
                depth += 1
            out[e.index] = " > ".join(reversed(parts))
        return out


def absolute_url(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``; ``None`` when it cannot be (an unbalanced IPv6 bracket, a bad port)."""
    try:
        joined = urljoin(base, href)
        urlsplit(joined).port  # noqa: B018 - raises on an invalid port
    except ValueError:
        return None
    return joined


_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]")


def _link_kind(href: str | None, absolute: str | None, host: str | None) -> str:
    if not href:
        return "none"
    if href.startswith("#"):
        return "fragment"
    if not absolute:
        return "other"
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "other"
    return "internal" if parts.hostname == host else "external"


def _unescape(text: str | None) -> str | None:
    import html

    return re.sub(r"\s+", " ", html.unescape(text)).strip() if text else text


def _parse(html: str) -> Any:
    """Parse decoded HTML (a str: a stale <meta charset> in it must not re-decode the text)."""
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except ValueError:  # a str with an XML encoding declaration: parse the bytes instead
        try:
            return lxml.html.document_fromstring(html.encode("utf-8", errors="replace"),
                                                 parser=lxml.html.HTMLParser(encoding="utf-8"))
        except (etree.ParserError, ValueError):
            return None
    except etree.ParserError:
        return None


_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")


ALL_SYNTAXES = ("json-ld", "microdata", "rdfa", "opengraph", "microformat", "dublincore")


def extract_structured(html: str, url: str, syntaxes: tuple[str, ...] = ALL_SYNTAXES) -> dict[str, Any]:
    """Structured data with extruct, for ``syntaxes`` (errors are swallowed per syntax, never fatal)."""
    import extruct

    html = _XML_DECLARATION.sub("", html or "", count=1)  # lxml refuses a decoded string that declares an encoding
    if not html.strip():
        return {}
    try:
        return extruct.extract(html, base_url=url, syntaxes=list(syntaxes), uniform=False, errors="ignore")
    except Exception:  # noqa: BLE001 - malformed markup in one syntax must not sink the record
        return {}


def schema_types(data: dict[str, Any]) -> list[str]:
    """schema.org types declared in JSON-LD, microdata and RDFa, as short names (``Book`` for
    ``https://schema.org/Book`` and ``schema:Book``), sorted and unique; other vocabularies' types are left out."""
    found: set[str] = set()

    def visit(item: Any) -> None:
        if isinstance(item, dict):
            declared = item.get("@type", item.get("type") if "properties" in item else None)  # microdata: "type"
            for value in declared if isinstance(declared, list) else [declared]:
                if isinstance(value, str) and (name := schema_org_name(value)):
                    found.add(name)
            for v in item.values():
                visit(v)
        elif isinstance(item, list):
            for v in item:
                visit(v)

    for syntax in ("json-ld", "microdata", "rdfa"):
        visit(data.get(syntax, []))
    return sorted(found)


_SCHEMA_ORG_IRI = re.compile(r"^https?://(www\.)?schema\.org/+(?P<name>[^/#?]+)/?$", re.I)
_SCHEMA_ORG_PREFIX = re.compile(r"^(schema|sdo):(?P<name>[A-Za-z][\w-]*)$")


def schema_org_name(value: str) -> str | None:
    """``Book`` for ``Book``, ``https://schema.org/Book`` or ``schema:Book``; ``None`` for another vocabulary's type
    (``http://www.w3.org/ns/rdfa#Pattern``, ``foaf:Person``)."""
    value = value.strip()
    if match := _SCHEMA_ORG_IRI.match(value) or _SCHEMA_ORG_PREFIX.match(value):
        return match.group("name")
    return value if value and ":" not in value and "/" not in value else None


def to_json(value: Any) -> str:
    """Compact, deterministic JSON for nested attributes stored as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


_WHOLE_NUMBER = re.compile(r"[ \t\n\f\r]*([+-]?[0-9]+)[ \t\n\f\r]*")
_PX = re.compile(r"(-?[0-9]+(\.[0-9]+)?)px")


def whole_number(text: object) -> int | None:
    """``text`` as an integer if it is one in ASCII digits (a sign and spaces around allowed, as HTML parses
    ``tabindex``), else ``None``. Not ``str.isdigit``: it accepts "²", which ``int`` then rejects."""
    match = _WHOLE_NUMBER.fullmatch(str(text))
    return int(match.group(1)) if match else None


def px(value: str | None) -> float:
    """A CSS length in pixels ("12.5px" -> 12.5); 0.0 for anything else (auto, em, empty)."""
    match = _PX.match(value or "")
    return float(match.group(1)) if match else 0.0
