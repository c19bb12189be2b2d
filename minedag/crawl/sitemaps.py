"""Sitemaps and robots.txt for a crawl, fetched through the capture guard (the same address check as pages).

Parsing is ultimate-sitemap-parser's (robots.txt ``Sitemap:`` lines, the well-known paths, indexes, gzip, text and
RSS/Atom sitemaps, ``lastmod``); robots.txt rules are Protego's, as in the capture layer.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from protego import Protego
from usp.tree import sitemap_tree_for_homepage
from usp.web_client.abstract_client import (
    AbstractWebClient,
    AbstractWebClientResponse,
    AbstractWebClientSuccessResponse,
    WebClientErrorResponse,
)

import minedag
from minedag.capture.guard import GUARD_HEADER, Guard, GuardProxy, HostRules
from minedag.crawl.spec import SitemapBudget
from minedag.urls import UrlPolicy

MAX_BYTES = 50_000_000  # one sitemap file (the protocol allows 50 MB uncompressed)


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: str | None


class _Response(AbstractWebClientSuccessResponse):
    def __init__(self, url: str, status: int, reason: str, headers: dict[str, str], body: bytes):
        self._url, self._status, self._reason, self._headers, self._body = url, status, reason, headers, body

    def status_code(self) -> int:
        return self._status

    def status_message(self) -> str:
        return self._reason

    def header(self, case_insensitive_name: str) -> str | None:
        return self._headers.get(case_insensitive_name.lower())

    def raw_data(self) -> bytes:
        return self._body

    def url(self) -> str:
        return self._url


class _ThroughGuard(urllib.request.BaseHandler):
    """Sends every request through the guard proxy, whatever ``no_proxy``/``http_proxy`` say (urllib's own
    ProxyHandler skips the proxy for hosts in ``no_proxy``)."""

    handler_order = 100  # before the handlers that open the connection

    def __init__(self, hostport: str):
        self.hostport = hostport

    def http_open(self, request: urllib.request.Request) -> None:
        request.set_proxy(self.hostport, "http")  # https: a CONNECT tunnel through the guard

    https_open = http_open


class GuardedClient(AbstractWebClient):
    """Plain HTTP GETs through the guard proxy: refused addresses are errors, never requests."""

    def __init__(self, proxy_port: int, user_agent: str, timeout_s: float = 20.0):
        # No proxy from the environment (an empty ProxyHandler), and `no_proxy` never routes around the guard.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _ThroughGuard(f"127.0.0.1:{proxy_port}"))
        self._agent, self._timeout, self._max = user_agent, timeout_s, MAX_BYTES

    def set_max_response_data_length(self, max_response_data_length: int | None) -> None:
        self._max = min(max_response_data_length or MAX_BYTES, MAX_BYTES)

    def get(self, url: str, limit: int | None = None) -> AbstractWebClientResponse:
        """``url``'s response, its body cut at ``limit`` bytes (and at the response limit usp sets)."""
        request = urllib.request.Request(url, headers={"User-Agent": self._agent, "Accept-Encoding": "identity"})
        most = min(self._max, limit if limit is not None else self._max)
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                headers = {k.lower(): v for k, v in response.headers.items()}
                return _Response(response.geturl(), response.status, response.reason, headers, response.read(most))
        except urllib.error.HTTPError as exc:
            if exc.headers.get(GUARD_HEADER):
                return WebClientErrorResponse(f"refused by the guard: {exc.headers[GUARD_HEADER]}", retryable=False)
            headers = {k.lower(): v for k, v in exc.headers.items()}
            return _Response(url, exc.code, exc.reason, headers, exc.read(min(most, 65_536)))
        except (OSError, ValueError) as exc:
            return WebClientErrorResponse(f"{type(exc).__name__}: {exc}", retryable=True)


