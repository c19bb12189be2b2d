"""SEO: meta tags, headings, structured data, crawlability and Lighthouse's ten automated SEO audits."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import langcodes
import pyarrow as pa
from protego import Protego

from minedag.profiles.page import PageView, absolute_url, schema_types, to_json
from minedag.profiles.spec import Attribute, MiningProfile, entries, record

AUDITS = ("document_title", "meta_description", "http_status_code", "link_text", "crawlable_anchors",
          "is_crawlable", "robots_txt", "image_alt", "hreflang", "canonical")

# Non-descriptive link texts by language, as in Lighthouse's link-text audit. A link whose text has one
# language is checked against that language's list only; a link of unknown or mixed language against all.
_BLOCKLISTED_LINK_TEXT = {
    "en": {"click here", "click this", "go", "here", "information", "learn more", "more", "more info",
           "more information", "right here", "read more", "see more", "start", "this"},
    "ja": {"ここをクリック", "こちらをクリック", "リンク", "続きを読む", "続く", "全文表示"},
    "es": {"click aquí", "click aqui", "clicka aquí", "clicka aqui", "pincha aquí", "pincha aqui", "aquí", "aqui",
           "más", "mas", "más información", "más informacion", "mas información", "mas informacion", "este",
           "enlace", "este enlace", "empezar"},
    "pt": {"clique aqui", "ir", "mais informação", "mais informações", "mais", "veja mais"},
    "ko": {"여기", "여기를 클릭", "클릭", "링크", "자세히", "자세히 보기", "계속", "이동", "전체 보기"},
    "sv": {"här", "klicka här", "läs mer", "mer", "mer info", "mer information"},
    "de": {"klicke hier", "hier klicken", "hier", "mehr", "siehe", "dies", "das", "weiterlesen"},
    "ta": {"அடுத்த பக்கம்", "மறுபக்கம்", "முந்தைய பக்கம்", "முன்பக்கம்", "மேலும் அறிக", "மேலும் தகவலுக்கு",
           "மேலும் தரவுகளுக்கு", "தயவுசெய்து இங்கே அழுத்தவும்", "இங்கே கிளிக் செய்யவும்"},
    "fa": {"اطلاعات بیشتر", "اطلاعات", "این", "اینجا بزنید", "اینجا کلیک کنید", "اینجا", "برو", "بیشتر بخوانید",
           "بیشتر بدانید", "بیشتر", "شروع"},
}
_ROBOTS_DIRECTIVES = {"user-agent", "disallow", "allow", "sitemap", "crawl-delay", "clean-param", "host",
                      "request-rate", "visit-time", "noindex"}


def extract(page: PageView) -> dict[str, Any]:
    cap = page.capture
    headings = [(int(h.tag[1]), re.sub(r"\s+", " ", h.text_content()).strip()) for h in page.doc.iter("h1", "h2", "h3", "h4", "h5", "h6")] if page.doc is not None else []
    skipped = sum(1 for (a, _), (b, _) in zip(headings, headings[1:], strict=False) if b > a + 1)
    images = page.doc.xpath("//img") if page.doc is not None else []
    with_alt = [i for i in images if i.get("alt") is not None]
    links = page.links
    audits, items = _audits(page)
    crawlable = audits["is_crawlable"]
    viewport = page.meta("viewport")
    return {
        "title": page.title,
        "meta_description": page.meta("description"),
        "meta_tags": to_json({
            "robots": page.meta("robots"), "viewport": viewport, "canonical": _canonicals(page),
            "hreflang": [{"lang": lang, "href": href} for lang, href in _hreflangs(page)],
            "open_graph": {k: v for k, v in _prefixed(page, "og:").items()},
            "twitter": {k: v for k, v in _prefixed(page, "twitter:").items()},
        }),
        "heading_outline": to_json({"outline": [f"h{lvl} {text[:80]}" for lvl, text in headings[:60]],
                                    "h1_count": sum(1 for lvl, _ in headings if lvl == 1), "skipped_levels": skipped}),
        "structured_data_types": schema_types(page.structured_data),
        "load_time_ms": cap.navigation_timing.get("loadEventEnd") or cap.timing.get("navigate_ms"),
        "mobile_friendly": bool(viewport and "width=device-width" in viewport.replace(" ", "")) and _no_overflow(cap),
        "word_count": page.words,
        "text_to_html_ratio": round(len(page.text) / max(1, len(cap.raw_html or cap.rendered_html)), 4),
        "link_counts": to_json({"internal": sum(1 for x in links if x["internal"]),
                                "external": sum(1 for x in links if x["external"]),
                                "nofollow": sum(1 for x in links if "nofollow" in x["rel"])}),
        "image_alt_coverage": round(len(with_alt) / len(images), 4) if images else None,
        "http_status": cap.status,
        "crawlable": crawlable,
        "seo_audits": audits,
        "seo_audit_items": to_json(items),
    }


def _audits(page: PageView) -> tuple[dict[str, bool | None], dict[str, list[Any]]]:
    """Lighthouse's SEO audits: True = pass, False = fail, None = not applicable."""
    cap = page.capture
    items: dict[str, list[Any]] = {}
    if cap.status is None or cap.status >= 400:  # like Lighthouse: an error page is not audited
        return dict.fromkeys(AUDITS), {"http_status_code": [f"HTTP {cap.status}"]}
    out: dict[str, bool | None] = {"document_title": bool(page.title), "meta_description": bool(page.meta("description"))}
    out["http_status_code"] = True
    bad_text = [{"href": a.get("href"), "text": text} for a, text in _descriptive_candidates(page) if _non_descriptive(a, text, page)]
    items["link_text"] = bad_text
    out["link_text"] = not bad_text
    uncrawlable = [{"href": a.get("href"), "text": a.text_content().strip()[:80]} for a in _uncrawlable_anchors(page)]
    items["crawlable_anchors"] = uncrawlable
    out["crawlable_anchors"] = not uncrawlable
    blocked = _blocking_directives(page)
    items["is_crawlable"] = blocked
    out["is_crawlable"] = not blocked
    robots_ok, robots_errors = _robots_txt_valid(cap.robots_txt)
    items["robots_txt"] = robots_errors
    out["robots_txt"] = robots_ok
    img_alt = [r for r in cap.axe.get("violations", []) if r["id"] == "image-alt"]
    items["image_alt"] = [n["target"] for r in img_alt for n in r["nodes"]]
    out["image_alt"] = not img_alt if cap.axe else None
    bad_lang = [{"lang": lang, "href": href} for lang, href in _hreflangs(page)
                if not langcodes.tag_is_valid(lang) or not href or urlsplit(href).scheme not in ("http", "https")]
    items["hreflang"] = bad_lang
    out["hreflang"] = not bad_lang
    canonical_ok, canonical_why = _canonical(page)
    items["canonical"] = [canonical_why] if canonical_why else []
    out["canonical"] = canonical_ok
    return out, items


