"""The cheap half of a re-mine: ask the server "changed since?" with one plain HTTP request, before any browser work.

``If-None-Match`` / ``If-Modified-Since`` from the last good capture; a 304, or a 200 whose body hashes the same
as before, means the page is unchanged and the browser is not needed. Anything else (a change, a redirect, an
error) means "capture it in full". The request goes through the guard proxy (``capture.guard``), so it reaches the
same server the browser would and passes the same address check; redirects are not followed. The whole exchange
has one deadline (a server that drips its answer is cut off) and the body is capped.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import ssl
import threading
from urllib.parse import urlsplit

from minedag.capture.guard import GUARD_HEADER
from minedag.capture.model import PreviousCapture


def unchanged(url: str, previous: PreviousCapture, *, proxy_port: int, user_agent: str = "minedag",
              timeout: float = 10.0, max_bytes: int = 20_000_000) -> tuple[bool, int | None]:
    """``(unchanged, status)`` of ``url`` compared with ``previous``; ``(False, None)`` when the check failed.

    Args:
        proxy_port: the guard proxy's port on 127.0.0.1.
        timeout: deadline for the whole exchange, from connecting to the last body byte.
    """
    parts = urlsplit(url)
    headers = {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml", "Accept-Encoding": "identity"}
    if previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", proxy_port, timeout=timeout, context=ssl.create_default_context())
        conn.set_tunnel(parts.hostname or "", parts.port or 443)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    else:
        conn = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=timeout)
        target = url
    deadline: threading.Timer | None = None
    try:
        conn.connect()
        deadline = threading.Timer(timeout, _cut, (conn.sock,))  # the response keeps this socket after close()
        deadline.start()
        conn.request("GET", target, headers=headers)
        response = conn.getresponse()
        if response.getheader(GUARD_HEADER):
            return False, None
        if response.status == 304:
            return True, 304
        if response.status != 200 or not previous.content_hash:
            return False, response.status
        body = response.read(max_bytes + 1)
        return len(body) <= max_bytes and hashlib.sha256(body).hexdigest() == previous.content_hash, 200
    except (OSError, http.client.HTTPException, ValueError):
        return False, None
    finally:
        if deadline is not None:
            deadline.cancel()
        conn.close()


def _cut(sock: socket.socket) -> None:
    """The deadline passed: shut the socket down, which ends any read in progress."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
