"""A generated multi-host site for crawl benchmarks: ``a.gen`` ... ``e.gen`` on one local port.

Each host has ``pages / 5`` article pages in a binary tree (``/p/0`` links to ``/p/1`` and ``/p/2``...), a home page
linking to ``/p/0``, and a robots.txt pointing to a sitemap that lists the first ``listed`` share of the pages:
the rest are found only by following links from the rendered pages.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOSTS = ("a.gen", "b.gen", "c.gen", "d.gen", "e.gen")
WORDS = ("garden tools seasonal planting guide soil compost watering pruning harvest seeds shade frost mulch "
         "orchard ladder hedge border bulbs perennial trellis irrigation greenhouse").split()


def _article(host: str, index: int, pages: int) -> str:
    text = " ".join(WORDS[(index * 7 + i * 3) % len(WORDS)] for i in range(260))
    children = [c for c in (2 * index + 1, 2 * index + 2) if c < pages]
    links = "".join(f'<li><a href="/p/{c}">Part {c}</a></li>' for c in children)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{host} article {index}</title>"
            f"<meta name='description' content='Article {index} of {host}'></head><body><header><nav>"
            f"<a href='/'>Home</a></nav></header><main><article><h1>Article {index}</h1><p>{text}</p>"
            f"<h2>Read on</h2><ul>{links}</ul></article></main><footer>© {host}</footer></body></html>")


class GeneratedSite(ThreadingHTTPServer):
    """Serves the generated hosts; ``host_rules`` maps them here for Chromium and the crawl's fetcher."""

    daemon_threads = True

    def __init__(self, pages: int, listed: float = 0.7) -> None:
        self.pages = pages // len(HOSTS)  # per host
        self.listed = int(self.pages * listed)
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def host_rules(self) -> str:
        return f"MAP *.gen 127.0.0.1:{self.server_address[1]}"

    def seeds(self) -> list[str]:
        return [f"http://{host}/" for host in HOSTS]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: GeneratedSite

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        host = (self.headers.get("Host") or "a.gen").split(":")[0]
        site, path = self.server, self.path.split("?")[0]
        if path == "/robots.txt":
            self._send("text/plain", f"User-agent: *\nAllow: /\nSitemap: http://{host}/sitemap.xml\n")
        elif path == "/sitemap.xml":
            urls = "".join(f"<url><loc>http://{host}/p/{i}</loc></url>" for i in range(site.listed))
            self._send("application/xml", f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')
        elif path == "/":
            self._send("text/html", f"<!doctype html><html lang='en'><title>{host}</title><h1>{host}</h1><a href='/p/0'>Start</a></html>")
        elif path.startswith("/p/") and path[3:].isdigit() and int(path[3:]) < site.pages:
            self._send("text/html", _article(host, int(path[3:]), site.pages))
        else:
            self._send("text/html", "<!doctype html><title>Not found</title><h1>Not found</h1>", status=404)

    def _send(self, kind: str, body: str, status: int = 200) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