_MAX_META_CHARS = 8192  # a bound against pathological pages, far above any real URL or description


def _prefixed(page: PageView, prefix: str) -> dict[str, str]:
    """``<meta>`` values whose key starts with ``prefix`` (OpenGraph, Twitter cards), whole: the first of repeated
    keys is kept, as OpenGraph makes the first one primary."""
    if page.doc is None:
        return {}
    found: dict[str, str] = {}
    for m in page.doc.iter("meta"):
        key = (m.get("property") or m.get("name") or "").lower()
        if key.startswith(prefix) and key not in found:
            found[key] = (m.get("content") or "").strip()[:_MAX_META_CHARS]
    return found


def _header_links(page: PageView) -> list[dict[str, str]]:
    """Entries of the HTTP ``Link`` header(s): ``<url>; rel="canonical"`` -> {"href": url, "rel": "canonical"}."""
    header = page.capture.response_headers.get("link", "")
    out = []
    for match in re.finditer(r"<([^>]*)>((?:\s*;\s*[a-zA-Z-]+\s*=\s*(?:\"[^\"]*\"|[^;,\s]*))*)", header):
        params = {k.lower(): v.strip('"') for k, v in re.findall(r";\s*([a-zA-Z-]+)\s*=\s*(\"[^\"]*\"|[^;,\s]*)", match.group(2))}
        out.append({"href": match.group(1), **params})
    return out


def _canonicals(page: PageView) -> list[str]:
    found = [x["href"] for x in _header_links(page) if "canonical" in x.get("rel", "").lower().split()]
    if page.doc is not None:
        found += [link.get("href") or "" for link in page.doc.xpath("//head/link")
                  if "canonical" in (link.get("rel") or "").lower().split()]
    return found


def _hreflangs(page: PageView) -> list[tuple[str, str]]:
    found = [(x["hreflang"], x["href"]) for x in _header_links(page) if "hreflang" in x]
    if page.doc is not None:
        found += [(link.get("hreflang") or "", link.get("href") or "") for link in page.doc.xpath("//head/link[@hreflang]")
                  if "alternate" in (link.get("rel") or "").lower().split()]
    return found


