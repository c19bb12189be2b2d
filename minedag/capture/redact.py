"""No secrets kept: what a capture holds is redacted before it leaves the capture layer.

- Response headers by an allow-list: other headers keep their name (a profile may ask "is there a
  Set-Cookie?") with the value ``[redacted]``.
- Secret query parameters (``minedag.urls.SECRET_PARAMS``) are masked in every string of the capture: URLs in the
  network log, redirects, HTML, DOM snapshot, axe snippets, console and error messages.
- The values of password and hidden form fields, cookies, credential headers and the page's local and session
  storage are collected and masked
  wherever they appear in the capture (the HTML, the DOM snapshot's string table, axe's HTML snippets...).
- E-mail addresses in text are masked on request (``redact_emails``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from minedag.capture.model import PageCapture
from minedag.urls import secret_params

MASK = "[redacted]"

KEPT_HEADERS = frozenset({
    "accept-ranges", "access-control-allow-origin", "age", "cache-control", "content-disposition", "content-encoding",
    "content-language", "content-length", "content-security-policy", "content-type", "cross-origin-embedder-policy",
    "cross-origin-opener-policy", "date", "etag", "expires", "last-modified", "link", "location", "permissions-policy",
    "pragma", "referrer-policy", "refresh", "retry-after", "server", "strict-transport-security", "timing-allow-origin",
    "vary", "x-content-type-options", "x-frame-options", "x-minedag-guard", "x-robots-tag", "x-xss-protection",
})
_CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "x-api-key", "x-auth-token", "x-csrf-token", "cookie")
_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_SECRET_INPUT = re.compile(r"""\btype\s*=\s*["']?(password|hidden)\b""", re.IGNORECASE)
_VALUE = re.compile(r"""\bvalue\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_MIN_SECRET = 6  # shorter values ("1", "yes") are not masked everywhere: that would damage the page's text


def redact_capture(cap: PageCapture, *, emails: bool = False) -> PageCapture:
    """Mask the secrets in ``cap`` in place and return it."""
    params = secret_params()
    query = re.compile(r"([?&;](?:" + "|".join(map(re.escape, sorted(params))) + r")=)[^&#\s\"'<>\\]*",
                       re.IGNORECASE) if params else None
    values = _secret_values(cap, query)
    cap.response_headers = {name: value if name in KEPT_HEADERS else MASK for name, value in cap.response_headers.items()}
    if not values and query is None and not emails:
        return cap
    literal = re.compile("|".join(map(re.escape, sorted(values, key=len, reverse=True)))) if values else None

    def clean(text: str) -> str:
        if literal is not None:
            text = literal.sub(MASK, text)
        if query is not None and "=" in text:
            text = query.sub(lambda m: m.group(1) + MASK, text)
        if emails and "@" in text:
            text = _EMAIL.sub("[email]", text)
        return text

    for name in ("url", "final_url", "error", "raw_html", "rendered_html", "robots_txt"):
        value = getattr(cap, name)
        if isinstance(value, str) and name != "url":
            setattr(cap, name, clean(value))
    for name in ("redirect_chain", "response_headers", "dom_snapshot", "ax_tree", "network", "blocked_requests",
                 "console", "page_errors", "axe", "anchor_listeners", "links", "stylesheets", "mobile", "css_coverage",
                 "js_coverage"):
        setattr(cap, name, _walk(getattr(cap, name), clean))
    return cap


def _secret_values(cap: PageCapture, query: re.Pattern[str] | None) -> set[str]:
    """Values to mask wherever they appear: secret form fields, cookies, credentials, secret query values."""
    found: set[str] = set(cap.storage_values)
    for html in (cap.raw_html, cap.rendered_html):
        for tag in _INPUT.findall(html):
            if _SECRET_INPUT.search(tag) and (value := _VALUE.search(tag)):
                found.add(next(v for v in value.groups() if v is not None))
    for name, value in cap.response_headers.items():
        if name == "set-cookie":
            for line in value.split("\n"):
                found.add(line.split(";", 1)[0].partition("=")[2].strip())
        elif name in _CREDENTIAL_HEADERS:
            found.update((value, value.split(" ", 1)[-1]))
    if query is not None:
        urls = [cap.final_url or "", *(r.get("url") or "" for r in cap.network), *(r.get("url") or "" for r in cap.redirect_chain)]
        for url in urls:
            for match in query.finditer(url):
                found.add(url[match.end():].split("&", 1)[0].split("#", 1)[0])
    return {v for v in found if len(v) >= _MIN_SECRET and v != MASK}


def _walk(value: Any, clean: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_walk(v, clean) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, clean) for k, v in value.items()}
    return value
