"""Which discovered URLs a crawl takes: its scope, include/exclude patterns and, later, its budgets."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from minedag.crawl.spec import CrawlSpec
from minedag.patterns import BudgetExceeded, search
from minedag.urls import site_of

# Files that are never a web page: a crawl skips links to them before loading anything (a favicon, an image, a
# stylesheet, a download). What is left and still is not HTML fails as not_html when captured.
NOT_PAGES = frozenset("""ico png jpg jpeg gif svg webp avif bmp tif tiff css js mjs map json xml rss atom txt csv tsv pdf
zip gz tgz bz2 xz 7z rar tar dmg exe msi apk deb rpm iso mp3 mp4 m4a m4v ogg oga ogv wav flac webm mov avi mkv woff woff2
ttf otf eot doc docx xls xlsx ppt pptx odt ods odp epub wasm""".split())


def not_a_page(url: str) -> str | None:
    """Why ``url`` names a file that is not a web page (by its extension), or ``None``."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return f"not a web page (a .{extension} file)" if extension in NOT_PAGES else None


@dataclass
class Scope:
    """``why_out(url)`` says why a canonical URL is out of the crawl's scope, or ``None`` when it is in."""

    spec: CrawlSpec
    _hosts: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self._hosts = frozenset(site_of(s) for s in self.spec.seeds)

    def why_out(self, url: str) -> str | None:
        try:
            return self._why_out(url)
        except BudgetExceeded as exc:
            return str(exc)

    def _why_out(self, url: str) -> str | None:
        if file := not_a_page(url):
            return file
        kind, _, arg = self.spec.scope.partition(":")
        host = site_of(url)
        if kind == "host" and host not in self._hosts:
            return f"host {host} is not a seed's host"
        if kind == "site" and not any(_same_site(host, seed) for seed in self._hosts):
            return f"host {host} is outside the seeds' sites"
        if kind == "prefix" and not url.startswith(arg):
            return f"not under {arg}"
        if kind == "regex" and not search(arg, url):
            return f"does not match {arg}"
        if self.spec.include and not any(search(p, url) for p in self.spec.include):
            return "matches no include pattern"
        for pattern in self.spec.exclude:
            if search(pattern, url):
                return f"matches exclude pattern {pattern}"
        return None


def _same_site(host: str, seed: str) -> bool:
    """``host`` is ``seed``, a subdomain of it, or of its parent domain (``www.example.com`` -> ``*.example.com``)."""
    base = seed.removeprefix("www.")
    return host == seed or host == base or host.endswith("." + base)
