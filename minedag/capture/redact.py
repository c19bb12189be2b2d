"""No secrets kept, nothing else lost: a capture is redacted before it leaves the capture layer.

A value is masked where it stands as a secret by the page's own structure, never because its text happens to
match something elsewhere (a hidden field holding the page's own path must not mask the page's URL):

- Response headers by an allow-list: other headers keep their name (a profile may ask "is there a
  Set-Cookie?") with the value ``[redacted]``.
- Form fields: the ``value`` of password inputs, of hidden inputs (6 characters or more, or a name that says
  token, csrf, key...) and of inputs whose ``autocomplete`` asks for a password or a one-time code, in the HTML, in every HTML snippet (axe's) and in the DOM snapshot, where the value
  a script typed into a field (``inputValue``) is masked too; the ``content`` of CSRF ``<meta>`` tags.
- URL parameters by name (``minedag.urls.SECRET_PARAMS``, percent-encoded names included), in queries and
  fragments (``#access_token=``), in every string of the capture.
- Secrets by origin, masked wherever they appear: credential header values, the values of secret URL parameters,
  and cookie (the browser's cookie jar: set by a script or on a redirect too) and local/session storage values that
  look like tokens (a cookie ``lang=english`` is no secret).
- E-mail addresses in text are masked on request (``redact_emails``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from minedag.capture.model import PageCapture
from minedag.urls import MASK, URL_PARAM, mask_params, secret_params

KEPT_HEADERS = frozenset({
    "accept-ranges", "access-control-allow-origin", "age", "cache-control", "content-disposition", "content-encoding",
    "content-language", "content-length", "content-security-policy", "content-type", "cross-origin-embedder-policy",
    "cross-origin-opener-policy", "date", "etag", "expires", "last-modified", "link", "location", "permissions-policy",
    "pragma", "referrer-policy", "refresh", "retry-after", "server", "strict-transport-security", "timing-allow-origin",
    "vary", "x-content-type-options", "x-frame-options", "x-minedag-guard", "x-robots-tag", "x-xss-protection",
})
_CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "x-api-key", "x-auth-token", "x-csrf-token", "cookie")
# A hidden field's value shorter than this ("1", "yes", a post id) is no secret, unless its name says it is one.
MIN_HIDDEN_SECRET = 6
SECRET_NAME = re.compile(r"csrf|xsrf|token|nonce|secret|passw|auth|session|sig|key", re.IGNORECASE)
SECRET_AUTOCOMPLETE = frozenset({"current-password", "new-password", "one-time-code"})
CSRF_META = frozenset({"csrf-token", "csrf_token", "_csrf", "xsrf-token", "x-csrf-token", "_token", "csrf"})

# A start tag of a form field or meta element; attribute values may hold ">" inside quotes.
_TAG = re.compile(r"""<(input|meta)\b((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.IGNORECASE)
# One attribute as HTML tokenises it: a name, then an optional double-, single- or unquoted value.
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_TOKEN = re.compile(r"[A-Za-z0-9+/=_\-.:%~]{12,}")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_MIN_SECRET = 6  # a credential shorter than this is masked in its header, not searched for elsewhere


def redact_capture(cap: PageCapture, *, emails: bool = False) -> PageCapture:
    """Mask the secrets in ``cap`` in place and return it."""
    params = secret_params()
    values = _secrets_by_origin(cap, params)
    cap.response_headers = {name: value if name in KEPT_HEADERS else MASK for name, value in cap.response_headers.items()}
    literal = re.compile("|".join(map(re.escape, sorted(values, key=len, reverse=True)))) if values else None

    def clean(text: str) -> str:
        if "<" in text:
            text = mask_fields(text)
        if params and "=" in text:
            text = mask_params(text, params)
        if literal is not None:
            text = literal.sub(MASK, text)
        if emails and "@" in text:
            text = _EMAIL.sub("[email]", text)
        return text

    for name in ("final_url", "error", "raw_html", "rendered_html", "robots_txt"):
        value = getattr(cap, name)
        if isinstance(value, str):
            setattr(cap, name, clean(value))
    cap.dom_snapshot = mask_snapshot_fields(cap.dom_snapshot)
    for name in ("redirect_chain", "dom_snapshot", "ax_tree", "network", "blocked_requests", "console", "page_errors",
                 "axe", "anchor_listeners", "links", "stylesheets", "mobile", "css_coverage", "js_coverage"):
        setattr(cap, name, _walk(getattr(cap, name), clean))
    return cap


def mask_fields(html: str) -> str:
    """``html`` with the values of secret form fields and CSRF meta tags masked, and nothing else changed."""
    return _TAG.sub(_mask_tag, html)


def _mask_tag(match: re.Match[str]) -> str:
    element, body = match.group(1).lower(), match.group(2)
    attributes: dict[str, re.Match[str]] = {}
    for attribute in _ATTRIBUTE.finditer(body):
        attributes.setdefault(attribute.group(1).lower(), attribute)  # the first of a repeated name counts, as in HTML
    if element == "input":
        secret = _secret_field(_value(attributes.get("type")), _value(attributes.get("autocomplete")),
                               _value(attributes.get("name")), _value(attributes.get("value")))
        target = attributes.get("value") if secret else None
    else:
        secret = _value(attributes.get("name")).lower() in CSRF_META
        target = attributes.get("content") if secret else None
    if target is None or not _value(target):
        return match.group(0)
    group = next(i for i in (2, 3, 4) if target.group(i) is not None)
    start, end = target.span(group)
    offset = match.start(2) - match.start(0)
    whole = match.group(0)
    return whole[: offset + start] + MASK + whole[offset + end:]


def _secret_field(kind: str, autocomplete: str, name: str, value: str) -> bool:
    """A password field, a one-time code, or a hidden field whose value is long enough or whose name says secret."""
    kind = kind.lower()
    if kind == "password" or autocomplete.lower() in SECRET_AUTOCOMPLETE:
        return True
    return kind == "hidden" and (len(value) >= MIN_HIDDEN_SECRET or bool(SECRET_NAME.search(name)))


def _value(attribute: re.Match[str] | None) -> str:
    if attribute is None:
        return ""
    return next((v for v in attribute.groups()[1:] if v is not None), "").strip()


def mask_snapshot_fields(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A DOMSnapshot (``document`` + ``strings``) without the values of its secret fields (``value`` attributes and
    values typed in by a script, ``inputValue``) and of its CSRF meta tags. A value string that no other node uses is overwritten; one that other
    content shares (the same text in a link or a paragraph) stays for them, and only the field is repointed."""
    document, strings = snapshot.get("document"), snapshot.get("strings")
    if not document or not isinstance(strings, list):
        return snapshot
    nodes = document.get("nodes") or {}
    names, attributes = nodes.get("nodeName") or [], nodes.get("attributes") or []
    typed = nodes.get("inputValue") or {}

    def text(index: object) -> str:
        return strings[index] if isinstance(index, int) and 0 <= index < len(strings) else ""

    secret_nodes: set[int] = set()
    slots: list[tuple[list[int], int]] = []  # (the list holding a secret value's string index, its position)
    for node, pairs in enumerate(attributes):
        element = text(names[node]).lower() if node < len(names) else ""
        if element not in ("input", "meta"):
            continue
        where: dict[str, int] = {}
        for i in range(0, len(pairs) - 1, 2):
            where.setdefault(text(pairs[i]).lower(), i + 1)
        values = {name: text(pairs[i]).strip() for name, i in where.items()}
        if element == "meta":
            if values.get("name", "").lower() in CSRF_META and "content" in where:
                slots.append((pairs, where["content"]))
        elif _secret_field(values.get("type", ""), values.get("autocomplete", ""), values.get("name", ""),
                           values.get("value", "")):
            secret_nodes.add(node)
            if "value" in where:
                slots.append((pairs, where["value"]))
    slots += [(typed["value"], i) for i, node in enumerate(typed.get("index") or []) if node in secret_nodes]
    if not slots:
        return snapshot
    secret = {holder[i] for holder, i in slots}
    uses = Counter(i for pairs in attributes for i in pairs[1::2] if i in secret)
    uses.update(i for i in nodes.get("nodeValue") or [] if i in secret)
    uses.update(i for i in (nodes.get("textValue") or {}).get("value") or [] if i in secret)
    uses.update(i for i in typed.get("value") or [] if i in secret)
    uses.update(i for i in (document.get("layout") or {}).get("text") or [] if i in secret)
    own = Counter(holder[i] for holder, i in slots)
    mask_index = len(strings)
    strings.append(MASK)
    for holder, i in slots:
        index = holder[i]
        if uses[index] <= own[index]:  # only secret fields use it: the string itself goes
            strings[index] = MASK
        holder[i] = mask_index
    return snapshot


def _secrets_by_origin(cap: PageCapture, params: frozenset[str]) -> set[str]:
    """Values that are secrets wherever they appear: credential headers, secret URL parameter values, token-like
    cookie and storage values."""
    found: set[str] = set()
    found.update(v for v in cap.storage_values if _looks_like_token(v))
    for name, value in cap.response_headers.items():
        if name == "set-cookie":
            for line in value.split("\n"):
                cookie = line.split(";", 1)[0].partition("=")[2].strip().strip('"')
                if _looks_like_token(cookie):
                    found.add(cookie)
        elif name in _CREDENTIAL_HEADERS:
            found.update(v for v in (value, value.split(" ", 1)[-1]) if len(v) >= _MIN_SECRET)
    if params:
        urls = [cap.final_url or "", *(r.get("url") or "" for r in cap.network), *(r.get("url") or "" for r in cap.redirect_chain)]
        for url in urls:
            for m in URL_PARAM.finditer(url):
                name = unquote(m.group(2)).lower()
                if name in params and len(m.group(3)) >= _MIN_SECRET:
                    found.add(m.group(3))
    return {v for v in found if v != MASK and MASK not in v}


def _looks_like_token(value: str) -> bool:
    """Long, no spaces, letters and digits mixed: a session id or an API key, not a word or a preference."""
    return bool(_TOKEN.fullmatch(value)) and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _walk(value: Any, clean: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_walk(v, clean) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, clean) for k, v in value.items()}
    return value
