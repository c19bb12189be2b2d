"""One polite capture: guard and robots.txt first, then one navigation with every collector, in a pooled tab.

``Capturer`` ties the pieces together: the browser pool (``pool``), the site scheduler (``scheduler``), the guard
proxy (``guard``), politeness and the renderer watchdog.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

import minedag
from minedag.capture.collectors import PageProbe, axe_source, cdp_send, document_html, page_script
from minedag.capture.conditional import unchanged
from minedag.capture.guard import (
    GUARD_HEADER,
    Guard,
    GuardProxy,
    HostRules,
    Refusal,
    system_resolver,
)
from minedag.capture.memory import MemoryWatchdog
from minedag.capture.model import PageCapture, PreviousCapture
from minedag.capture.options import CaptureOptions
from minedag.capture.politeness import Politeness
from minedag.capture.pool import BrowserPool, Tab
from minedag.capture.redact import redact_capture
from minedag.capture.scheduler import by_site
from minedag.urls import InvalidURL, UrlPolicy, canonical_url, site_of

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Chromium network error codes -> our failure kinds.
_NET_ERRORS = {"ERR_NAME_NOT_RESOLVED": "dns", "ERR_NAME_RESOLUTION_FAILED": "dns", "ERR_CONNECTION_REFUSED": "connection",
               "ERR_CONNECTION_RESET": "connection", "ERR_CONNECTION_CLOSED": "connection", "ERR_ADDRESS_UNREACHABLE": "connection",
               "ERR_EMPTY_RESPONSE": "connection", "ERR_TIMED_OUT": "timeout", "ERR_ABORTED": "aborted",
               "ERR_TOO_MANY_REDIRECTS": "redirects", "ERR_CERT": "tls", "ERR_SSL": "tls", "ERR_BLOCKED": "blocked"}


# The page's localStorage/sessionStorage values: never stored, only masked wherever else they appear.
# Elements and markup length, measured in the renderer (the markup never leaves it).
_DOM_SIZE_JS = "[document.getElementsByTagName('*').length, document.documentElement ? document.documentElement.outerHTML.length : 0]"
_STORAGE_JS = """() => { const out = []; for (const name of ["localStorage", "sessionStorage"]) { try { const s = window[name];
  for (let i = 0; i < Math.min(s.length, 200); i++) out.push(String(s.getItem(s.key(i))).slice(0, 2000)); } catch (e) {} }
  return out; }"""


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
        self.watchdog = MemoryWatchdog(self.options.max_renderer_mb, self.options.max_renderers_mb, self.options.max_browser_mb)
        self.pool = BrowserPool(self.options, self.proxy, *(axe_source() if self.options.axe else ("", "")),
                                watchdog=self.watchdog)
        self._robots: dict[str, asyncio.Future[str | None]] = {}
        self.politeness = Politeness(self.options.politeness)

    async def __aenter__(self) -> Capturer:
        self.proxy.start()
        self.watchdog.start()
        await self.pool.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.pool.stop()
        self.proxy.stop()
        self.watchdog.stop()

    # -- capturing ------------------------------------------------------------------------------------
    async def capture(self, url: str) -> PageCapture:
        """Capture one URL politely; never raises for a bad page (the failure is in the returned capture).

        Anything unforeseen while capturing it (a server's answer no branch expected, a minedag bug) fails this
        page with kind ``error`` and the exception, not the batch. Secrets are masked before the capture is
        returned (``capture.redact``).
        """
        try:
            cap = await self._capture(url)
        except Exception as exc:  # noqa: BLE001 - recorded on the page; cancellation (BaseException) still stops the run
            cap = PageCapture(url=url, captured_at=datetime.now(UTC).isoformat(timespec="seconds"))
            cap.fail("error", f"minedag could not capture this page: {type(exc).__name__}: {exc}"[:500])
        return redact_capture(cap, emails=self.options.redact_emails)

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
            cap.versions = dict(self.pool.versions)
            return cap.fail(*refusal)
        previous = None if self.options.bare else self.previous.get(url)
        if previous is not None:
            same, status = await self._check(url, host, origin, previous)
            if same:  # unchanged: no browser work, the earlier capture stands
                cap = PageCapture(url=url, ok=True, status=status, unchanged_since=previous.capture_id, robots_txt=robots,
                                  content_hash=previous.content_hash, captured_at=datetime.now(UTC).isoformat(timespec="seconds"))
                cap.versions = dict(self.pool.versions)
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
        dropped.versions = dict(self.pool.versions)
        return dropped.fail(*refusal)

    async def _check(self, url: str, host: str, origin: str, previous: PreviousCapture) -> tuple[bool, int | None]:
        """Ask the server whether ``url`` changed since ``previous`` (one plain HTTP request, a politeness slot)."""
        await self.politeness.wait_turn(host, origin)
        agent = self.options.user_agent or f"Mozilla/5.0 (compatible; {self.options.politeness.robots_agent}/{minedag.__version__})"
        assert self.pool.own is not None
        return await asyncio.to_thread(unchanged, url, previous, proxy_port=self.pool.own.port,
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
            cap.fail("timeout", f"capture did not finish within {o.capture_timeout_s:.0f} s after its turn (page kept busy "
                                f"or hung; budgets: navigation {o.nav_timeout_s:.0f} s, each collector {o.collect_timeout_s:.0f} s)")
        except PlaywrightError as exc:
            cap.fail(*_classify(exc, self.pool.browser))
        if cap.error_kind == "browser" and (killed := [k for k in self.watchdog.kills_since(started) if k.browser]):
            cap.error = f"{killed[-1].reason}: killed with the pages it held (retried later)"
        cap.versions = dict(self.pool.versions)
        cap.timing["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return cap

    async def _capture_into(self, cap: PageCapture, origin: str, *, mobile: bool, deadline: asyncio.Timeout) -> None:
        o = self.options
        t_setup = time.perf_counter()
        sc = await self.pool.context(site_of(cap.url), mobile)
        assert sc.listener is not None
        mark = len(sc.listener.events)
        tab: Tab | None = None
        reusable = False
        try:
            tab = await self.pool.tab(sc)
            page = tab.page
            probe = tab.probe = PageProbe(page, tab.cdp, cap, axe=o.axe, screenshot=o.screenshot, axe_rules=o.axe_rules,
                                          axe_iframes=o.axe_iframes, axe_pass_nodes=o.axe_pass_nodes,
                                          budget_s=o.collect_timeout_s)
            if not o.bare:
                await probe.start()
            cap.timing["setup_ms"] = round((time.perf_counter() - t_setup) * 1000, 1)
            deadline.reschedule(None)  # a politeness wait (a long Crawl-delay, a busy site) is no part of any budget
            t_wait = time.perf_counter()
            await self.politeness.wait_turn(site_of(cap.url), origin)  # the site's delay counts from request to request
            cap.timing["politeness_wait_ms"] = round((time.perf_counter() - t_wait) * 1000, 1)
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
                kind, message = _classify(exc, self.pool.browser)
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
            if _moved(page.url, cap.final_url):  # a script or a meta refresh navigated after load: follow it
                with contextlib.suppress(PlaywrightError):
                    await page.wait_for_load_state("load", timeout=o.nav_timeout_s * 1000)
            nodes, chars = await page.evaluate(_DOM_SIZE_JS)
            cap.performance_metrics["DomNodesTotal"] = nodes
            if nodes > o.max_dom_nodes or chars > o.max_dom_chars:
                cap.fail("too_large", f"DOM has {nodes} elements, above max_dom_nodes={o.max_dom_nodes}" if nodes > o.max_dom_nodes
                         else f"the rendered document is {chars:,} characters of markup, above max_dom_chars={o.max_dom_chars:,}")
                await probe.stop()
                return
            cap.rendered_html = (await asyncio.wait_for(document_html(tab.cdp), o.nav_timeout_s))[: o.max_html_bytes]
            cap.timing["post_load_ms"] = round((time.perf_counter() - t1) * 1000, 1)
            await probe.collect()
            with contextlib.suppress(PlaywrightError, TimeoutError):
                cap.storage_values = await asyncio.wait_for(page.evaluate(_STORAGE_JS), o.collect_timeout_s)
            with contextlib.suppress(PlaywrightError, TimeoutError):  # set by script or on a redirect: no header says so
                jar = await asyncio.wait_for(cdp_send(tab.cdp, "Network.getCookies"), o.collect_timeout_s)
                cap.storage_values += [str(c.get("value", ""))[:2000] for c in jar.get("cookies", [])[:200]]
            cap.ok = True
            reusable = not probe.ran_out
            if _moved(page.url, cap.final_url):
                if _guarded(page.url, sc.listener.since(mark)):
                    cap.fail("refused", f"the page navigated on to {page.url[:300]}, which the guard refused")
                else:
                    await _followed(cap, probe, tab.cdp, page.url)
            if cap.ok and nodes <= EMPTY_DOCUMENT_NODES and not cap.raw_html.strip():
                cap.fail("empty", "the document is empty (no elements beyond html, head and body, no body served)")
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
            if tab is not None:
                await self.pool.put_back(tab, sc, reusable)
            await self.pool.release(sc)

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
                sc = await self.pool.context(site_of(origin), False)
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
                    await self.pool.release(sc)
            except PlaywrightError:
                text = None  # unreachable: allowed (the page load will fail on its own if the host is down)
            self.politeness.set_robots(origin, text)
            future.set_result(text)
        return await self._robots[origin]

    async def _mobile_pass(self, url: str) -> dict[str, Any]:
        sc = await self.pool.context(site_of(url), True)
        page = await sc.context.new_page()
        try:
            await page.goto(url, wait_until="load", timeout=self.options.nav_timeout_s * 1000)
            return await page.evaluate(page_script("mobile"))
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(page.close(), 5)
            await self.pool.release(sc)

    def capture_many(self, urls: Iterable[str]) -> AsyncIterator[PageCapture]:
        """Capture ``urls``, yielding captures as they finish (``scheduler.by_site``: ``pages_in_flight`` at once,
        ``pages_per_site`` per site, a site's context closed when its last URL is done)."""
        return by_site(urls, self._capture_retrying, in_flight=self.options.pages_in_flight,
                       per_site=self.options.pages_per_site, site_done=self.pool.close_site)

    async def _capture_retrying(self, url: str) -> PageCapture:
        cap = await self.capture(url)
        if cap.error_kind == "browser":  # the browser died: relaunch and retry once
            await self.pool.close_browser()
            cap = await self.capture(url)
        return cap

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


EMPTY_DOCUMENT_NODES = 3  # html, head, body


def _moved(landed: str, final_url: str | None) -> bool:
    """Whether the tab now shows another document than the one the navigation answered with (fragments aside)."""
    return bool(final_url) and landed.split("#", 1)[0] != final_url.split("#", 1)[0]  # type: ignore[union-attr]


async def _followed(cap: PageCapture, probe: PageProbe, cdp: Any, landed: str) -> None:
    """Record a navigation after load as what it is: the page's final URL, status and served body are the landed
    document's; a landing on Chromium's error page (the target did not load) fails the page as ``navigated_away``."""
    documents = [(rid, r) for rid, r in probe._requests.items() if r.get("type") == "Document"]
    rid, last = documents[-1] if documents else (None, {})
    if landed.startswith("chrome-error:") or last.get("failed"):
        target = last.get("url") or landed
        cap.fail("navigated_away", f"after loading, the page navigated to {target[:300]}, which did not load "
                                   f"({last.get('failed') or 'an error page'})")
        return
    cap.console.append({"type": "minedag", "text": f"the page navigated after load from {cap.final_url} to {landed[:300]}"})
    cap.final_url = landed
    if last.get("url") == landed and rid is not None:
        cap.status = last.get("status")
        cap.http_error = (cap.status or 0) >= 400
        with contextlib.suppress(Exception):
            body = await cdp_send(cdp, "Network.getResponseBody", {"requestId": rid.split(":", 1)[0]})
            data = base64.b64decode(body["body"]) if body.get("base64Encoded") else body["body"].encode()
            cap.content_hash = hashlib.sha256(data).hexdigest()
            cap.raw_html = decode_body(data, None, last.get("mime"))


def _guarded(url: str, blocked: list[dict[str, Any]]) -> bool:
    """True if ``url`` (or its host:port, for tunnels) is among what the guard refused."""
    parts = urlsplit(url)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    hostport = f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    return any(e["target"] in (url[:300], hostport) or str(e["target"]).startswith(url[:300]) for e in blocked)


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
