"""A crawl's frontier: every URL it has seen, how (seed, sitemap, link), at which depth, and what became of it.

States: ``queued`` (to mine), ``mining`` (handed to a run), ``mined``, ``failed`` (captured badly, with the reason), ``out_of_scope``,
``robots`` (robots.txt disallows it), ``over_budget`` (in scope, but a page budget is spent: raising it and
running the crawl again mines them), ``redirect`` (a page reached through another URL's redirect: mined there).
Saved as JSON, atomically, after each batch, so an interrupted crawl resumes where it stopped.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from minedag.store import atomic_write
from minedag.urls import InvalidURL, canonical_url, site_of

STATES = ("queued", "mining", "mined", "failed", "out_of_scope", "robots", "over_budget", "redirect")
ATTEMPTED = ("mining", "mined", "failed")


@dataclass
class Entry:
    depth: int
    via: str  # seed | sitemap | link
    state: str = "queued"
    reason: str = ""
    order: int = 0  # discovery order: ties in depth are taken first-seen first
    since: str = ""  # when it was handed to a run (ISO time), while ``mining``


@dataclass
class Frontier:
    name: str
    entries: dict[str, Entry]

    @classmethod
    def load(cls, path: Path, name: str) -> Frontier:
        if not path.is_file():
            return cls(name, {})
        data = json.loads(path.read_text())
        return cls(name, {url: Entry(**e) for url, e in data["entries"].items()})

    def save(self, path: Path) -> None:
        data = {"name": self.name, "entries": {url: asdict(e) for url, e in self.entries.items()}}
        atomic_write(path, json.dumps(data, separators=(",", ":")).encode(), durable=False)

    def offer(self, raw: str, depth: int, via: str, why_out: str | None = None, robots_ok: bool = True) -> str | None:
        """Add a discovered URL (canonicalised) unless it is known or not an http(s) URL; returns its key."""
        try:
            url = canonical_url(raw)
        except InvalidURL:
            return None  # mailto:, javascript:, malformed: not pages
        if url in self.entries:
            return None
        entry = Entry(depth, via, order=len(self.entries))
        if why_out is not None:
            entry.state, entry.reason = "out_of_scope", why_out
        elif not robots_ok:
            entry.state, entry.reason = "robots", "robots.txt disallows it"
        self.entries[url] = entry
        return url

    def take(self, max_pages: int, max_per_site: int, batch: int) -> list[str]:
        """The next URLs to mine (now ``mining``), shallowest first, within the page budgets; what a spent budget
        keeps out waits as ``over_budget``."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        attempted = Counter(site_of(u) for u, e in self.entries.items() if e.state in ATTEMPTED)
        total = sum(attempted.values())
        waiting = sorted((e.depth, e.order, u) for u, e in self.entries.items() if e.state in ("queued", "over_budget"))
        taken: list[str] = []
        for _depth, _order, url in waiting:
            site = site_of(url)
            entry = self.entries[url]
            if total >= max_pages or attempted[site] >= max_per_site or len(taken) >= batch:
                if len(taken) < batch:  # only a spent budget marks it; a full batch just waits its turn
                    entry.state = "over_budget"
                    entry.reason = f"max_pages ({max_pages})" if total >= max_pages else f"max_pages_per_site ({max_per_site})"
                continue
            entry.state, entry.reason, entry.since = "mining", "", now
            taken.append(url)
            attempted[site] += 1
            total += 1
        return taken

    def settle(self, url: str, ok: bool, reason: str = "") -> None:
        entry = self.entries[url]
        entry.state, entry.reason, entry.since = ("mined" if ok else "failed"), ("" if ok else reason), ""

    def counts(self) -> dict[str, dict[str, int]]:
        """Per site: ``discovered`` and one count per state."""
        out: dict[str, Counter[str]] = {}
        for url, entry in self.entries.items():
            site = out.setdefault(site_of(url), Counter())
            site["discovered"] += 1
            site[entry.state] += 1
        return {site: {k: counts.get(k, 0) for k in ("discovered", *STATES)} for site, counts in sorted(out.items())}

    def urls(self, states: Iterable[str]) -> list[str]:
        wanted = set(states)
        return [u for u, e in self.entries.items() if e.state in wanted]
