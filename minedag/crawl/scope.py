"""Which discovered URLs a crawl takes: its scope, include/exclude patterns and, later, its budgets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from minedag.crawl.spec import CrawlSpec
from minedag.urls import site_of


@dataclass
class Scope:
    """``why_out(url)`` says why a canonical URL is out of the crawl's scope, or ``None`` when it is in."""

    spec: CrawlSpec
    _hosts: frozenset[str] = field(init=False)
    _include: list[re.Pattern[str]] = field(init=False)
    _exclude: list[re.Pattern[str]] = field(init=False)

    def __post_init__(self) -> None:
        self._hosts = frozenset(site_of(s) for s in self.spec.seeds)
        self._include = [re.compile(p) for p in self.spec.include]
        self._exclude = [re.compile(p) for p in self.spec.exclude]

    def why_out(self, url: str) -> str | None:
        kind, _, arg = self.spec.scope.partition(":")
        host = site_of(url)
        if kind == "host" and host not in self._hosts:
            return f"host {host} is not a seed's host"
        if kind == "site" and not any(_same_site(host, seed) for seed in self._hosts):
            return f"host {host} is outside the seeds' sites"
        if kind == "prefix" and not url.startswith(arg):
            return f"not under {arg}"
        if kind == "regex" and not re.search(arg, url):
            return f"does not match {arg}"
        if self._include and not any(p.search(url) for p in self._include):
            return "matches no include pattern"
        for pattern in self._exclude:
            if pattern.search(url):
                return f"matches exclude pattern {pattern.pattern}"
        return None


def _same_site(host: str, seed: str) -> bool:
    """``host`` is ``seed``, a subdomain of it, or of its parent domain (``www.example.com`` -> ``*.example.com``)."""
    base = seed.removeprefix("www.")
    return host == seed or host == base or host.endswith("." + base)
