"""Serve the sample site (and a few hostile pages) for every ``*.test`` host from one local port.

The browser resolves ``*.test`` to this server with ``--host-resolver-rules``, so URLs stay
``http://shop.test/...`` whatever ephemeral port the server gets, and partition keys are stable.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

SITE_ROOT = Path(__file__).resolve().parents[2] / "data" / "site"

_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".svg": "image/svg+xml", ".txt": "text/plain",
          ".js": "application/javascript", ".json": "application/json", ".xml": "application/xml",
          ".gz": "application/gzip"}

# Lab pages on lab.test: most exercise a failure path of the capture layer; the last ones, axe's options.
HOSTILE: dict[str, tuple[str, bytes]] = {
    "/pdf": ("application/pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
    "/image.png": ("image/png", bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                                              "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")),
    "/alert-spam": ("text/html", b"<!doctype html><title>Alerts</title><h1>Alerts</h1>"
                                 b"<script>for (let i = 0; i < 50; i++) { alert('spam ' + i); }</script>"),
    "/popup-spam": ("text/html", b"<!doctype html><title>Popups</title><h1>Popups</h1>"
                                 b"<script>for (let i = 0; i < 20; i++) { window.open('/popup-spam?' + i); }</script>"),
    # ~500 bytes on the wire, 120 MB of unique attribute text once its script ran.
    "/bloated-dom": ("text/html", b"<!doctype html><title>Bloated</title><h1>Bloated</h1><div id=r></div><script>"
                                  b"const r = document.getElementById('r'); for (let i = 0; i < 6000; i++) {"
                                  b" const d = document.createElement('div'); d.setAttribute('data-x', (i + '-').repeat(4000).slice(0, 20000));"
                                  b" d.textContent = 'n' + i; r.appendChild(d); }</script>"),
    "/infinite-loop": ("text/html", b"<!doctype html><title>Loop</title><h1>Loop</h1><script>while (true) {}</script>"),
    "/huge-dom": ("text/html", b"<!doctype html><title>Huge</title><h1>Huge</h1><ul>"
                               + b"<li class='row'><span>item</span> <b>x</b></li>" * 240_000 + b"</ul>"),
    "/absurd": ("text/html", b"<!doctype html><html lang='en'><title>" + b"Absurd " * 150_000 + b"</title><h1>Absurd</h1>"
                             + b"".join(b"<a href='/paced/%d'>link %d</a> " % (i, i) for i in range(3000)) + b"</html>"),
    "/pending-image": ("text/html", b"<!doctype html><title>Pending</title><h1>Waiting for an image</h1><img src='/hang' alt='late'>"),
    "/console-errors": ("text/html", b"<!doctype html><html lang='en'><title>Errors</title><h1>Errors</h1>"
                                     b"<script>console.error('boom from console'); console.warn('careful');</script>"
                                     b"<script>undefinedFunctionCall();</script>"),
    "/framed": ("text/html", b"<!doctype html><html lang='en'><title>Framed</title><main><h1>Framed</h1>"
                             b"<table id='prices' role='grid'><tr><th colspan='2'>Prices</th></tr><tr><td>Mug</td><td>9</td></tr></table>"
                             b"<iframe title='inner' src='/frame-inner'></iframe></main>"),
    "/links": ("text/html", b"<!doctype html><html lang='en'><title>Links</title><main><h1>Links</h1>"
                            b"<a class='scripted'>Scripted</a><div id='parent'><a>Placeholder</a></div>"
                            b"<a href='javascript:void(0)'>Void</a><a name='top'></a><a href='/links#top'>here</a>"
                            b"<a href='/other' lang='de'>Start</a><a href='/other'><span lang='de'>hier</span></a></main>"
                            b"<script>document.querySelector('.scripted').addEventListener('mousedown', () => {});"
                            b"document.getElementById('parent').addEventListener('click', () => {});</script>"),
    "/frame-inner": ("text/html", b"<!doctype html><html lang='en'><title>Inner</title><img src='/assets/none.svg' id='bare'>"),
}


def resolve(root: Path, host: str, path: str) -> Path | None:
    """The file under ``root`` that serves ``http://host/path`` (``/assets/`` is shared by all hosts)."""
    if path.startswith("/assets/"):
        base, rel = root / "_assets", path[len("/assets/"):]
    else:
        base, rel = root / host, path.strip("/")
    candidates = [base / rel] if "." in rel.rsplit("/", 1)[-1] else [base / (rel + ".html"), base / rel / "index.html"]
    if not rel:
        candidates = [base / "index.html"]
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_file() and resolved.is_relative_to(root.resolve()) and host:
            return resolved
    return None