class SiteFetcher:
    """robots.txt and sitemaps of the crawl's sites, over one guard proxy (open it with ``fetcher()``)."""

    def __init__(self, client: GuardedClient, agent: str):
        self.client, self.agent = client, agent
        self._robots: dict[str, Protego] = {}

    def robots(self, origin: str) -> Protego:
        """The parsed robots.txt of ``origin`` (an empty one when there is none or it cannot be read)."""
        if origin not in self._robots:
            response = self.client.get(f"{origin}/robots.txt")
            ok = isinstance(response, AbstractWebClientSuccessResponse) and response.status_code() == 200
            text = response.raw_data().decode("utf-8", errors="replace") if ok else ""
            self._robots[origin] = Protego.parse(text)
        return self._robots[origin]

    def allowed(self, url: str, origin: str) -> bool:
        return self.robots(origin).can_fetch(url, self.agent)

    def sitemap_entries(self, origin: str, spending: Spending | None = None) -> Iterator[SitemapEntry]:
        """The pages the origin's sitemaps list, within ``spending``'s budget: those robots.txt declares (``Sitemap:``
        lines), else those at the well-known paths (``/sitemap.xml``, ``/sitemap_index.xml``...: two dozen requests
        a site need not pay)."""
        logging.getLogger("usp").setLevel(logging.CRITICAL)  # a site without sitemaps is not a warning for us
        spending = spending or Spending(SitemapBudget())
        declared = any(True for _ in self.robots(origin).sitemaps)
        tree = sitemap_tree_for_homepage(f"{origin}/", web_client=_Budgeted(self.client, spending),
                                         use_known_paths=not declared, recurse_callback=spending.may_enter,
                                         recurse_list_callback=spending.affordable)
        for page in tree.all_pages():
            if spending.urls >= spending.budget.urls:
                spending.left_out("urls", f"{spending.budget.urls:,} URLs taken")
                return
            spending.urls += 1
            yield SitemapEntry(page.url, page.last_modified.isoformat() if page.last_modified else None)


@dataclass
class Spending:
    """What a crawl's sitemap reading has spent of its ``budget``, and what a spent budget left out (``notes``)."""

    budget: SitemapBudget
    fetches: int = 0
    bytes: int = 0
    urls: int = 0
    started: float = field(default_factory=time.monotonic)
    notes: dict[str, str] = field(default_factory=dict)  # budget kind -> what it left out

    def left_out(self, kind: str, why: str) -> None:
        self.notes.setdefault(kind, f"sitemap budget spent ({why}): the rest is not read; raise sitemap_budget.{kind}")

    def refusal(self) -> str | None:
        """Why the next fetch may not be made, or ``None``."""
        spent = {"fetches": (self.fetches >= self.budget.fetches, f"{self.budget.fetches} fetches"),
                 "bytes": (self.bytes >= self.budget.bytes, f"{self.budget.bytes:,} bytes"),
                 "seconds": (time.monotonic() - self.started >= self.budget.seconds, f"{self.budget.seconds:g} s")}
        for kind, (over, why) in spent.items():
            if over:
                self.left_out(kind, why)
                return self.notes[kind]
        return None

    def may_enter(self, url: str, level: int, parents: set[str]) -> bool:
        """Whether a sitemap listed by an index is read: not below ``budget.depth`` levels of indexes."""
        if sum(not p.endswith("/robots.txt") for p in parents) <= self.budget.depth:
            return True
        self.left_out("depth", f"{self.budget.depth} levels of sitemap indexes")
        return False

    def affordable(self, urls: list[str], level: int, parents: set[str]) -> list[str]:
        """The sitemaps of an index the fetch budget can still pay for."""
        room = max(self.budget.fetches - self.fetches, 0)
        if len(urls) > room:
            self.left_out("fetches", f"{self.budget.fetches} fetches")
        return urls[:room]


class _Budgeted(AbstractWebClient):
    """``GuardedClient`` that refuses a fetch once the crawl's sitemap budget is spent (without a request)."""

    def __init__(self, client: GuardedClient, spending: Spending):
        self.client, self.spending = client, spending

    def set_max_response_data_length(self, max_response_data_length: int | None) -> None:
        self.client.set_max_response_data_length(max_response_data_length)

    def get(self, url: str) -> AbstractWebClientResponse:
        if (why := self.spending.refusal()) is not None:
            return WebClientErrorResponse(why, retryable=False)
        self.spending.fetches += 1
        response = self.client.get(url, limit=self.spending.budget.bytes - self.spending.bytes)
        if isinstance(response, AbstractWebClientSuccessResponse):
            self.spending.bytes += len(response.raw_data())
        return response


@contextmanager
def fetcher(allow_hosts: tuple[str, ...], host_rules: str, agent: str = "minedag") -> Iterator[SiteFetcher]:
    """A ``SiteFetcher`` whose requests pass the same guard as the browser's (policy, allow-list, host rules)."""
    proxy = GuardProxy(Guard(UrlPolicy(tuple(allow_hosts)), HostRules.parse(host_rules))).start()
    try:
        listener = proxy.listen()
        ua = f"Mozilla/5.0 (compatible; {agent}/{minedag.__version__})"
        yield SiteFetcher(GuardedClient(listener.port, ua), agent)
    finally:
        proxy.stop()