def _uncrawlable_anchors(page: PageView) -> list[Any]:
    """Lighthouse's crawlable-anchors: links a crawler cannot follow (``javascript:void(0)``, ``file:``, an
    unparsable href, or no href but a script listening on the link itself). Placeholders and in-page targets pass."""
    out = []
    listeners = iter(page.capture.anchor_listeners)
    for a in page.doc.iter("a") if page.doc is not None else []:
        href = a.get("href")
        own = next(listeners, None) if href is None else None  # the capture lists <a> without href in order
        raw = re.sub(r"\s", "", href or "")
        if (a.get("role") or "").strip() or raw.startswith("mailto:"):
            continue
        if raw.startswith("file:"):
            out.append(a)
        elif (a.get("name") or "").strip():
            continue
        elif href is None:
            if own or a.get("onclick"):
                out.append(a)
        elif re.search(r"javascript:void(\(|)0(\)|)", raw) or absolute_url(page.url, raw) is None:
            out.append(a)
    return out


def _descriptive_candidates(page: PageView) -> list[tuple[Any, str]]:
    """Links the link-text audit looks at: to another page (not an in-page anchor), followed, not script or mail."""
    out = []
    here = page.url.split("#", 1)[0]
    for a in page.doc.iter("a", "{http://www.w3.org/2000/svg}a") if page.doc is not None else []:
        href = (a.get("href") or a.get("{http://www.w3.org/1999/xlink}href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:")) or "nofollow" in (a.get("rel") or "").lower():
            continue
        if (absolute_url(page.url, href) or "").split("#", 1)[0] in ("", here):
            continue
        out.append((a, re.sub(r"\s+", " ", a.text_content()).strip()))
    return out


def _non_descriptive(a: Any, text: str, page: PageView) -> bool:
    if not text:
        return False
    if re.match(r"https?://\S+$", text, re.I):  # a bare URL says nothing about where it leads
        return True
    lang = _text_lang(a)
    lists = [_BLOCKLISTED_LINK_TEXT.get(lang.split("-")[0].lower(), set())] if lang else _BLOCKLISTED_LINK_TEXT.values()
    return any(text.lower() in words for words in lists)


def _text_lang(a: Any) -> str | None:
    """The language of a link's text: the ``lang`` in force on each of its text pieces, if they all agree."""

    def lang_of(element: Any) -> str | None:
        return next((e.get("lang") for e in [element, *element.iterancestors()] if e.get("lang")), None)

    langs = set()
    for element in a.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        if element.text and element.text.strip():
            langs.add(lang_of(element))
        if element is not a and element.tail and element.tail.strip():
            langs.add(lang_of(element.getparent()))
    return langs.pop() if len(langs) == 1 else None


def _canonical(page: PageView) -> tuple[bool | None, str]:
    hrefs = _canonicals(page)
    if not hrefs:
        return None, ""
    absolute = {absolute_url(page.url, h) or h for h in hrefs}
    if len(absolute) > 1:
        return False, f"multiple conflicting canonical URLs: {sorted(absolute)}"
    href = hrefs[0]
    if absolute_url(page.url, href) is None:
        return False, f"invalid canonical URL {href!r}"
    parts = urlsplit(href)
    if not href or (parts.scheme and parts.scheme not in ("http", "https")):
        return False, f"invalid canonical URL {href!r}"
    if not parts.scheme:
        return False, f"canonical URL is relative: {href!r}"
    target, here = urlsplit(href), urlsplit(page.url)
    if target.hostname != here.hostname:
        return False, f"canonical points to another domain: {href!r}"
    if target.path in ("", "/") and here.path not in ("", "/"):
        return False, "canonical points to the site root instead of this page"
    return True, ""


def _blocking_directives(page: PageView) -> list[str]:
    found = []
    for name in ("robots", "googlebot"):
        value = (page.meta(name) or "").lower()
        if re.search(r"\b(noindex|none)\b", value):
            found.append(f'<meta name="{name}" content="{value}">')
    header = page.capture.response_headers.get("x-robots-tag", "").lower()
    if re.search(r"\b(noindex|none)\b", header) and ":" not in header.split("noindex")[0]:
        found.append(f"X-Robots-Tag: {header}")
    robots = page.capture.robots_txt
    if robots and not robots.startswith("__status__"):
        parser = Protego.parse(robots)
        if not parser.can_fetch(page.url, "Googlebot") or not parser.can_fetch(page.url, "*"):
            found.append("blocked by robots.txt")
    return found


