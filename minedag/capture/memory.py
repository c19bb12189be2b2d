"""Memory caps for Chromium: a hostile page (a 50 MB document, a gzip bomb) crashes its own tab, not the machine
or the pod, and a browser process that grew (DevTools traffic of huge documents) is replaced.

Chromium has no such limit of its own: ``--js-flags=--max-old-space-size`` caps V8's heap, but not the DOM,
layout or decoded text, and a gzip bomb is decompressed inside the browser, where the guard proxy (which only
counts bytes on the wire, and sees HTTPS as an opaque tunnel) cannot measure it. So a thread samples the
resident memory of every renderer below this process four times a second (about 2.5 ms of CPU each), and kills one that is above
``per_renderer_mb``, or the largest while all together are above ``total_mb``. Its tab then crashes, and the
capture fails as ``too_large`` with the size reached (``Capturer`` asks ``kills_since``).

The browser process itself is watched too: above ``browser_mb`` it is due for recycling (``recycle_reason``: the
pool closes it once no capture uses it and the next capture launches a fresh one); above twice that it is killed
at once, and the pages in flight fail as ``browser`` (retried later). GPU and utility processes are never touched.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Kill:
    """A renderer the watchdog killed: when (``time.perf_counter``), its resident size and why."""

    pid: int
    at: float
    rss_mb: int
    reason: str
    browser: bool = False  # the browser process, not a renderer


class MemoryWatchdog:
    """Kills renderer processes (of any browser this process started) that use too much memory, and says when a
    browser process is due for recycling (or kills it, far above)."""

    def __init__(self, per_renderer_mb: int, total_mb: int, browser_mb: int = 1024, interval_s: float = 0.25):
        self.per_renderer_mb, self.total_mb, self.browser_mb, self.interval_s = per_renderer_mb, total_mb, browser_mb, interval_s
        self.kills: list[Kill] = []
        self.recycle_reason: str | None = None  # set while a browser process is above ``browser_mb``
        self._role: dict[int, str] = {}  # pid -> renderer | browser | other
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> MemoryWatchdog:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="minedag-renderer-watchdog", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def kills_since(self, moment: float) -> list[Kill]:
        return [k for k in self.kills if k.at >= moment]

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(self.interval_s):
            try:
                self.check(me)
            except psutil.Error:  # a process ended while it was read: the next round sees the rest
                continue

    def check(self, root: psutil.Process) -> None:
        """One round: measure the renderers below ``root`` and kill what is over a cap."""
        children = root.children(recursive=True)
        self._role = {p.pid: self._role[p.pid] for p in children if p.pid in self._role}
        sizes: dict[psutil.Process, int] = {}
        browsers: dict[psutil.Process, int] = {}
        for proc in children:
            try:
                role = self._role_of(proc)
                if role != "other":
                    (sizes if role == "renderer" else browsers)[proc] = proc.memory_info().rss >> 20
            except psutil.Error:
                continue
        self._check_browsers(browsers)
        for proc, mb in sizes.items():
            if mb > self.per_renderer_mb:
                self._kill(proc, mb, f"a renderer used {mb} MB, above the cap of {self.per_renderer_mb} MB")
        living = {p: mb for p, mb in sizes.items() if mb <= self.per_renderer_mb}
        while living and sum(living.values()) > self.total_mb:
            largest = max(living, key=living.__getitem__)
            self._kill(largest, living.pop(largest), f"renderers used {sum(living.values()) + sizes[largest]} MB "
                                                     f"together, above the cap of {self.total_mb} MB; this one the most")

    def _check_browsers(self, browsers: dict[psutil.Process, int]) -> None:
        due = None
        for proc, mb in browsers.items():
            if mb > 2 * self.browser_mb:
                self._kill(proc, mb, f"the browser process used {mb} MB, above twice its recycling mark of "
                                     f"{self.browser_mb} MB", browser=True)
            elif mb > self.browser_mb:
                due = f"the browser process used {mb} MB, above its recycling mark of {self.browser_mb} MB"
        self.recycle_reason = due

    def _role_of(self, proc: psutil.Process) -> str:
        role = self._role.get(proc.pid)
        if role is None:
            args = proc.cmdline()
            role = "renderer" if "--type=renderer" in args else \
                "browser" if args and not any(a.startswith("--type=") for a in args) and "chrom" in proc.name().lower() and "crashpad" not in proc.name() else "other"
            self._role[proc.pid] = role
        return role

    def _kill(self, proc: psutil.Process, mb: int, reason: str, browser: bool = False) -> None:
        try:
            proc.kill()
        except psutil.Error:
            return
        self.kills.append(Kill(proc.pid, time.perf_counter(), mb, reason, browser))
