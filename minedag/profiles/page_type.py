"""What a page is and where its main content is: shared by the profiles that need either (UX patterns, workflows)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from minedag.profiles.page import PageView, schema_org_name

# What a page is, from what it declares: schema.org types (JSON-LD, microdata) and og:type.
_DECLARED = (
    ("product", {"Product", "ProductGroup", "IndividualProduct", "ProductModel"}, ("product",)),
    ("docs", {"TechArticle", "APIReference"}, ()),
    ("article", {"Article", "NewsArticle", "BlogPosting", "Report", "ScholarlyArticle", "OpinionNewsArticle",
                 "AnalysisNewsArticle", "ReviewNewsArticle", "LiveBlogPosting", "SocialMediaPosting"}, ("article",)),
    ("profile", {"ProfilePage"}, ("profile",)),
    ("listing", {"CollectionPage", "SearchResultsPage", "ItemList", "OfferCatalog"}, ()),
    ("video", set(), ("video.movie", "video.episode", "video.other", "video.tv_show")),
)
MIN_ARTICLE_WORDS = 50  # main-content words below which a declared article is not believed
_DOCS_PATH = re.compile(r"/(docs?|documentation|reference|api|manual|guides?|handbook|spec|rfcs?)(/|$)", re.I)
# Markup that documentation generators leave: Sphinx, Read the Docs, MkDocs, Docusaurus, rustdoc, Doxygen, Javadoc.
_DOCS_MARKUP = ("//a[contains(@class,'headerlink')] | //*[contains(@class,'sphinxsidebar') or contains(@class,'rst-content')"
                " or contains(@class,'md-content') or contains(@class,'theme-doc-markdown') or contains(@class,'rustdoc')"
                " or contains(@class,'doxygen') or contains(@class,'contentContainer')]")
_DOCS_GENERATOR = re.compile(r"sphinx|mkdocs|docusaurus|doxygen|javadoc|rustdoc|gitbook|docfx|vuepress", re.I)
_PRICE = re.compile(r"[$€£¥]\s?\d|\d[.,]\d{2}\s?(€|EUR|USD)", re.I)
_BUY = re.compile(r"add to (cart|basket|bag)|buy now|in den warenkorb", re.I)
# A word of running text: a run of letters or digits, or one CJK character (those scripts do not use spaces).
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")


# Why a page got its type: the rule that decided it. A label's confidence is how often that rule is right on
# labelled pages (``minedag eval``); bundles drop the labels of rules that are not right often enough.
TYPE_BASES = ("declared-schema", "declared-og", "person-entity", "person-path", "preformatted", "docs-path",
              "docs-generator", "long-text", "site-root", "repeated-items", "price-and-buy", "form-fields", "short-text",
              "no-text")


def page_type(page: PageView) -> str:
    """One of article, listing, product, home, form, docs, video, profile, other (``../shared/labels`` defines them)."""
    return classify_page(page)[0]


def classify_page(page: PageView) -> tuple[str, str]:
    """The page's type and the rule that decided it (one of ``TYPE_BASES``).

    What the page declares wins (schema.org types, og:type); otherwise where its main content is: one long
    text (article; docs under a docs path, in a documentation generator's markup, or preformatted), a person as
    the page's main entity or a user path (profile), many similar linked items (listing), a price with a buy
    button (product), a form with little text around it (form), the site's root (home).
    """
    declared = main_entities(page.structured_data)
    og_type = (page.meta("og:type") or "").strip().lower()
    doc = page.doc
    main_words = main_content(doc)[1] if doc is not None else 0
    for name, types, og in _DECLARED:
        if name == "article" and main_words < MIN_ARTICLE_WORDS:
            continue  # a theme that calls every page an article: an empty shell or an error page is not one
        if declared & types:
            return name, "declared-schema"
        if og_type in og:
            return name, "declared-og"
    if "Person" in declared:
        return "profile", "person-entity"
    if re.search(r"/(users?|people|profiles?|members?|authors?)/[^/]+/?$|/@[^/]+/?$", urlsplit(page.url).path):
        return "profile", "person-path"
    if doc is None:
        return "other", "no-text"
    path = urlsplit(page.url).path
    preformatted = max((len(_WORD.findall(pre.text_content())) for pre in doc.iter("pre")), default=0)
    if preformatted >= 300 and preformatted > main_words:  # a plain-text document (an RFC, a man page)
        return "docs", "preformatted"
    if _DOCS_PATH.search(path):
        return "docs", "docs-path"
    if main_words >= 150 and (_DOCS_GENERATOR.search(page.meta("generator") or "") or doc.xpath(_DOCS_MARKUP)):
        return "docs", "docs-generator"
    if main_words >= 250:
        return "article", "long-text"
    if path in ("", "/"):
        return "home", "site-root"
    if _repeated_items(doc) >= 6 and main_words < 150:
        return "listing", "repeated-items"
    if _PRICE.search(page.text[:20000]) and any(_BUY.search(b.text_content() or b.get("value") or "")
                                                for b in doc.xpath("//button | //input[@type='submit'] | //a")):
        return "product", "price-and-buy"
    fields = doc.xpath("//form//input[not(@type='hidden' or @type='submit' or @type='search' or @type='button')] "
                       "| //form//select | //form//textarea")
    if (len(fields) >= 3 or doc.xpath("//form//input[@type='password']")) and main_words < 80:
        return "form", "form-fields"
    return ("article", "short-text") if main_words >= 80 else ("other", "no-text")


def main_entities(data: dict[str, Any]) -> set[str]:
    """schema.org types of what the page is about: its top-level items (JSON-LD and its ``@graph``, microdata, RDFa
    nodes no other node points to) and their ``mainEntity``; not a reviewed product, an author or a publisher."""
    items = [*data.get("json-ld", []), *data.get("microdata", [])]
    items += [g for item in items if isinstance(item, dict) for g in item.get("@graph", []) if isinstance(g, dict)]
    rdfa = [n for n in data.get("rdfa", []) if isinstance(n, dict)]
    pointed = {v.get("@id") for node in rdfa for values in node.values() if isinstance(values, list)
               for v in values if isinstance(v, dict) and "@type" not in v}
    items += [n for n in rdfa if n.get("@id") not in pointed]
    items += [main for item in items if isinstance(item, dict)
              for main in _as_list(item.get("properties", item).get("mainEntity")) if isinstance(main, dict)]
    found = set()
    for item in items:
        types = item.get("@type") or item.get("type") if isinstance(item, dict) else None
        found |= {name for t in _as_list(types) if isinstance(t, str) and (name := schema_org_name(t))}
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


_NOT_MAIN_TAGS = {"script", "style", "noscript", "template", "form", "nav", "footer"}
_COMMENTS = re.compile(r"(^|[\s_-])comments?([\s_-]|list|$)", re.I)


def main_content(doc: Any, *, comments: bool = True) -> tuple[Any, int]:
    """The element holding the page's main text and its words: paragraphs are credited to their parent in full and
    to its parent by half (as Readability scores them), and the best-scoring container wins. A block that separates
    its lines with ``<br>`` instead of ``<p>`` is credited its own text the same way. ``comments=False`` leaves out
    what readers wrote under the page (containers named comment or comments)."""
    scores: dict[Any, float] = {}
    paragraphs = [(p, p.getparent(), p.text_content()) for p in doc.iter("p")]
    paragraphs += [(block, block, _own_text(block)) for block in doc.xpath("//*[not(self::p)][count(br) >= 2]")]
    for node, parent, text in paragraphs:
        if parent is None or any(a.tag in _NOT_MAIN_TAGS or (not comments and _COMMENTS.search(f"{a.get('id') or ''} {a.get('class') or ''}"))
                                 for a in (node, *node.iterancestors())):
            continue
        words = len(_WORD.findall(text))
        if words < 5:
            continue
        scores[parent] = scores.get(parent, 0) + words
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + words / 2
    if not scores:
        return None, 0
    best = max(scores, key=scores.__getitem__)
    return best, int(scores[best])


_INLINE = {"a", "b", "strong", "i", "em", "span", "u", "small", "big", "font", "code", "abbr", "cite", "q", "sub", "sup", "mark"}


def _own_text(block: Any) -> str:
    """A block's loose text: its own text, its inline children's and the text after each child (not nested blocks)."""
    parts = [block.text or ""]
    for child in block:
        if isinstance(child.tag, str) and child.tag in _INLINE:
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return " ".join(parts)


def _repeated_items(doc: Any) -> int:
    """The largest number of sibling items that each carry a heading or an image with a link: a grid or a feed."""
    best = 0
    for parent in doc.xpath("//*[count(*) >= 6]"):
        linked = sum(1 for child in parent if isinstance(child.tag, str)
                     and child.xpath(".//a[@href]") and child.xpath(".//h2 | .//h3 | .//h4 | .//img"))
        best = max(best, linked)
    return best


