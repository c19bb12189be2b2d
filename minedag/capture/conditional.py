"""The cheap half of a re-mine: ask the server "changed since?" with one plain HTTP request, before any browser work.

``If-None-Match`` / ``If-Modified-Since`` from the last good capture; a 304, or a 200 whose body hashes the same
as before, means the page is unchanged and the browser is not needed. Anything else (a change, a redirect, an
error) means "capture it in full". Chromium's ``--host-resolver-rules`` ``MAP`` rules are honoured, so the check
reaches the same server the browser would.
"""

from __future__ import annotations

import fnmatch
import hashlib
import http.client
import ssl
from urllib.parse import urlsplit

from minedag.capture.model import PreviousCapture


def unchanged(url: str, previous: PreviousCapture, *, host_rules: str = "", user_agent: str = "minedag",
              timeout: float = 10.0, max_bytes: int = 20_000_000) -> tuple[bool, int | None]:
    """``(unchanged, status)`` of ``url`` compared with ``previous``; ``(False, None)`` when the check failed."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    target, target_port = _mapped(host, port, host_rules)
    headers = {"Host": parts.netloc, "User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml",
               "Accept-Encoding": "identity"}
    if previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(target, target_port, timeout=timeout,
                                                                        context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(target, target_port, timeout=timeout)
    try:
        conn.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), headers=headers)
        response = conn.getresponse()
        if response.status == 304:
            return True, 304
        if response.status != 200 or not previous.content_hash:
            return False, response.status
        body = response.read(max_bytes + 1)
        return len(body) <= max_bytes and hashlib.sha256(body).hexdigest() == previous.content_hash, 200
    except (OSError, http.client.HTTPException):
        return False, None
    finally:
        conn.close()


def _mapped(host: str, port: int, host_rules: str) -> tuple[str, int]:
    """Apply Chromium-style ``MAP pattern replacement`` rules (comma-separated) to ``host:port``."""
    for rule in filter(None, (r.strip() for r in host_rules.split(","))):
        words = rule.split()
        if len(words) == 3 and words[0].upper() == "MAP" and fnmatch.fnmatch(host, words[1]):
            replacement, _, new_port = words[2].rpartition(":") if ":" in words[2] else (words[2], "", "")
            return replacement, int(new_port) if new_port else port
    return host, port
