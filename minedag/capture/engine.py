"""The capture engine: one browser, one context per site (recycled), a bounded number of pages in flight."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import functools
import hashlib
import importlib.metadata
import logging
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, CDPSession, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

import minedag
from minedag.capture.chromium import find_chromium, launch_args, sandbox_allowed
from minedag.capture.collectors import PageProbe, axe_source, page_script
from minedag.capture.conditional import unchanged
from minedag.capture.guard import (
    GUARD_HEADER,
    Guard,
    GuardProxy,
    HostRules,
    Listener,
    Refusal,
    system_resolver,
)
from minedag.capture.memory import RendererWatchdog
from minedag.capture.model import PageCapture, PreviousCapture
from minedag.capture.politeness import Politeness, PolitenessRules
from minedag.capture.redact import redact_capture
from minedag.urls import InvalidURL, UrlPolicy, canonical_url, site_of

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MOBILE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True,
           "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "Chrome/156.0.0.0 Mobile Safari/537.36 minedag"}

# Chromium network error codes -> our failure kinds.
_NET_ERRORS = {"ERR_NAME_NOT_RESOLVED": "dns", "ERR_NAME_RESOLUTION_FAILED": "dns", "ERR_CONNECTION_REFUSED": "connection",
               "ERR_CONNECTION_RESET": "connection", "ERR_CONNECTION_CLOSED": "connection", "ERR_ADDRESS_UNREACHABLE": "connection",
               "ERR_EMPTY_RESPONSE": "connection", "ERR_TIMED_OUT": "timeout", "ERR_ABORTED": "aborted",
               "ERR_TOO_MANY_REDIRECTS": "redirects", "ERR_CERT": "tls", "ERR_SSL": "tls", "ERR_BLOCKED": "blocked"}


# The page's localStorage/sessionStorage values: never stored, only masked wherever else they appear.
_STORAGE_JS = """() => { const out = []; for (const s of [localStorage, sessionStorage]) { try {
  for (let i = 0; i < Math.min(s.length, 200); i++) out.push(String(s.getItem(s.key(i))).slice(0, 2000)); } catch (e) {} }
  return out; }"""


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
        nav_timeout_s: navigation (load event) timeout.
        capture_timeout_s: hard limit for a whole capture, collectors included.
        settle_ms: wait after ``load`` for late layout and paints.
        recycle_context_every: pages after which a site's context is replaced (keeps memory flat).
        max_contexts: open contexts kept at once (least recently used idle ones are closed).
        idle_tabs_per_site: warm tabs kept per site for reuse (a new tab costs a renderer start).
        max_dom_nodes: larger DOMs are recorded as failed (``too_large``) before the heavy collectors.
        max_renderer_mb, max_renderers_mb: resident memory one renderer, and all of them together, may use; a
            renderer above is killed and its page fails as ``too_large`` (``capture.memory``).
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
    capture_timeout_s: float = 45.0
    settle_ms: int = 150
    recycle_context_every: int = 40
    max_contexts: int = 6
    idle_tabs_per_site: int = 2  # each tab is a renderer process (~40-70 MB): keep few warm
    max_dom_nodes: int = 100_000
    max_html_bytes: int = 3_000_000
    max_response_bytes: int = 32_000_000
    max_renderer_mb: int = 1024
    max_renderers_mb: int = 2560
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


@dataclass
class _Tab:
    """A page with its CDP session, reused for many URLs of one site (a new tab costs a renderer start)."""

    page: Page
    cdp: CDPSession
    probe: PageProbe | None = None
    dialogs: int = 0
    popups: int = 0
    crashed: bool = False


@dataclass
class _SiteContext:
    context: BrowserContext
    opened: int = 0
    in_flight: int = 0
    retiring: bool = False
    last_used: float = field(default_factory=time.monotonic)
    idle: list[_Tab] = field(default_factory=list)
    listener: Listener | None = None  # its own port on the guard proxy: what it refused is counted per capture


class Capturer:
    """Captures URLs with one browser. Use as ``async with Capturer(options) as cap: await cap.capture(url)``.

    A crashed browser is relaunched for the next URL; a failure of one URL never affects the others.
    """

    def __init__(self, options: CaptureOptions | None = None, previous: Mapping[str, PreviousCapture] | None = None):
        self.options = options or CaptureOptions()
        self.previous = previous or {}  # re-mine: ask these URLs' servers "changed since?" first
        self.guard = Guard(UrlPolicy(self.options.allow_hosts), HostRules.parse(self.options.host_rules),
                           self.options.resolver or system_resolver)
        self.proxy = GuardProxy(self.guard, max_response_bytes=self.options.max_response_bytes)
        self.watchdog = RendererWatchdog(self.options.max_renderer_mb, self.options.max_renderers_mb)
        self._own: Listener | None = None  # minedag's own requests ("changed since?") and anything context-less
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._contexts: dict[tuple[str, bool], _SiteContext] = {}
        self._lock = asyncio.Lock()
        self._robots: dict[str, asyncio.Future[str | None]] = {}
        self.politeness = Politeness(self.options.politeness)
        self._axe_script, self.axe_version = axe_source() if self.options.axe else ("", "")
        self.versions: dict[str, str] = {}
        self.launches = 0

    async def __aenter__(self) -> Capturer:
        self.proxy.start()
        self.watchdog.start()
        self._own = self.proxy.listen()
        self._pw = await async_playwright().start()
        await self._ensure_browser()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._close_browser()
        if self._pw:
            await self._pw.stop()
        self.proxy.stop()
        self.watchdog.stop()

    async def _ensure_browser(self) -> Browser:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            assert self._pw is not None
            self._contexts.clear()
            path = self.options.executable_path or find_chromium()
            sandbox = sandbox_allowed()
            if not sandbox:
                _warn_unsandboxed()
            self._browser = await self._pw.chromium.launch(
                executable_path=path, headless=True, args=launch_args(self._own.url), chromium_sandbox=sandbox)
            self.launches += 1
            self.versions = {"chromium": self._browser.version, "playwright": importlib.metadata.version("playwright"),
                             "axe_core": self.axe_version, "minedag": minedag.__version__,
                             "sandbox": "on" if sandbox else "off"}
            return self._browser

    async def _close_browser(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._browser.close(), 15)
            self._browser = None
            self._contexts.clear()

    async def _context(self, site: str, mobile: bool) -> _SiteContext:
        browser = await self._ensure_browser()
        async with self._lock:
            key = (site, mobile)
            sc = self._contexts.get(key)
            if sc is not None and sc.opened >= self.options.recycle_context_every:
                sc.retiring = True
                del self._contexts[key]
                if sc.in_flight == 0:
                    asyncio.ensure_future(_close_quietly(sc.context))
                sc = None
            if sc is None:
                await self._evict_idle()
                listener = self.proxy.listen()
                context = await browser.new_context(**self._context_args(mobile),
                                                    proxy={"server": listener.url, "bypass": "<-loopback>"})
                if self._axe_script:
                    await context.add_init_script(script=self._axe_script)
                context.on("page", _close_popup)
                context.on("close", lambda _c: self.proxy.close(listener))
                sc = self._contexts[key] = _SiteContext(context, listener=listener)
            sc.opened += 1
            sc.in_flight += 1
            sc.last_used = time.monotonic()
            return sc

    def _context_args(self, mobile: bool) -> dict[str, Any]:
        o = self.options
        args: dict[str, Any] = {"accept_downloads": False, "service_workers": "block",
                                "viewport": {"width": o.viewport_width, "height": o.viewport_height}}
        if mobile:
            args.update(_MOBILE)
        elif o.user_agent:
            args["user_agent"] = o.user_agent
        return args

    async def _evict_idle(self) -> None:
        while len(self._contexts) >= self.options.max_contexts:
            idle = [(sc.last_used, key) for key, sc in self._contexts.items() if sc.in_flight == 0]
            if not idle:
                return
            _, key = min(idle)
            asyncio.ensure_future(_close_quietly(self._contexts.pop(key).context))

    async def _release(self, sc: _SiteContext) -> None:
        sc.in_flight -= 1
        if sc.retiring and sc.in_flight == 0:
            await _close_quietly(sc.context)

    # -- capturing ------------------------------------------------------------------------------------
    async def capture(self, url: str) -> PageCapture:
        """Capture one URL politely; never raises for a bad page (the failure is in the returned capture).

        Secrets are masked before the capture is returned (``capture.redact``).
        """
        return redact_capture(await self._capture(url), emails=self.options.redact_emails)

    async def _capture(self, url: str) -> PageCapture:
        """``capture`` before redaction.

        robots.txt is read once per origin first; a disallowed URL, or one of a site whose circuit is open,
        is recorded as failed without loading it. A 429/503 makes the site back off (Retry-After) and the
        page is tried again, up to ``retries_on_throttle`` times.
        """
        try:  # every URL the browser sees is canonical, as Chromium parses it (keys may come from the UI)
            if canonical_url(url) != url:
                raise InvalidURL(f"not a canonical URL: register it as {canonical_url(url)!r}")
        except InvalidURL as exc:
            return PageCapture(url=url, captured_at=datetime.now(UTC).isoformat(timespec="seconds")).fail("invalid", str(exc))
        host, parts = site_of(url), urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if reason := self.politeness.site(host).open_reason:  # a site that keeps failing is not even looked up
            return PageCapture(url=url, captured_at=datetime.now(UTC).isoformat(timespec="seconds")).fail("circuit_open", reason)
        try:  # early and cheap; the guard proxy checks again the address each connection really goes to
            await asyncio.to_thread(self.guard.target, host, parts.port or (443 if parts.scheme == "https" else 80))
        except Refusal as refusal:
            cap = PageCapture(url=url, captured_at=datetime.now(UTC).isoformat(timespec="seconds"))
            self.politeness.record(host, False, refusal.kind, None, str(refusal))
            return cap.fail(refusal.kind, str(refusal))
        robots = None if self.options.bare else await self._robots_txt(origin)
        refusal = self.politeness.disallowed(host, origin, url)
        if refusal is not None:
            cap = PageCapture(url=url, captured_at=datetime.now(UTC).isoformat(timespec="seconds"), robots_txt=robots)
            cap.versions = dict(self.versions)
            return cap.fail(*refusal)
        previous = None if self.options.bare else self.previous.get(url)
        if previous is not None:
            same, status = await self._check(url, host, origin, previous)
            if same:  # unchanged: no browser work, the earlier capture stands
                cap = PageCapture(url=url, ok=True, status=status, unchanged_since=previous.capture_id, robots_txt=robots,
                                  content_hash=previous.content_hash, captured_at=datetime.now(UTC).isoformat(timespec="seconds"))
                cap.versions = dict(self.versions)
                self.politeness.record(host, True, None, status, None)
                return cap
        notes: list[str] = []
        for attempt in range(self.options.politeness.retries_on_throttle + 1):
            cap = await self._capture_once(url, origin)
            wait = self.politeness.throttled(host, cap.status, cap.response_headers)
            if wait is None:
                break
            notes.append(f"HTTP {cap.status}: backed off {wait:.1f} s (attempt {attempt + 1})")
            if attempt < self.options.politeness.retries_on_throttle:
                await asyncio.sleep(wait)  # outside the capture timeout: a long Retry-After is not a hung page
        else:
            cap.console.append({"type": "minedag", "text": f"still HTTP {cap.status} after backing off"})
        if cap.ok and cap.redirect_chain and not self.options.bare and (refusal := await self._redirect_refusal(cap)):
            cap = self._dropped(cap, refusal)
        cap.robots_txt = robots
        cap.console.extend({"type": "minedag", "text": note} for note in notes)
        self.politeness.record(host, cap.ok, cap.error_kind, cap.status, cap.error)
        return cap

    async def _redirect_refusal(self, cap: PageCapture) -> tuple[str, str] | None:
        """``("robots", reason)`` when a redirect led to a URL its site's robots.txt disallows.

        Chromium follows redirects before minedag sees them, so such a page was loaded: it is dropped, not kept.
        """
        for target in [hop["url"] for hop in cap.redirect_chain[1:]] + [cap.final_url or cap.url]:
            parts = urlsplit(target)
            origin = f"{parts.scheme}://{parts.netloc}"
            await self._robots_txt(origin)
            refusal = self.politeness.disallowed(site_of(target), origin, target)
            if refusal is not None and refusal[0] == "robots":
                return "robots", f"redirected to {target}, {refusal[1]}"
        return None

    def _dropped(self, cap: PageCapture, refusal: tuple[str, str]) -> PageCapture:
        """A failed capture that keeps only where the page led, none of its content."""
        dropped = PageCapture(url=cap.url, captured_at=cap.captured_at, status=cap.status, final_url=cap.final_url,
                              redirect_chain=cap.redirect_chain)
        dropped.versions = dict(self.versions)
        return dropped.fail(*refusal)

    async def _check(self, url: str, host: str, origin: str, previous: PreviousCapture) -> tuple[bool, int | None]:
        """Ask the server whether ``url`` changed since ``previous`` (one plain HTTP request, a politeness slot)."""
        await self.politeness.wait_turn(host, origin)
        agent = self.options.user_agent or f"Mozilla/5.0 (compatible; {self.options.politeness.robots_agent}/{minedag.__version__})"
        assert self._own is not None
        return await asyncio.to_thread(unchanged, url, previous, proxy_port=self._own.port,
                                       timeout=self.options.nav_timeout_s, user_agent=agent)

    async def _capture_once(self, url: str, origin: str) -> PageCapture:
        o = self.options
        cap = PageCapture(url=url, captured_at=datetime.now(UTC).isoformat(timespec="seconds"))
        cap.viewport = {"width": o.viewport_width, "height": o.viewport_height, "mobile": o.emulation == "mobile"}
        started = time.perf_counter()
        try:
            async with asyncio.timeout(o.capture_timeout_s) as deadline:
                await self._capture_into(cap, origin, mobile=o.emulation == "mobile", deadline=deadline)
            if o.emulation == "both" and cap.ok:
                cap.mobile = await asyncio.wait_for(self._mobile_pass(url), o.capture_timeout_s)
        except TimeoutError:
            cap.fail("timeout", f"capture did not finish within {o.capture_timeout_s:.0f} s (page kept busy or hung)")
        except PlaywrightError as exc:
            cap.fail(*_classify(exc, self._browser))
        cap.versions = dict(self.versions)
        cap.timing["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return cap

    async def _new_tab(self, sc: _SiteContext) -> _Tab:
        page = await sc.context.new_page()
        cdp = await sc.context.new_cdp_session(page)
        tab = _Tab(page, cdp)

        def forward(name: str) -> Callable[[dict[str, Any]], None]:
            return lambda event: tab.probe.on_cdp(name, event) if tab.probe else None

        for name in PageProbe.EVENTS:
            cdp.on(name, forward(name))
        page.on("console", lambda m: tab.probe.on_console(m) if tab.probe else None)
        page.on("pageerror", lambda e: tab.probe.on_page_error(e) if tab.probe else None)
        page.on("dialog", lambda d: (setattr(tab, "dialogs", tab.dialogs + 1), asyncio.ensure_future(d.dismiss())))
        page.on("popup", lambda _p: setattr(tab, "popups", tab.popups + 1))
        page.on("crash", lambda _p: setattr(tab, "crashed", True))
        if not self.options.bare:
            await PageProbe.enable(cdp)
        return tab

    async def _capture_into(self, cap: PageCapture, origin: str, *, mobile: bool, deadline: asyncio.Timeout) -> None:
        o = self.options
        t_setup = time.perf_counter()
        sc = await self._context(site_of(cap.url), mobile)
        assert sc.listener is not None
        mark = len(sc.listener.events)
        tab: _Tab | None = None
        reusable = False
        try:
            tab = sc.idle.pop() if sc.idle else await self._new_tab(sc)
            tab.dialogs = tab.popups = 0
            page = tab.page
            probe = tab.probe = PageProbe(page, tab.cdp, cap, axe=o.axe, screenshot=o.screenshot, axe_rules=o.axe_rules,
                                          axe_iframes=o.axe_iframes, axe_pass_nodes=o.axe_pass_nodes)
            if not o.bare:
                await probe.start()
            cap.timing["setup_ms"] = round((time.perf_counter() - t_setup) * 1000, 1)
            await self.politeness.wait_turn(site_of(cap.url), origin)  # the site's delay counts from request to request
            # The capture's time counts from its turn: a long Crawl-delay is not a hung page.
            deadline.reschedule(asyncio.get_running_loop().time() + o.capture_timeout_s)
            t0 = time.perf_counter()
            try:
                response = await page.goto(cap.url, wait_until="load", timeout=o.nav_timeout_s * 1000)
            except PlaywrightTimeout:
                cap.fail("timeout", f"page did not load within {o.nav_timeout_s:.0f} s")
                self._record_main_request(cap, probe)
                return
            except PlaywrightError as exc:
                self._record_main_request(cap, probe)
                kind, message = _classify(exc, self._browser)
                blocked = sc.listener.since(mark)
                if "ERR_TUNNEL_CONNECTION_FAILED" in message and blocked:  # the guard refused it or a redirect hop
                    kind, message = str(blocked[-1]["kind"]), str(blocked[-1]["reason"])
                if kind == "aborted" and cap.content_type and not cap.content_type.startswith(_HTML_TYPES):
                    kind, message = "not_html", f"not HTML: {cap.content_type} (downloads are disabled)"
                cap.fail(kind, message)
                if not tab.crashed:
                    await probe.stop()
                reusable = not tab.crashed
                return
            cap.timing["navigate_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            await self._record_response(cap, response, await _document_charset(page))
            if guard_said := cap.response_headers.get(GUARD_HEADER):  # the guard answered, not the server
                cap.status, cap.http_error, cap.content_hash, cap.raw_html = None, False, None, ""
                kind, _, reason = guard_said.partition(": ")
                cap.fail(kind, reason)
                await probe.stop()
                reusable = True
                return
            if o.bare:
                cap.rendered_html = await page.content()
                cap.ok = reusable = True
                return
            if not cap.content_type or not cap.content_type.split(";")[0].strip().startswith(_HTML_TYPES):
                cap.fail("not_html", f"not HTML: {cap.content_type or 'no content type'}")
                await probe.stop()
                reusable = True
                return
            t1 = time.perf_counter()
            await page.wait_for_timeout(o.settle_ms)
            nodes = await page.evaluate("document.getElementsByTagName('*').length")
            cap.performance_metrics["DomNodesTotal"] = nodes
            if nodes > o.max_dom_nodes:
                cap.fail("too_large", f"DOM has {nodes} elements, above max_dom_nodes={o.max_dom_nodes}")
                await probe.stop()
                return
            cap.rendered_html = (await page.content())[: o.max_html_bytes]
            cap.timing["post_load_ms"] = round((time.perf_counter() - t1) * 1000, 1)
            await probe.collect()
            cap.storage_values = await page.evaluate(_STORAGE_JS)
            cap.ok = reusable = True
            if page.url != cap.final_url and _guarded(page.url, sc.listener.since(mark)):
                cap.fail("refused", f"the page navigated on to {page.url[:300]}, which the guard refused")
        finally:
            cap.blocked_requests = sc.listener.since(mark)
            if tab is not None:
                tab.probe = None
                cap.dialogs, cap.popups = tab.dialogs, tab.popups
                if tab.crashed:
                    killed = self.watchdog.kills_since(t_setup)
                    cap.fail(*(("too_large", f"{killed[-1].reason} (killed)") if killed else
                               ("crash", "the renderer crashed while the page was captured")))
                    reusable = False
            if tab is not None and reusable and not sc.retiring and len(sc.idle) < o.idle_tabs_per_site:
                sc.idle.append(tab)
            elif tab is not None:
                await self._close_tab(tab, sc)
            await self._release(sc)

    async def _close_tab(self, tab: _Tab, sc: _SiteContext) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(tab.page.close(), 5)
        if not tab.page.is_closed():  # a hung renderer: drop the whole context
            sc.retiring = True
            self._contexts = {k: v for k, v in self._contexts.items() if v is not sc}
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sc.context.close(), 10)

    async def _record_response(self, cap: PageCapture, response: Any, charset: str | None = None) -> None:
        """Status, headers, redirects and the body as served, decoded as the browser decoded it (``charset``)."""
        if response is None:
            return
        cap.status = response.status
        cap.http_error = response.status >= 400
        cap.final_url = response.url
        cap.response_headers = {k.lower(): v for k, v in (await response.all_headers()).items()}
        cap.content_type = cap.response_headers.get("content-type")
        chain, request = [], response.request.redirected_from
        while request is not None:
            prev = await request.response()
            chain.append({"url": request.url, "status": prev.status if prev else None})
            request = request.redirected_from
        cap.redirect_chain = list(reversed(chain))
        try:
            body = await response.body()
        except PlaywrightError:
            body = b""
        cap.content_hash = hashlib.sha256(body).hexdigest()
        cap.raw_html = decode_body(body[: self.options.max_html_bytes], charset, cap.content_type) if body else ""

    def _record_main_request(self, cap: PageCapture, probe: PageProbe) -> None:
        """After a failed navigation, keep what the network log saw of the document request."""
        docs = [r for r in probe._requests.values() if r.get("type") == "Document"]
        if docs:
            cap.status = docs[-1].get("status")
            cap.content_type = docs[-1].get("mime")
        cap.network = list(probe._requests.values())

    async def _robots_txt(self, origin: str) -> str | None:
        """robots.txt of ``origin``, loaded once per run by the browser itself (same network path as pages)."""
        if origin not in self._robots:
            future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
            self._robots[origin] = future
            text: str | None = None
            try:
                sc = await self._context(site_of(origin), False)
                try:
                    page = await sc.context.new_page()
                    try:
                        response = await page.goto(f"{origin}/robots.txt", timeout=self.options.nav_timeout_s * 1000)
                        if response is not None:
                            text = f"__status__{response.status}" if response.status >= 400 else (await response.text())[:500_000]
                    finally:
                        with contextlib.suppress(Exception):
                            await asyncio.wait_for(page.close(), 5)
                finally:
                    await self._release(sc)
            except PlaywrightError:
                text = None  # unreachable: allowed (the page load will fail on its own if the host is down)
            self.politeness.set_robots(origin, text)
            future.set_result(text)
        return await self._robots[origin]

    async def _mobile_pass(self, url: str) -> dict[str, Any]:
        sc = await self._context(site_of(url), True)
        page = await sc.context.new_page()
        try:
            await page.goto(url, wait_until="load", timeout=self.options.nav_timeout_s * 1000)
            return await page.evaluate(page_script("mobile"))
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(page.close(), 5)
            await self._release(sc)

    async def capture_many(self, urls: Iterable[str]) -> AsyncIterator[PageCapture]:
        """Capture ``urls``, yielding captures as they finish.

        At most ``pages_in_flight`` pages at once and ``pages_per_site`` per site; sites already open are
        preferred, and a site's context is closed as soon as its last URL is done, so only a few renderer
        processes live at any time (each is 40-70 MB).
        """
        queues: dict[str, deque[str]] = {}
        for url in urls:
            queues.setdefault(site_of(url), deque()).append(url)
        active: dict[str, int] = {}
        running: dict[asyncio.Task[PageCapture], str] = {}

        def next_site() -> str | None:
            for site in active:
                if queues.get(site) and active[site] < self.options.pages_per_site:
                    return site
            return next((site for site, queue in queues.items() if queue and site not in active), None)

        try:
            while queues or running:
                while len(running) < self.options.pages_in_flight and (site := next_site()) is not None:
                    active[site] = active.get(site, 0) + 1
                    running[asyncio.ensure_future(self._capture_retrying(queues[site].popleft()))] = site
                if not running:
                    break
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    site = running.pop(task)
                    active[site] -= 1
                    if not queues.get(site) and active[site] == 0:
                        del active[site]
                        queues.pop(site, None)
                        await self._close_site(site)
                    yield task.result()
        finally:
            for task in running:
                task.cancel()

    async def _capture_retrying(self, url: str) -> PageCapture:
        cap = await self.capture(url)
        if cap.error_kind == "browser":  # the browser died: relaunch and retry once
            await self._close_browser()
            cap = await self.capture(url)
        return cap

    async def _close_site(self, site: str) -> None:
        for key in [(site, False), (site, True)]:
            sc = self._contexts.get(key)
            if sc is not None and sc.in_flight == 0:
                del self._contexts[key]
                await _close_quietly(sc.context)


def capture_urls(urls: Iterable[str], options: CaptureOptions | None = None,
                 on_capture: Callable[[PageCapture], None] | None = None,
                 previous: Mapping[str, PreviousCapture] | None = None) -> list[PageCapture]:
    """Synchronous wrapper: capture ``urls`` with one browser.

    With ``on_capture``, each capture is handed over as it lands and not kept (memory stays flat over
    thousands of URLs) and the returned list is empty; without it, every capture is returned.
    ``previous`` makes a re-mine incremental: those URLs are asked "changed since?" and, when not, come
    back as cheap captures with ``unchanged_since`` set.
    """

    async def run() -> list[PageCapture]:
        out = []
        async with Capturer(options, previous) as capturer:
            async for cap in capturer.capture_many(urls):
                if on_capture:
                    on_capture(cap)
                else:
                    out.append(cap)
        return out

    return asyncio.run(run())


@functools.cache
def _warn_unsandboxed() -> None:  # once per process
    log.warning("Chromium's renderers run without their sandbox (as root, or MINEDAG_SANDBOX=off): run minedag as "
                "an ordinary user to keep it; README, Security")


def _classify(exc: Exception, browser: Browser | None) -> tuple[str, str]:
    text = str(exc).split("\n")[0][:300]
    if browser is None or not browser.is_connected() or "Browser has been closed" in text or "browser has disconnected" in text:
        return "browser", f"the browser went away during the capture: {text}"
    if "crash" in text.lower():
        return "crash", f"the renderer crashed: {text}"
    if "Download is starting" in text:
        return "not_html", "not HTML: the response is a download (downloads are disabled)"
    for code, kind in _NET_ERRORS.items():
        if code in text:
            return kind, f"{code.replace('ERR_', 'net::ERR_')}: {text}"
    if "ERR_TUNNEL_CONNECTION_FAILED" in text:
        return "connection", f"net::ERR_TUNNEL_CONNECTION_FAILED (the guard proxy did not connect): {text}"
    if "Target page, context or browser has been closed" in text:
        return "crash", f"the page was closed while it was captured: {text}"
    return "error", text


def _guarded(url: str, blocked: list[dict[str, Any]]) -> bool:
    """True if ``url`` (or its host:port, for tunnels) is among what the guard refused."""
    parts = urlsplit(url)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    hostport = f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    return any(e["target"] in (url[:300], hostport) or str(e["target"]).startswith(url[:300]) for e in blocked)


async def _close_quietly(context: BrowserContext) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(context.close(), 10)


def _close_popup(page: Any) -> None:
    """``window.open`` spam: popups are closed as they appear."""

    async def close_if_popup() -> None:
        with contextlib.suppress(Exception):
            if await page.opener() is not None:
                await page.close()

    asyncio.ensure_future(close_if_popup())


async def _document_charset(page: Any) -> str | None:
    """The encoding Chromium decoded the document with (``document.characterSet``); ``None`` if the page is gone."""
    try:
        return await page.evaluate("document.characterSet")
    except PlaywrightError:
        return None


def decode_body(body: bytes, charset: str | None, content_type: str | None) -> str:
    """The response body as text. DevTools hands over a document's text already decoded by Chromium (as UTF-8); raw
    bytes that are not UTF-8 are decoded in the encoding the browser used, else as the HTML declares it (BOM,
    ``Content-Type``, ``<meta charset>``: w3lib, in the order browsers follow)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if charset:
        try:
            return body.decode(codecs.lookup(charset).name, errors="replace")
        except LookupError:
            pass
    from w3lib.encoding import html_to_unicode

    return html_to_unicode(content_type, body)[1]
