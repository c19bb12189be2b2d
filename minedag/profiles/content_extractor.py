"""Content: the page's main text as Markdown, its language, and the article metadata extractors give.

The raw material a model reads: trafilatura removes the boilerplate and reads author, dates, categories and
tags; the language falls back from the markup to an identifier over the text (py3langid, offline).
"""

from __future__ import annotations

import re
from typing import Any

import langcodes
import pyarrow as pa

from minedag.profiles.page import PageView, absolute_url, to_json
from minedag.profiles.spec import Attribute, MiningProfile, record

MIN_TEXT_FOR_LANGUAGE = 40  # characters: below this a text identifier guesses
_MEDIA = 50  # audio/video sources kept per page


def extract(page: PageView) -> dict[str, Any]:
    cap = page.capture
    html = cap.rendered_html or cap.raw_html or ""
    doc = _trafilatura(html, page.url)
    text = _markdown(doc)
    meta = page.metadata
    return {
        "main_text": text or None,
        "language": language(page, text),
        "content_title": meta["title"],
        "author": doc.author if doc else None,
        "published": _not_copyright(doc.date if doc else None, html),
        "modified": _not_copyright(_modified(page, html), html),
        "publisher": meta["site_name"] or _jsonld_publisher(page),
        "logo": _logo(page),
        "categories": list(doc.categories or []) if doc else [],
        "tags": list(doc.tags or []) if doc else [],
        "keywords": _keywords(page),
        "description": doc.description if doc else page.meta("description"),
        "urls": to_json(_urls(page)),
        "media": to_json(_media(page)),
        "jsonld": to_json(_jsonld_values(page)),
    }


def _trafilatura(html: str, url: str) -> Any:
    from trafilatura import bare_extraction

    if not html.strip():
        return None
    return bare_extraction(html, url=url, with_metadata=True, include_comments=False, include_tables=True,
                           include_links=False, include_images=False)


def _markdown(doc: Any) -> str:
    from trafilatura.xml import xmltotxt

    if doc is None or doc.body is None:
        return ""
    return xmltotxt(doc.body, include_formatting=True).strip()


def language(page: PageView, text: str) -> str | None:
    """BCP 47 tag: ``<html lang>``, then the Content-Language header, then og:locale, then identified from the text."""
    html = page.raw_doc if page.raw_doc is not None else page.doc
    headers = {k.lower(): v for k, v in page.capture.response_headers.items()}
    for declared in ((html.get("lang") if html is not None else None), headers.get("content-language"), page.meta("og:locale")):
        tag = _standard(declared)
        if tag:
            return tag
    if len(text) >= MIN_TEXT_FOR_LANGUAGE:
        import py3langid

        return _standard(py3langid.classify(text)[0])
    return None


def _standard(tag: str | None) -> str | None:
    tag = (tag or "").split(",")[0].strip().replace("_", "-")
    if not tag:
        return None
    try:
        standard = langcodes.standardize_tag(tag)
    except ValueError:
        return None
    return standard if langcodes.tag_is_valid(standard) and standard != "und" else None


def _modified(page: PageView, html: str) -> str | None:
    """The date the page says it was last changed: meta tags or JSON-LD, else htmldate's newest date."""
    for name in ("article:modified_time", "og:updated_time", "last-modified", "dcterms.modified"):
        if page.meta(name):
            return _date(page.meta(name))
    for item in _items(page):
        if isinstance(item.get("dateModified"), str):
            return _date(item["dateModified"])
    from htmldate import find_date

    return find_date(html, original_date=False, extensive_search=False) if html else None


# A copyright notice and what follows it ("© 2001–11", "Copyright 2019-2024"): date finders read its years as
# January 1st.
_COPYRIGHT_YEARS = re.compile(r"(?:©|&copy;|&#169;|\(c\)|copyright)[^<\n]{0,40}", re.I)


def _not_copyright(date: str | None, html: str) -> str | None:
    """``date`` unless it is the January 1st a date finder made of a copyright year: a notice is never a date."""
    if not date or not date.endswith("-01-01"):
        return date
    year = date[:4]
    notices = " ".join(_COPYRIGHT_YEARS.findall(html))
    if year not in notices and not re.search(rf"(?:©|&copy;|copyright)[^<\n]{{0,40}}{year[2:]}\b", notices, re.I):
        return date
    stated = re.search(rf"{year}-01-01|\b0?1(st)?\s+jan\w*\.?,?\s+{year}|jan\w*\.?\s+0?1(st)?,?\s+{year}", html, re.I)
    return date if stated else None


def _date(value: str) -> str | None:
    from dateutil import parser

    try:
        return parser.parse(value).date().isoformat()
    except (ValueError, OverflowError):
        return None


def _items(page: PageView) -> list[dict[str, Any]]:
    """JSON-LD objects, ``@graph`` members included (at most 50)."""
    out: list[dict[str, Any]] = []
    for item in page.structured_data.get("json-ld", []):
        for member in item.get("@graph", [item]) if isinstance(item, dict) else []:
            if isinstance(member, dict):
                out.append(member)
    return out[:50]


