"""The browser pool: one Chromium, one context per site (recycled), warm tabs reused within a site; the browser
itself is replaced when the memory watchdog says it grew too much (once no capture uses it).

Every context goes through its own port on the guard proxy, so what the guard refused is counted per capture.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.metadata
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Browser, BrowserContext, CDPSession, Page, Playwright, async_playwright

import minedag
from minedag.capture.chromium import find_chromium, launch_args, sandbox_allowed
from minedag.capture.collectors import PageProbe
from minedag.capture.guard import GuardProxy, Listener
from minedag.capture.memory import MemoryWatchdog
from minedag.capture.options import CaptureOptions

log = logging.getLogger(__name__)

MOBILE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True,
          "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/156.0.0.0 Mobile Safari/537.36 minedag"}


@dataclass
class Tab:
    """A page with its CDP session, reused for many URLs of one site (a new tab costs a renderer start)."""

    page: Page
    cdp: CDPSession
    probe: PageProbe | None = None
    dialogs: int = 0
    popups: int = 0
    crashed: bool = False


@dataclass
class SiteContext:
    context: BrowserContext
    opened: int = 0
    in_flight: int = 0
    retiring: bool = False
    last_used: float = field(default_factory=time.monotonic)
    idle: list[Tab] = field(default_factory=list)
    listener: Listener | None = None  # its own port on the guard proxy: what it refused is counted per capture


class BrowserPool:
    """Launches Chromium on first use (and again after it died) and hands out per-site contexts and tabs."""

    def __init__(self, options: CaptureOptions, proxy: GuardProxy, axe_script: str = "", axe_version: str = "",
                 watchdog: MemoryWatchdog | None = None):
        self.options, self.proxy, self.watchdog = options, proxy, watchdog
        self.axe_script, self.axe_version = axe_script, axe_version
        self.own: Listener | None = None  # minedag's own requests ("changed since?") and anything context-less
        self.browser: Browser | None = None
        self.contexts: dict[tuple[str, bool], SiteContext] = {}
        self.versions: dict[str, str] = {}
        self.launches = 0
        self.recycled: list[str] = []  # why the browser was replaced, each time
        self.in_use = 0  # contexts handed out and not released
        self._pw: Playwright | None = None
        self._lock = asyncio.Lock()
        self._idle = asyncio.Condition()

    async def start(self) -> None:
        self.own = self.proxy.listen()
        self._pw = await async_playwright().start()
        await self.ensure_browser()

    async def stop(self) -> None:
        await self.close_browser()
        if self._pw:
            await self._pw.stop()

    async def ensure_browser(self) -> Browser:
        if self.browser is not None and self.browser.is_connected():
            return self.browser
        async with self._lock:
            if self.browser is not None and self.browser.is_connected():
                return self.browser
            assert self._pw is not None and self.own is not None
            self.contexts.clear()
            path = self.options.executable_path or find_chromium()
            sandbox = sandbox_allowed()
            if not sandbox:
                _warn_unsandboxed()
            self.browser = await self._pw.chromium.launch(
                executable_path=path, headless=True, args=launch_args(self.own.url), chromium_sandbox=sandbox)
            self.launches += 1
            self.versions = {"chromium": self.browser.version, "playwright": importlib.metadata.version("playwright"),
                             "axe_core": self.axe_version, "minedag": minedag.__version__,
                             "sandbox": "on" if sandbox else "off"}
            return self.browser

    async def close_browser(self) -> None:
        if self.browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.browser.close(), 15)
            self.browser = None
            self.contexts.clear()

    async def context(self, site: str, mobile: bool) -> SiteContext:
        """The site's context (a new one every ``recycle_context_every`` pages), counted as in use until ``release``."""
        await self._recycle_if_due()
        browser = await self.ensure_browser()
        async with self._lock:
            key = (site, mobile)
            sc = self.contexts.get(key)
            if sc is not None and sc.opened >= self.options.recycle_context_every:
                sc.retiring = True
                del self.contexts[key]
                if sc.in_flight == 0:
                    asyncio.ensure_future(close_quietly(sc.context))
                sc = None
            if sc is None:
                self._evict_idle()
                listener = self.proxy.listen()
                context = await browser.new_context(**self._context_args(mobile),
                                                    proxy={"server": listener.url, "bypass": "<-loopback>"})
                if self.axe_script:
                    await context.add_init_script(script=self.axe_script)
                context.on("page", _close_popup)
                context.on("close", lambda _c: self.proxy.close(listener))
                sc = self.contexts[key] = SiteContext(context, listener=listener)
            sc.opened += 1
            sc.in_flight += 1
            sc.last_used = time.monotonic()
            self.in_use += 1
            return sc

    async def _recycle_if_due(self) -> None:
        """While the browser is due for recycling, new captures wait; the last one in flight to finish lets it close."""
        if self.watchdog is None or self.watchdog.recycle_reason is None:
            return
        watchdog = self.watchdog
        async with self._idle:
            await self._idle.wait_for(lambda: self.in_use == 0 or watchdog.recycle_reason is None)
            if (reason := watchdog.recycle_reason) is not None and self.browser is not None:
                log.info("recycling the browser: %s", reason)
                self.recycled.append(reason)
                await self.close_browser()
                watchdog.recycle_reason = None  # the next round measures the new browser

    def _context_args(self, mobile: bool) -> dict[str, Any]:
        o = self.options
        args: dict[str, Any] = {"accept_downloads": False, "service_workers": "block",
                                "viewport": {"width": o.viewport_width, "height": o.viewport_height}}
        if mobile:
            args.update(MOBILE)
        elif o.user_agent:
            args["user_agent"] = o.user_agent
        return args

    def _evict_idle(self) -> None:
        while len(self.contexts) >= self.options.max_contexts:
            idle = [(sc.last_used, key) for key, sc in self.contexts.items() if sc.in_flight == 0]
            if not idle:
                return
            _, key = min(idle)
            asyncio.ensure_future(close_quietly(self.contexts.pop(key).context))

    async def release(self, sc: SiteContext) -> None:
        sc.in_flight -= 1
        async with self._idle:
            self.in_use -= 1
            self._idle.notify_all()
        if sc.retiring and sc.in_flight == 0:
            await close_quietly(sc.context)

    async def tab(self, sc: SiteContext) -> Tab:
        """A warm tab of the site, or a new one wired to forward its events to the probe of the URL it captures."""
        if sc.idle:
            tab = sc.idle.pop()
            tab.dialogs = tab.popups = 0
            return tab
        page = await sc.context.new_page()
        cdp = await sc.context.new_cdp_session(page)
        tab = Tab(page, cdp)

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

    async def put_back(self, tab: Tab, sc: SiteContext, reusable: bool) -> None:
        """Keep the tab warm for the site's next URL when it is reusable and there is room, else close it."""
        if reusable and not sc.retiring and len(sc.idle) < self.options.idle_tabs_per_site:
            sc.idle.append(tab)
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(tab.page.close(), 5)
        if not tab.page.is_closed():  # a hung renderer: drop the whole context
            sc.retiring = True
            self.contexts = {k: v for k, v in self.contexts.items() if v is not sc}
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sc.context.close(), 10)

    async def close_site(self, site: str) -> None:
        """Close the site's contexts once no capture uses them (its renderers' memory goes back)."""
        for key in [(site, False), (site, True)]:
            sc = self.contexts.get(key)
            if sc is not None and sc.in_flight == 0:
                del self.contexts[key]
                await close_quietly(sc.context)


@functools.cache
def _warn_unsandboxed() -> None:  # once per process
    log.warning("Chromium's renderers run without their sandbox (as root, or MINEDAG_SANDBOX=off): run minedag as "
                "an ordinary user to keep it; README, Security")


async def close_quietly(context: BrowserContext) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(context.close(), 10)


def _close_popup(page: Any) -> None:
    """``window.open`` spam: popups are closed as they appear."""

    async def close_if_popup() -> None:
        with contextlib.suppress(Exception):
            if await page.opener() is not None:
                await page.close()

    asyncio.ensure_future(close_if_popup())
