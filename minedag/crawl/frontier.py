"""A crawl's frontier: every URL it has seen, how (seed, sitemap, link), at which depth, and what became of it.

States: ``queued`` (to mine), ``mining`` (handed to a run), ``mined``, ``failed`` (captured badly, with the reason), ``out_of_scope``,
``robots`` (robots.txt disallows it), ``over_budget`` (in scope, but a page budget is spent: raising it and
running the crawl again mines them), ``redirect`` (a page reached through another URL's redirect: mined there).
Kept in SQLite (``frontier.sqlite``): a million URLs cost disk, not memory, and each step is one transaction, so
an interrupted crawl resumes where it stopped. A ``frontier.json`` of an older version is imported once.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from minedag.urls import InvalidURL, canonical_url, site_of

STATES = ("queued", "mining", "mined", "failed", "out_of_scope", "robots", "over_budget", "redirect")
ATTEMPTED = ("mining", "mined", "failed")
WAITING = ("queued", "over_budget")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    ord    INTEGER PRIMARY KEY,  -- discovery order: ties in depth are taken first-seen first
    url    TEXT NOT NULL UNIQUE,
    site   TEXT NOT NULL,
    depth  INTEGER NOT NULL,
    via    TEXT NOT NULL,        -- seed | sitemap | link
    state  TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    since  TEXT NOT NULL DEFAULT ''  -- when it was handed to a run (ISO time), while mining
);
CREATE INDEX IF NOT EXISTS waiting ON entries (depth, ord) WHERE state IN ('queued', 'over_budget');
CREATE INDEX IF NOT EXISTS by_state ON entries (state, site);
"""


@dataclass(frozen=True)
class Entry:
    url: str
    depth: int
    via: str
    state: str
    reason: str
    since: str


def _in(values: Iterable[str]) -> tuple[str, list[str]]:
    """``(?, ?, ...)`` and its parameters, for an ``IN`` clause."""
    items = list(values)
    return f"({', '.join('?' * len(items))})", items


