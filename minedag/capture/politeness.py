"""Per-site politeness: robots.txt (protego), a minimum delay with jitter (or Crawl-delay), 429/503 back-off
honouring Retry-After, and a circuit breaker that stops hammering a host that keeps failing."""

from __future__ import annotations

import asyncio
import fcntl
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

from protego import Protego

# Failures that say "this host is in trouble" (not "this page is odd").
_HOST_FAILURES = {"timeout", "connection", "dns", "no_such_host", "tls"}


@dataclass
class SiteState:
    """What the capture layer knows about one site during a run."""

    next_start: float = 0.0
    consecutive_failures: int = 0
    open_reason: str | None = None
    backoffs: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(frozen=True)
class PolitenessRules:
    """Args:
        respect_robots: skip URLs robots.txt disallows for ``robots_agent``.
        robots_agent: the user-agent token matched against robots.txt groups.
        min_delay_s: minimum time between two page loads on one site (Crawl-delay wins when larger).
        max_crawl_delay_s: a robots.txt Crawl-delay above this is taken as this (86400 would stall a run for a day).
        jitter: random extra delay, as a share of the delay.
        max_backoff_s: cap on a 429/503 back-off (Retry-After larger than this is capped).
        retries_on_throttle: how many times a 429/503 page is tried again after backing off.
        circuit_after: consecutive host failures (timeouts, refused, DNS, 5xx) that open the site's circuit.
        shared_state_dir: a folder every capturing process can reach (the store's ``politeness/``): page-load
            slots per site are booked there under a file lock, so delays and back-offs hold across concurrent
            runs and processes, not only inside one. ``None``: per run only.
    """

    respect_robots: bool = True
    robots_agent: str = "minedag"
    min_delay_s: float = 0.0
    max_crawl_delay_s: float = 30.0
    jitter: float = 0.2
    max_backoff_s: float = 60.0
    retries_on_throttle: int = 2
    circuit_after: int = 5
    shared_state_dir: str | None = None


class SlotBook:
    """Per-site "next page load not before" times in small files, read and written under ``flock``.

    Works for processes on one machine and on shared filesystems with working POSIX locks (local disks, NFSv4).
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def reserve(self, host: str, delay: float, not_before: float = 0.0) -> float:
        """Take the site's next slot (``delay`` after the previous one, by any process); return its epoch time."""
        with open(self.folder / f"{quote(host, safe='')}.slot", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
            handle.seek(0)
            text = handle.read().strip()
            start = max(time.time(), float(text) if text else 0.0, not_before)
            handle.seek(0)
            handle.truncate()
            handle.write(repr(start + delay))
        return start

    def book(self, host: str, delay: float, not_before: float = 0.0) -> float:
        """Reserve the site's next slot; return the seconds to wait for it."""
        return max(0.0, self.reserve(host, delay, not_before) - time.time())


class Politeness:
    """Per-site state and decisions for one capture run."""

    def __init__(self, rules: PolitenessRules):
        self.rules = rules
        self.shared = SlotBook(rules.shared_state_dir) if rules.shared_state_dir else None
        self.sites: dict[str, SiteState] = {}
        self.robots: dict[str, Protego | None] = {}  # by origin (scheme://host:port)

    def site(self, host: str) -> SiteState:
        return self.sites.setdefault(host, SiteState())

    def set_robots(self, origin: str, text: str | None) -> None:
        """``text`` is the robots.txt body, ``__status__NNN`` for an error status, or ``None`` if unreachable."""
        self.robots[origin] = Protego.parse(text) if text and not text.startswith("__status__") else None

    def disallowed(self, host: str, origin: str, url: str) -> tuple[str, str] | None:
        """``(kind, reason)`` if ``url`` must not be fetched, else ``None``."""
        state = self.site(host)
        if state.open_reason:
            return "circuit_open", state.open_reason
        robots = self.robots.get(origin)
        if self.rules.respect_robots and robots is not None and not robots.can_fetch(url, self.rules.robots_agent):
            return "robots", f"disallowed by {origin}/robots.txt for user agent {self.rules.robots_agent!r}"
        return None

    def delay(self, host: str, origin: str) -> float:
        robots = self.robots.get(origin)
        crawl_delay = robots.crawl_delay(self.rules.robots_agent) if robots is not None and self.rules.respect_robots else None
        return max(self.rules.min_delay_s, min(float(crawl_delay or 0.0), self.rules.max_crawl_delay_s))

    async def wait_turn(self, host: str, origin: str) -> None:
        """Sleep until this site may be loaded again, then book the next slot."""
        state = self.site(host)
        async with state.lock:
            now = time.monotonic()
            if state.next_start > now:
                await asyncio.sleep(state.next_start - now)
            delay = self.delay(host, origin) * (1 + random.uniform(0, self.rules.jitter))
            if self.shared is not None:  # other runs book the same site's slots too
                await asyncio.sleep(self.shared.book(host, delay))
            state.next_start = time.monotonic() + delay

    def throttled(self, host: str, status: int | None, headers: dict[str, str]) -> float | None:
        """For a 429/503: the back-off in seconds (and the site waits that long); otherwise ``None``."""
        if status not in (429, 503):
            return None
        state = self.site(host)
        state.backoffs += 1
        wait = _retry_after(headers.get("retry-after")) or min(2.0 ** state.backoffs, self.rules.max_backoff_s)
        wait = min(wait, self.rules.max_backoff_s)
        state.next_start = max(state.next_start, time.monotonic() + wait)
        if self.shared is not None:  # every run backs off from this site, not only this one
            self.shared.book(host, 0.0, not_before=time.time() + wait)
        return wait

    def record(self, host: str, ok: bool, kind: str | None, status: int | None, error: str | None) -> None:
        """Count host failures in a row; open the circuit after ``circuit_after`` of them."""
        state = self.site(host)
        host_failure = (not ok and kind in _HOST_FAILURES) or (status is not None and status >= 500)
        if not host_failure:
            state.consecutive_failures = 0
            return
        state.consecutive_failures += 1
        if state.consecutive_failures >= self.rules.circuit_after and not state.open_reason:
            state.open_reason = (f"circuit open: {host} failed {state.consecutive_failures} times in a row "
                                 f"(last: {error or f'HTTP {status}'}); its remaining URLs are skipped this run")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # delay-seconds; "²" is a digit to isdigit, not to float
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
