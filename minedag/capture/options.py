"""How pages are captured: one frozen set of options, shared by the pool, the capture and the scheduler."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from minedag.capture.politeness import PolitenessRules


@dataclass(frozen=True)
class CaptureOptions:
    """How pages are captured. Defaults fit a 2-core machine (about two pages in flight per core).

    Args:
        executable_path: Chromium binary; ``None`` finds one (see ``chromium.find_chromium``).
        host_rules: where names go, in ``--host-resolver-rules`` syntax (the sample site maps ``*.test`` to
            127.0.0.1); applied by the guard proxy, which resolves for the browser (``capture.guard``).
        allow_hosts: host globs / CIDRs allowed despite resolving to private addresses (SSRF guard).
        redact_emails: mask e-mail addresses in everything the capture keeps (secrets are always masked).
        resolver: name -> addresses for the guard (default: the system's); the one lookup a connection gets.
        max_response_bytes: bytes one connection may receive from a server; more is cut (a failed capture,
            ``too_large``, when it is the page itself).
        pages_in_flight: pages captured concurrently by one browser.
        pages_per_site: of those, at most this many on one site (politeness and memory).
        nav_timeout_s: navigation budget (the load event).
        collect_timeout_s: budget of each collector after load (they run side by side); one that runs out is named
            in the capture (``timing["failed:<collector>"]``) and the rest is kept: the page is not failed for it.
        capture_timeout_s: the backstop for a whole capture, a politeness wait not counted (budgets above included).
        settle_ms: wait after ``load`` for late layout and paints.
        recycle_context_every: pages after which a site's context is replaced (keeps memory flat).
        max_contexts: open contexts kept at once (least recently used idle ones are closed).
        idle_tabs_per_site: warm tabs kept per site for reuse (a new tab costs a renderer start).
        max_dom_nodes: larger DOMs are recorded as failed (``too_large``) before the heavy collectors.
        max_renderer_mb, max_renderers_mb: resident memory one renderer, and all of them together, may use; a
            renderer above is killed and its page fails as ``too_large`` (``capture.memory``).
        max_browser_mb: resident memory of the browser process above which it is replaced once no capture uses
            it (killed at once above twice that; its pages in flight fail as ``browser`` and are retried).
        max_dom_chars: a rendered document whose markup is longer fails as ``too_large`` before anything reads
            it (its text would pass through the browser process, which keeps the memory).
        emulation: ``desktop``, ``mobile`` or ``both`` (desktop capture plus a mobile pass).
        axe: run axe-core; screenshot: take the viewport PNG.
        axe_rules: axe rule ids or tags to run instead of the default set (``("all",)``: every rule axe ships,
            experimental and deprecated ones included). The default: axe's default rules plus every rule mapped to a
            W3C ACT rule (its ``actIds``), experimental ones included, as axe's own ACT conformance runs them.
            axe_iframes: check inside frames too.
        axe_pass_nodes: list passing nodes (count and up to 50 targets per rule); slower on big pages.
        politeness: robots.txt, per-site delay, 429/503 back-off and the circuit breaker (on by default).
        user_agent: a User-Agent to send instead of Chromium's own (robots.txt matching uses ``politeness.robots_agent``).
    """

    executable_path: str | None = None
    host_rules: str = ""
    allow_hosts: tuple[str, ...] = ()
    pages_in_flight: int = max(2, 2 * (os.cpu_count() or 1))
    pages_per_site: int = 2
    nav_timeout_s: float = 20.0
    collect_timeout_s: float = 20.0
    capture_timeout_s: float = 90.0
    settle_ms: int = 150
    recycle_context_every: int = 40
    max_contexts: int = 6
    idle_tabs_per_site: int = 2  # each tab is a renderer process (~40-70 MB): keep few warm
    max_dom_nodes: int = 100_000
    max_html_bytes: int = 3_000_000
    max_response_bytes: int = 32_000_000
    max_renderer_mb: int = 1024
    max_renderers_mb: int = 2560
    max_browser_mb: int = 1024
    max_dom_chars: int = 25_000_000
    resolver: Callable[[str], list[str]] | None = None
    redact_emails: bool = False
    emulation: Literal["desktop", "mobile", "both"] = "desktop"
    viewport_width: int = 1280
    viewport_height: int = 800
    axe: bool = True
    axe_rules: tuple[str, ...] = ()
    axe_iframes: bool = True
    axe_pass_nodes: bool = False
    screenshot: bool = True
    user_agent: str | None = None
    bare: bool = False  # goto + content only: the benchmark's baseline
    politeness: PolitenessRules = field(default_factory=PolitenessRules)