def _robots_txt_valid(text: str | None) -> tuple[bool | None, list[str]]:
    if text is None:
        return None, []
    if text.startswith("__status__"):
        status = int(text[len("__status__"):] or 0)
        return (False, [f"robots.txt returned HTTP {status}"]) if status >= 500 else (None, [])
    errors, seen_agent = [], False
    for number, line in enumerate(text.splitlines(), 1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        if ":" not in content:
            errors.append(f"line {number}: syntax not understood")
            continue
        key, value = (part.strip() for part in content.split(":", 1))
        key = key.lower()
        if key not in _ROBOTS_DIRECTIVES:
            errors.append(f"line {number}: unknown directive {key!r}")
        elif key == "user-agent":
            seen_agent = True
        elif key in ("allow", "disallow") and not seen_agent:
            errors.append(f"line {number}: no user-agent specified")
        elif key in ("allow", "disallow") and value and not value.startswith(("/", "*")):
            errors.append(f"line {number}: pattern should start with '/' or '*'")
        elif key == "sitemap" and not urlsplit(value).scheme:
            errors.append(f"line {number}: invalid sitemap URL")
    return not errors, errors


def _no_overflow(cap: Any) -> bool:
    if cap.mobile:
        return cap.mobile.get("scrollWidth", 0) <= cap.mobile.get("viewportWidth", 0) + 1
    return cap.performance_metrics.get("ScrollWidth", 0) <= cap.viewport.get("width", 1280) + 1


PROFILE = MiningProfile(
    name="seo_optimizer",
    version="4",
    description="Search-engine optimisation features of a page and Lighthouse's ten automated SEO audits.",
    reads=("raw_html", "rendered_html", "response_headers", "status", "robots_txt", "axe", "navigation_timing",
           "anchor_listeners", "mobile", "performance_metrics", "viewport"),
    extract=extract,
    attributes=(
        Attribute("title", pa.string(), "Text of the <title> element: the headline a search result shows.", required=True),
        Attribute("meta_description", pa.string(), "The meta description: the snippet under a search result."),
        Attribute("meta_tags", pa.string(), "JSON: robots, viewport, canonical, hreflang, OpenGraph and Twitter card tags.",
                  nested=record(robots=pa.string(), viewport=pa.string(), canonical=pa.list_(pa.string()), hreflang=pa.list_(record(lang=pa.string(), href=pa.string())), open_graph=entries(pa.string()), twitter=entries(pa.string()))),
        Attribute("heading_outline", pa.string(), "JSON: heading outline (h1-h6), number of h1 and skipped heading levels.",
                  nested=record(outline=pa.list_(pa.string()), h1_count=pa.int64(), skipped_levels=pa.int64())),
        Attribute("structured_data_types", pa.list_(pa.string()), "schema.org types declared in JSON-LD, microdata and RDFa (via extruct)."),
        Attribute("load_time_ms", pa.float64(), "Milliseconds from navigation start to the end of the load event.",
                  volatile=True),
        Attribute("mobile_friendly", pa.bool_(), "Has a device-width viewport and no horizontal overflow."),
        Attribute("word_count", pa.int64(), "Words of visible body text: a proxy for content depth.", required=True),
        Attribute("text_to_html_ratio", pa.float64(), "Visible text characters divided by HTML bytes (0-1)."),
        Attribute("link_counts", pa.string(), "JSON: internal, external and nofollow link counts.",
                  nested=record(internal=pa.int64(), external=pa.int64(), nofollow=pa.int64())),
        Attribute("image_alt_coverage", pa.float64(), "Share of <img> elements with an alt attribute (null without images)."),
        Attribute("http_status", pa.int64(), "HTTP status code of the final response.", required=True),
        Attribute("crawlable", pa.bool_(), "Not blocked by a robots meta tag, an X-Robots-Tag header or robots.txt."),
        Attribute("seo_audits", pa.struct([pa.field(a, pa.bool_()) for a in AUDITS]),
                  "Lighthouse SEO audits as booleans (true pass, false fail, null not applicable).", required=True,
                  derives_from=("title", "meta_description", "http_status", "crawlable", "image_alt_coverage", "meta_tags")),
        Attribute("seo_audit_items", pa.string(), "JSON: the failing items of each SEO audit (links, anchors, directives...).",
                  nested=record(http_status_code=pa.list_(pa.string()), link_text=pa.list_(record(href=pa.string(), text=pa.string())), crawlable_anchors=pa.list_(record(href=pa.string(), text=pa.string())), is_crawlable=pa.list_(pa.string()), robots_txt=pa.list_(pa.string()), image_alt=pa.list_(pa.list_(pa.string())), hreflang=pa.list_(record(lang=pa.string(), href=pa.string())), canonical=pa.list_(pa.string())),
                  derives_from=("seo_audits", "http_status", "meta_tags")),
    ),
)