def _name(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _name(value.get("name"))
    if isinstance(value, list) and value:
        return _name(value[0])
    return None


def _names(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [n for n in (_name(v) for v in values) if n]


def _jsonld_values(page: PageView) -> list[dict[str, Any]]:
    """The values of the typed JSON-LD objects (not only their types): headline, author, publisher, dates."""
    out = []
    for item in _items(page):
        kind = item.get("@type")
        kind = kind[0] if isinstance(kind, list) and kind else kind
        if not isinstance(kind, str):
            continue
        out.append({"type": kind.rsplit("/", 1)[-1], "name": _name(item.get("name")), "headline": _name(item.get("headline")),
                    "author": _names(item.get("author")), "publisher": _name(item.get("publisher")),
                    "date_published": _name(item.get("datePublished")), "date_modified": _name(item.get("dateModified"))})
    return out


def _jsonld_publisher(page: PageView) -> str | None:
    return next((n for n in (_name(i.get("publisher")) for i in _items(page)) if n), None)


def _logo(page: PageView) -> str | None:
    """The publisher's logo: JSON-LD (publisher or organisation ``logo``), then ``og:logo``, then ``itemprop=logo``."""
    for item in _items(page):
        for owner in (item.get("publisher"), item if item.get("@type") in ("Organization", "NewsMediaOrganization") else None):
            logo = owner.get("logo") if isinstance(owner, dict) else None
            url = logo.get("url") if isinstance(logo, dict) else logo if isinstance(logo, str) else None
            if url:
                return absolute_url(page.url, url)
    if page.meta("og:logo"):
        return absolute_url(page.url, page.meta("og:logo"))
    doc = page.doc
    found = doc.xpath("//*[@itemprop='logo']/@src | //*[@itemprop='logo']/@content") if doc is not None else []
    return absolute_url(page.url, str(found[0])) if found else None


def _keywords(page: PageView) -> list[str]:
    words = [w.strip() for w in (page.meta("keywords") or "").split(",")]
    for item in _items(page):
        value = item.get("keywords")
        words += [w.strip() for w in (value.split(",") if isinstance(value, str) else value if isinstance(value, list) else [])
                  if isinstance(w, str)]
    return list(dict.fromkeys(w for w in words if w))[:100]


def _urls(page: PageView) -> dict[str, str | None]:
    doc = page.raw_doc if page.raw_doc is not None else page.doc
    canonical = doc.xpath("//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href") if doc is not None else []
    return {"canonical": absolute_url(page.url, str(canonical[0])) if canonical else None,
            "og_url": absolute_url(page.url, page.meta("og:url")) if page.meta("og:url") else None,
            "og_image": absolute_url(page.url, page.meta("og:image")) if page.meta("og:image") else None}


def _media(page: PageView) -> dict[str, Any]:
    doc = page.doc
    if doc is None:
        return {"images": 0, "audio": [], "video": []}

    def sources(tag: str) -> list[str]:
        found = doc.xpath(f"//{tag}/@src | //{tag}/source/@src")
        urls = (absolute_url(page.url, str(s)) for s in found)
        return list(dict.fromkeys(u for u in urls if u))[:_MEDIA]

    return {"images": len(doc.xpath("//img")), "audio": sources("audio"), "video": sources("video")}


PROFILE = MiningProfile(
    name="content_extractor",
    version="2",
    description="The page's main text as Markdown without boilerplate, its language, and its article metadata "
                "(title, author, dates, publisher, logo, categories, tags, keywords, JSON-LD values, media).",
    reads=("rendered_html", "raw_html", "response_headers"),
    extract=extract,
    attributes=(
        Attribute("main_text", pa.string(), "Main content as Markdown (headings, lists, tables), navigation, footers, "
                  "ads and comments removed (trafilatura).", max_chars=200_000),
        Attribute("language", pa.string(), "BCP 47 language: <html lang>, else Content-Language, else og:locale, else "
                  "identified from the main text (py3langid).", required=True),
        Attribute("content_title", pa.string(), "The content's title without the site suffix <title> carries (JSON-LD "
                  "headline, then meta titles, then the <title> cut like Mozilla Readability).", required=True),
        Attribute("author", pa.string(), "Author(s) as the page states them: meta tags, JSON-LD or byline (trafilatura)."),
        Attribute("published", pa.string(), "Publication date (YYYY-MM-DD), from metadata or the page (trafilatura, htmldate)."),
        Attribute("modified", pa.string(), "Last-modified date (YYYY-MM-DD): meta tags, JSON-LD dateModified, else the newest date found."),
        Attribute("publisher", pa.string(), "Site or publisher name: og:site_name or the JSON-LD publisher."),
        Attribute("logo", pa.string(), "Absolute URL of the publisher's logo (JSON-LD logo, og:logo, itemprop=logo)."),
        Attribute("categories", pa.list_(pa.string()), "Categories the page files itself under (trafilatura)."),
        Attribute("tags", pa.list_(pa.string()), "Tags of the article (article:tag, tag links; trafilatura)."),
        Attribute("keywords", pa.list_(pa.string()), "Keywords from meta keywords and JSON-LD keywords, in order, unique."),
        Attribute("description", pa.string(), "Summary the page gives of itself (meta/og description; trafilatura)."),
        Attribute("urls", pa.string(), "JSON: absolute canonical, og:url and og:image URLs.",
                  nested=record(canonical=pa.string(), og_url=pa.string(), og_image=pa.string())),
        Attribute("media", pa.string(), "JSON: number of images and the absolute audio and video source URLs.",
                  nested=record(images=pa.int64(), audio=pa.list_(pa.string()), video=pa.list_(pa.string()))),
        Attribute("jsonld", pa.string(), "JSON: each typed JSON-LD object's values: type, name, headline, authors, publisher, dates.",
                  nested=pa.list_(record(type=pa.string(), name=pa.string(), headline=pa.string(), author=pa.list_(pa.string()),
                                         publisher=pa.string(), date_published=pa.string(), date_modified=pa.string()))),
    ),
)