class Frontier:
    """One crawl's frontier in its SQLite file; use as a context manager, ``commit()`` after each step."""

    def __init__(self, path: Path, name: str, fresh: bool = False):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.name, self.path = name, path
        self._db = sqlite3.connect(path, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        if fresh:
            self._db.execute("DELETE FROM entries")
        elif self.is_empty():
            self._import_json(path.with_name("frontier.json"))
        self.commit()

    def __enter__(self) -> Frontier:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.commit()
        self._db.close()

    def is_empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM entries LIMIT 1").fetchone() is None

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM entries").fetchone()[0]

    def offer(self, raw: str, depth: int, via: str, why_out: str | None = None, robots_ok: bool = True) -> str | None:
        """Add a discovered URL (canonicalised) unless it is known or not an http(s) URL; returns its key."""
        try:
            url = canonical_url(raw)
        except InvalidURL:
            return None  # mailto:, javascript:, malformed: not pages
        state, reason = ("out_of_scope", why_out) if why_out is not None else \
            ("robots", "robots.txt disallows it") if not robots_ok else ("queued", "")
        added = self._db.execute("INSERT OR IGNORE INTO entries (url, site, depth, via, state, reason) VALUES (?, ?, ?, ?, ?, ?)",
                                 (url, site_of(url), depth, via, state, reason))
        return url if added.rowcount == 1 else None

    def knows(self, url: str) -> bool:
        return self._db.execute("SELECT 1 FROM entries WHERE url = ?", (url,)).fetchone() is not None

    def entry(self, url: str) -> Entry:
        row = self._db.execute("SELECT url, depth, via, state, reason, since FROM entries WHERE url = ?", (url,)).fetchone()
        if row is None:
            raise KeyError(url)
        return Entry(*row)

    def entries(self, states: Iterable[str] = STATES) -> Iterator[Entry]:
        """The entries in ``states``, in discovery order (streamed: the frontier may not fit in memory)."""
        clause, params = _in(states)
        yield from (Entry(*row) for row in self._db.execute(
            f"SELECT url, depth, via, state, reason, since FROM entries WHERE state IN {clause} ORDER BY ord", params))

    def count(self, states: Iterable[str]) -> int:
        clause, params = _in(states)
        return self._db.execute(f"SELECT count(*) FROM entries WHERE state IN {clause}", params).fetchone()[0]

    def urls(self, states: Iterable[str]) -> list[str]:
        return [e.url for e in self.entries(states)]

    def mark(self, url: str, state: str, reason: str = "") -> None:
        self._db.execute("UPDATE entries SET state = ?, reason = ?, since = '' WHERE url = ?", (state, reason, url))

    def settle(self, url: str, ok: bool, reason: str = "") -> None:
        self.mark(url, "mined" if ok else "failed", "" if ok else reason)

    def take(self, max_pages: int, max_per_site: int, batch: int) -> list[str]:
        """The next URLs to mine (now ``mining``), shallowest first, within the page budgets; what a spent budget
        keeps out waits as ``over_budget``."""
        clause, params = _in(ATTEMPTED)
        attempted = Counter(dict(self._db.execute(f"SELECT site, count(*) FROM entries WHERE state IN {clause} GROUP BY site", params)))
        total = sum(attempted.values())
        taken: list[str] = []
        while len(taken) < batch and total < max_pages:
            spent = [site for site, n in attempted.items() if n >= max_per_site]
            waiting, params = _in(WAITING)
            excluded, more = _in(spent)
            rows = self._db.execute(f"SELECT url, site FROM entries WHERE state IN {waiting} AND site NOT IN {excluded} "
                                    "ORDER BY depth, ord LIMIT ?", [*params, *more, batch - len(taken)]).fetchall()
            if not rows:
                break
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for url, site in rows:
                if attempted[site] >= max_per_site or total >= max_pages:
                    continue  # its site's budget was spent by this very chunk
                self._db.execute("UPDATE entries SET state = 'mining', reason = '', since = ? WHERE url = ?", (now, url))
                taken.append(url)
                attempted[site] += 1
                total += 1
        waiting, params = _in(WAITING)
        if total >= max_pages:
            self._db.execute(f"UPDATE entries SET state = 'over_budget', reason = ? WHERE state IN {waiting}",
                             [f"max_pages ({max_pages})", *params])
        spent = [site for site, n in attempted.items() if n >= max_per_site]
        if spent:
            sites, more = _in(spent)
            self._db.execute(f"UPDATE entries SET state = 'over_budget', reason = ? WHERE state IN {waiting} AND site IN {sites}",
                             [f"max_pages_per_site ({max_per_site})", *params, *more])
        self.commit()
        return taken

    def counts(self) -> dict[str, dict[str, int]]:
        """Per site: ``discovered`` and one count per state."""
        out: dict[str, Counter[str]] = {}
        for site, state, n in self._db.execute("SELECT site, state, count(*) FROM entries GROUP BY site, state"):
            counts = out.setdefault(site, Counter())
            counts["discovered"] += n
            counts[state] += n
        return {site: {k: counts.get(k, 0) for k in ("discovered", *STATES)} for site, counts in sorted(out.items())}

    def _import_json(self, legacy: Path) -> None:
        """The entries of an older version's ``frontier.json``, once (the file is renamed ``.imported``)."""
        if not legacy.is_file():
            return
        entries = json.loads(legacy.read_text())["entries"]
        rows = sorted(entries.items(), key=lambda item: item[1].get("order", 0))
        self._db.executemany("INSERT OR IGNORE INTO entries (url, site, depth, via, state, reason, since) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [(url, site_of(url), e["depth"], e["via"], e.get("state", "queued"), e.get("reason", ""),
                               e.get("since", "")) for url, e in rows])
        self.commit()
        legacy.rename(legacy.with_suffix(".json.imported"))
