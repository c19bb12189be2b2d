"""Run a crawl: seeds and sitemaps in, then mine a batch, follow its links, repeat until nothing is left.

``Crawler`` holds the steps; ``run_crawl`` drives them to the end with a mining function (the CLI's Dagster runs),
and the crawl sensor takes one step per tick (``minedag.defs.crawl``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from minedag.crawl.frontier import Frontier
from minedag.crawl.scope import Scope
from minedag.crawl.sitemaps import SiteFetcher, Spending
from minedag.crawl.spec import CrawlSpec
from minedag.store import Store


def frontier_path(crawls_dir: Path, name: str) -> Path:
    return crawls_dir / name / "frontier.sqlite"


def _origin(url: str) -> str:
    return "{0.scheme}://{0.netloc}".format(urlsplit(url))


@dataclass
class Crawler:
    """One crawl's steps over its saved frontier."""

    spec: CrawlSpec
    store: Store
    fetcher: SiteFetcher
    frontier: Frontier
    sitemap_errors: list[str] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scope = Scope(self.spec)

    def offer(self, url: str, depth: int, via: str) -> str | None:
        out = self.scope.why_out(url) if via != "seed" else None
        return self.frontier.offer(url, depth, via, out, robots_ok=out is not None or self.fetcher.allowed(url, _origin(url)))

    def start(self) -> None:
        """Offer the seeds and, once per crawl, every page the seeds' sites' sitemaps list."""
        fresh = self.frontier.is_empty()
        for seed in self.spec.seeds:
            self.offer(seed, 0, "seed")
        if not (self.spec.sitemaps and fresh):
            return
        spending = Spending(self.spec.sitemap_budget)  # one budget for the whole crawl
        for origin in dict.fromkeys(_origin(s) for s in self.spec.seeds):
            try:
                for entry in self.fetcher.sitemap_entries(origin, spending):
                    self.offer(entry.url, 0, "sitemap")
            except Exception as exc:  # a broken sitemap costs the sitemap, not the crawl  # noqa: BLE001
                self.sitemap_errors.append(f"{origin}: {type(exc).__name__}: {exc}")
            self.frontier.commit()
        self.sitemap_errors.extend(spending.notes.values())

    def next_batch(self) -> list[str]:
        return self.frontier.take(self.spec.max_pages, self.spec.max_pages_per_site, self.spec.batch)

    def absorb(self, urls: Sequence[str]) -> None:
        """Settle mined URLs from their stored captures and offer the links of the good ones."""
        for url in urls:
            pointer = self.store.latest(url)
            if pointer is None or not pointer.ok or (pointer.status or 0) >= 400:
                reason = "not captured" if pointer is None else (pointer.error or f"HTTP {pointer.status}")
                self.frontier.settle(url, False, reason)
                self.failures.append({"url": url, "reason": reason})
                continue
            self.frontier.settle(url, True)
            links = self.store.links(url) or {}
            depth = self.frontier.entry(url).depth
            final = links.get("final_url") or url
            if final != url and (key := self.frontier.offer(final, depth, "link")):
                self.frontier.mark(key, "redirect", f"reached from {url}")
            if depth >= self.spec.max_depth or (links.get("nofollow") and not self.spec.follow_nofollow):
                continue
            for href, rel in links.get("links", []):
                if "nofollow" not in rel.split() or self.spec.follow_nofollow:
                    self.offer(href, depth + 1, "link")

    def landed(self, older_than_s: float = 7200.0) -> list[str]:
        """URLs handed to mining whose capture has landed since; ones waiting longer than ``older_than_s`` without
        a capture are queued again (their run failed before capturing)."""
        done, now = [], time.time()
        for entry in list(self.frontier.entries(("mining",))):
            pointer = self.store.latest(entry.url)
            if pointer is not None and pointer.last_tried >= entry.since:
                done.append(entry.url)
            elif now - _epoch(entry.since) > older_than_s:
                self.frontier.mark(entry.url, "queued")
        return done


def _epoch(iso: str) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0


@dataclass
class CrawlReport:
    name: str
    counts: dict[str, dict[str, int]]
    runs: int = 0
    runs_failed: int = 0
    sitemap_errors: list[str] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for site in self.counts.values():
            for key, value in site.items():
                out[key] = out.get(key, 0) + value
        return out


# Mines a batch of URLs and returns its runs' results (anything with ``.success``: Dagster's run results).
MineBatch = Callable[[Sequence[str]], Sequence[Any]]


def run_crawl(spec: CrawlSpec, store: Store, fetcher: SiteFetcher, crawls_dir: Path, mine_batch: MineBatch,
              fresh: bool = False, on_batch: Callable[[int, int], None] | None = None) -> CrawlReport:
    """Crawl ``spec`` to completion: each batch is mined by ``mine_batch``, then its pages' links are offered to
    the frontier. Resumes a saved frontier unless ``fresh``. ``on_batch(attempted, known)`` reports progress."""
    with Frontier(frontier_path(crawls_dir, spec.name), spec.name, fresh=fresh) as frontier:
        crawler = Crawler(spec, store, fetcher, frontier)
        report = CrawlReport(spec.name, {})
        crawler.start()
        crawler.absorb(crawler.landed(older_than_s=0))  # an interrupted crawl's last batch: settled, or taken again
        frontier.commit()
        while batch := crawler.next_batch():
            results = mine_batch(batch)
            report.runs += len(results)
            report.runs_failed += sum(not r.success for r in results)
            crawler.absorb(batch)
            frontier.commit()
            if on_batch:
                on_batch(frontier.count(("mined", "failed")), len(frontier))
        report.counts = frontier.counts()
    report.sitemap_errors, report.failures = crawler.sitemap_errors, crawler.failures
    return report
