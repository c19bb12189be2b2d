"""A memory cap for Chromium's renderers: a hostile page (a 50 MB document, a gzip bomb) crashes its own tab,
not the machine or the pod.

Chromium has no such limit of its own: ``--js-flags=--max-old-space-size`` caps V8's heap, but not the DOM,
layout or decoded text, and a gzip bomb is decompressed inside the browser, where the guard proxy (which only
counts bytes on the wire, and sees HTTPS as an opaque tunnel) cannot measure it. So a thread samples the
resident memory of every renderer below this process four times a second (about 2.5 ms of CPU each), and kills one that is above
``per_renderer_mb``, or the largest while all together are above ``total_mb``. Its tab then crashes, and the
capture fails as ``too_large`` with the size reached (``Capturer`` asks ``kills_since``). Browser, GPU and
utility processes are never touched.
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


class RendererWatchdog:
    """Kills renderer processes (of any browser this process started) that use too much memory."""

    def __init__(self, per_renderer_mb: int, total_mb: int, interval_s: float = 0.25):
        self.per_renderer_mb, self.total_mb, self.interval_s = per_renderer_mb, total_mb, interval_s
        self.kills: list[Kill] = []
        self._is_renderer: dict[int, bool] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> RendererWatchdog:
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
        self._is_renderer = {p.pid: self._is_renderer[p.pid] for p in children if p.pid in self._is_renderer}
        sizes: dict[psutil.Process, int] = {}
        for proc in children:
            try:
                if self._renderer(proc):
                    sizes[proc] = proc.memory_info().rss >> 20
            except psutil.Error:
                continue
        for proc, mb in sizes.items():
            if mb > self.per_renderer_mb:
                self._kill(proc, mb, f"a renderer used {mb} MB, above the cap of {self.per_renderer_mb} MB")
        living = {p: mb for p, mb in sizes.items() if mb <= self.per_renderer_mb}
        while living and sum(living.values()) > self.total_mb:
            largest = max(living, key=living.__getitem__)
            self._kill(largest, living.pop(largest), f"renderers used {sum(living.values()) + sizes[largest]} MB "
                                                     f"together, above the cap of {self.total_mb} MB; this one the most")

    def _renderer(self, proc: psutil.Process) -> bool:
        known = self._is_renderer.get(proc.pid)
        if known is None:
            known = self._is_renderer[proc.pid] = "--type=renderer" in proc.cmdline()
        return known

    def _kill(self, proc: psutil.Process, mb: int, reason: str) -> None:
        try:
            proc.kill()
        except psutil.Error:
            return
        self.kills.append(Kill(proc.pid, time.perf_counter(), mb, reason))
