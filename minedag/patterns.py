"""Regular expressions and selectors that users (and agents) write, run within a time and size budget.

- Regexes compile with the ``regex`` engine (Python ``re`` syntax) and match with a timeout, on at most
  ``MAX_SUBJECT`` characters, releasing the GIL: a pattern such as ``(a+)+$`` costs one value an error, never a
  frozen process.
- CSS and XPath selectors run in a worker process of their own (lxml cannot be interrupted): a selection over
  ``SELECT_SECONDS`` kills the worker and is that value's error; the next selection starts a fresh worker.
"""

from __future__ import annotations

import functools
import itertools
import os
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

import regex

from minedag.errors import MinedagError

MAX_PATTERN = 2_000  # characters of a user regex
MAX_SUBJECT = 1_000_000  # characters a user regex reads of one value
REGEX_SECONDS = 0.25  # per match
SELECT_SECONDS = 3.0  # per selector on one page
MAX_MATCHES = 10_000  # nodes a selector returns
MAX_TEXT = 200_000  # characters of one selected text


class BudgetExceeded(MinedagError, ValueError):
    """A user pattern ran over its time or size budget (the message names the pattern, the budget and the fix)."""


def compiled(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled; ``ValueError`` naming it and why not (pydantic reports it against the field)."""
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"regular expression of {len(pattern):,} characters: the limit is {MAX_PATTERN:,}")
    return _compile(pattern)


@functools.lru_cache(maxsize=512)
def _compile(pattern: str) -> regex.Pattern[str]:
    try:
        return regex.compile(pattern)
    except (regex.error, OverflowError, RecursionError, MemoryError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc) or type(exc).__name__
        raise ValueError(f"bad regular expression {pattern[:200]!r}: {why}") from None


def search(pattern: str, text: str) -> regex.Match[str] | None:
    """The first match of a user ``pattern`` in ``text``.

    Raises:
        BudgetExceeded: the match ran over ``REGEX_SECONDS``.
    """
    try:
        return compiled(pattern).search(text[:MAX_SUBJECT], timeout=REGEX_SECONDS, concurrent=True)
    except TimeoutError:
        raise BudgetExceeded(f"regex {pattern[:200]!r} ran over its {REGEX_SECONDS} s budget on a value of "
                             f"{len(text):,} characters; avoid nested repetition such as (a+)+") from None


def texts(nodes: Any, take: str) -> list[str]:
    """What ``take`` (text, html, attr:NAME, or near: the parent's text) reads from each of parsel's ``nodes``, in
    document order."""
    out = []
    for node in nodes[:MAX_MATCHES]:
        element = not isinstance(node.root, str)
        if take == "text":
            value = " ".join(node.xpath(".//text()").getall()) if element else node.get()
        elif take == "near":  # what surrounds a match: its element's parent's text (a price's currency sign)
            value = " ".join(node.xpath("..//text()[not(parent::script or parent::style)]").getall()) if element else node.get()
        elif take == "html":
            value = node.get()
        else:
            value = node.attrib.get(take.split(":", 1)[1]) if element else None
        if value is not None:
            out.append(value[:MAX_TEXT])
    return out


class Selections:
    """One page's HTML, queried by user selectors in the selector worker."""

    _serials = itertools.count(1)

    def __init__(self, html: str):
        self.html, self.serial = html, next(self._serials)

    def select(self, css: str | None, xpath: str | None, take: str) -> list[str]:
        """The texts the selector gives (see ``texts``).

        Raises:
            BudgetExceeded: the selection ran over ``SELECT_SECONDS`` (the worker was stopped).
            ValueError: the selector is invalid.
        """
        return _WORKER.select(self, css, xpath, take)


class _SelectorWorker:
    """A process that keeps the last page it was sent, parsed, and answers selections on it one at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: Connection | None = None
        self._page: int | None = None  # serial of the Selections the worker holds

    def select(self, page: Selections, css: str | None, xpath: str | None, take: str) -> list[str]:
        with self._lock:
            conn = self._started()
            conn.send((None if self._page == page.serial else page.html, css, xpath, take))
            self._page = page.serial
            if not conn.poll(SELECT_SECONDS):
                self.stop()
                raise BudgetExceeded(f"selector {(css or xpath or '')[:200]!r} ran over its {SELECT_SECONDS} s budget "
                                     f"on a page of {len(page.html):,} characters; make it narrower (no nested //)")
            ok, value = conn.recv()
        if not ok:
            raise ValueError(value)
        return value

    def _started(self) -> Connection:
        if self._process is None or self._process.poll() is not None:
            self.stop()
            # A plain subprocess, not multiprocessing: Celery's prefork workers are daemonic and may not start one.
            to_child, from_parent = os.pipe()
            to_parent, from_child = os.pipe()
            self._process = subprocess.Popen(
                [sys.executable, "-m", "minedag.patterns", str(to_child), str(from_child)],
                pass_fds=(to_child, from_child), stdin=subprocess.DEVNULL)
            os.close(to_child)
            os.close(from_child)
            self._conn = _Duplex(to_parent, from_parent)
            self._page = None
        assert self._conn is not None
        return self._conn

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(5)
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn, self._page = None, None, None


class _Duplex(Connection):
    """Two one-way pipes as one connection: ``recv``/``poll`` on the first, ``send`` on the second."""

    def __init__(self, read_fd: int, write_fd: int):
        super().__init__(read_fd, readable=True, writable=False)
        self._out = Connection(write_fd, readable=False, writable=True)

    def send(self, obj: Any) -> None:
        self._out.send(obj)

    def close(self) -> None:
        self._out.close()
        super().close()


def _serve(conn: Connection) -> None:
    from parsel import Selector

    page = Selector(text="<html></html>")
    while True:
        try:
            html, css, xpath, take = conn.recv()
        except EOFError:
            return
        try:
            if html is not None:
                page = Selector(text=html or "<html></html>")
            conn.send((True, texts(page.css(css) if css is not None else page.xpath(xpath), take)))
        except Exception as exc:  # an invalid selector: the caller's error  # noqa: BLE001
            conn.send((False, f"selector {(css or xpath or '')[:200]!r}: {exc}"))


_WORKER = _SelectorWorker()

if __name__ == "__main__":  # the selector worker: python -m minedag.patterns READ_FD WRITE_FD
    _serve(_Duplex(int(sys.argv[1]), int(sys.argv[2])))