class SiteHandler(BaseHTTPRequestHandler):
    """Routes by the Host header: ``shop.test`` -> ``data/site/shop.test/``."""

    server: SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence per-request logs
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = urlsplit(self.path).path
        self.server.record(host, path)
        if host == "lab.test":
            return self._hostile(path)
        if path == "/old-catalog":
            return self._send(301, b"", "text/html", {"Location": "/catalog"})
        if path == "/slow":
            time.sleep(self.server.slow_seconds)
            return self._send(200, b"<!doctype html><html lang='en'><title>Slow page</title><h1>Slow page</h1>"
                                   b"<p>This page took a while to arrive.</p></html>", _TYPES[".html"])
        file = resolve(self.server.root, host, path)
        if file is None:
            body = b"<!doctype html><html lang='en'><title>Not found</title><h1>Page not found</h1></html>"
            return self._send(404, body, _TYPES[".html"])
        data = file.read_bytes()
        etag = f'"{hashlib.sha1(data).hexdigest()[:16]}"'
        headers = {"ETag": etag, "Last-Modified": formatdate(file.stat().st_mtime, usegmt=True), "Cache-Control": "no-cache"}
        if self.headers.get("If-None-Match") == etag:
            return self._send(304, b"", None, headers)
        self._send(200, data, _TYPES.get(file.suffix, "application/octet-stream"), headers)

    def _hostile(self, path: str) -> None:
        if path == "/hang":
            time.sleep(self.server.hang_seconds)
            return self._send(200, b"<title>late</title>", _TYPES[".html"])
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[-1])
            return self._send(code, f"<!doctype html><title>Status {code}</title><h1>{code}</h1>".encode(), _TYPES[".html"])
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nAllow: /\n\nUser-agent: minedag\nDisallow: /private/\nCrawl-delay: 0.5\n\n"
                                   b"User-agent: greedy-bot\nCrawl-delay: 86400\n", _TYPES[".txt"])
        if path in ("/busy", "/busy-odd"):  # every other request is throttled: 429 with Retry-After: 1 (odd: "²")
            if self.server.hits[("lab.test", path)] % 2 == 1:
                return self._send(429, b"<title>Too many requests</title>", _TYPES[".html"],
                                  {"Retry-After": "1" if path == "/busy" else "\u00b2"})
            return self._send(200, b"<!doctype html><html lang='en'><title>Busy</title><h1>Finally</h1></html>", _TYPES[".html"])
        if path.startswith("/private/") or path.startswith("/paced/"):
            return self._send(200, f"<!doctype html><html lang='en'><title>{path}</title><h1>{path}</h1></html>".encode(), _TYPES[".html"])
        if path == "/big-page":  # 50 MB of paragraphs
            return self._stream(_repeat(b"<p class='row'>lorem ipsum dolor sit amet</p>\n" * 1000, 50 << 20),
                                {"Content-Type": _TYPES[".html"], "Content-Length": str(50 << 20)})
        if path == "/gzip-bomb":  # about 4 MB on the wire, 4 GB of text once decompressed
            return self._stream(_gzip_bomb(4 << 10), {"Content-Type": _TYPES[".html"], "Content-Encoding": "gzip",
                                                      "Connection": "close"})
        if path not in HOSTILE:
            return self._send(404, b"<title>Not found</title>", _TYPES[".html"])
        ctype, body = HOSTILE[path]
        self._send(200, body, ctype)

    def _stream(self, chunks: Iterator[bytes], headers: dict[str, str]) -> None:
        try:
            self.send_response(200)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            for chunk in chunks:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _send(self, status: int, body: bytes, ctype: str | None, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def _repeat(block: bytes, size: int) -> Iterator[bytes]:
    """``size`` bytes of ``block`` over and over."""
    for start in range(0, size, len(block)):
        yield block[: size - start]


def _gzip_bomb(megabytes: int) -> Iterator[bytes]:
    """A gzip stream of an HTML page with ``megabytes`` MB of text, made in milliseconds: after a full flush
    the compressor starts afresh, so every further megabyte compresses to the same bytes (no trailer: the
    reader is meant to give up long before the end)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    yield b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip header: deflate, no name, no time
    yield deflate.compress(b"<!doctype html><title>bomb</title><p>") + deflate.flush(zlib.Z_FULL_FLUSH)
    megabyte = deflate.compress(b"a" * (1 << 20)) + deflate.flush(zlib.Z_FULL_FLUSH)
    for _ in range(megabytes):
        yield megabyte


class SiteServer(ThreadingHTTPServer):
    """A threaded HTTP server over ``root`` that counts requests per (host, path)."""

    daemon_threads = True

    def __init__(self, root: Path = SITE_ROOT, port: int = 0, *, slow_seconds: float = 2.0, hang_seconds: float = 60.0):
        super().__init__(("127.0.0.1", port), SiteHandler)
        self.root = root
        self.slow_seconds = slow_seconds
        self.hang_seconds = hang_seconds
        self.hits: collections.Counter[tuple[str, str]] = collections.Counter()
        self.times: collections.defaultdict[tuple[str, str], list[float]] = collections.defaultdict(list)
        self._lock = threading.Lock()

    def record(self, host: str, path: str) -> None:
        with self._lock:
            self.hits[(host, path)] += 1
            self.times[(host, path)].append(time.monotonic())

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def host_rules(self) -> str:
        """The ``--host-resolver-rules`` value that sends every ``*.test`` host here."""
        return f"MAP *.test 127.0.0.1:{self.port}"

    def start(self) -> SiteServer:
        threading.Thread(target=self.serve_forever, name="minedag-sample-site", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def serve(port: int = 0) -> SiteServer:
    """Start the sample site in a background thread and return the running server."""
    return SiteServer(port=port).start()


@contextlib.contextmanager
def sample_site_for(rules: str, urls: Iterable[str] | None = None) -> Iterator[str]:
    """Yield the host rules to use: ``rules``, plus the sample site served meanwhile when no rule says where
    ``*.test`` is (and, if ``urls`` are given, one of them is on a ``*.test`` host)."""
    from minedag.capture.guard import HostRules
    from minedag.settings import join_rules

    mapped = HostRules.parse(rules).map("shop.test", 80) != ("shop.test", 80)
    if mapped or (urls is not None and not any((urlsplit(u).hostname or "").endswith(".test") for u in urls)):
        yield rules
        return
    server = serve()
    try:
        yield join_rules(rules, server.host_rules)
    finally:
        server.stop()
