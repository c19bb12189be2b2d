"""The collectors: CDP domains and page scripts attached before navigation and read after load."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from playwright.async_api import CDPSession, Page

from minedag.capture.model import COMPUTED_STYLES, PageCapture


def page_script(name: str) -> str:
    """A page-side function from ``capture/js/<name>.js`` (package data), without its leading comment lines."""
    return _page_scripts()[name]


@cache
def _page_scripts() -> dict[str, str]:
    folder = resources.files("minedag.capture") / "js"
    return {f.name.removesuffix(".js"): "\n".join(line for line in f.read_text().splitlines() if not line.startswith("//"))
            for f in folder.iterdir() if f.name.endswith(".js")}


_AX_PROPERTIES = {"focusable", "focused", "disabled", "expanded", "checked", "selected", "required", "level",
                  "invalid", "hasPopup", "modal", "pressed", "readonly", "multiselectable", "url"}


# Above this many links and controls axe's target-size and link-in-text-block rules are skipped (and listed in
# ``axe["skipped"]``): they compare each target with the others, 46 s on a page with 3,000 links.
AXE_QUADRATIC_LIMIT = 1000




async def cdp_send(cdp: CDPSession, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """``cdp.send`` without the public wrapper's deep copy of the answer.

    Playwright's ``CDPSession.send`` walks every answer to swap its internal objects for public ones; a CDP answer
    is plain JSON, and for a DOM snapshot or an accessibility tree that walk cost more CPU than reading the JSON
    (≈ 40% of the capture step's Python time, measured with py-spy). The wrapped session's own ``send`` returns the
    same dict; without it (another Playwright layout) the public method is used.
    """
    impl = getattr(cdp, "_impl_obj", None)
    if impl is None:
        return await cdp.send(method, params)
    return await impl.send(method, params, None)


async def document_html(cdp: CDPSession) -> str:
    """The rendered document as markup (doctype included), serialised by Chromium itself (``DOM.getOuterHTML``).

    The same text as Playwright's ``page.content()``, which runs a script in an isolated world: building that world
    on every page cost ≈ 15 ms, this ≈ 2 ms. Native serialisation also cannot be fooled by a page that redefines
    ``outerHTML``.
    """
    root = (await cdp_send(cdp, "DOM.getDocument", {"depth": 0}))["root"]
    return (await cdp_send(cdp, "DOM.getOuterHTML", {"backendNodeId": root["backendNodeId"]}))["outerHTML"]


def axe_source() -> tuple[str, str]:
    """axe-core's script as shipped by ``axe-playwright-python`` (offline), and its version."""
    import axe_playwright_python

    text = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    version = text[:200].split("axe v", 1)[-1].split()[0] if "axe v" in text[:200] else "unknown"
    return text, version


class PageProbe:
    """Attached to a page before navigation; ``collect`` fills a ``PageCapture`` after load."""

    def __init__(self, page: Page, cdp: CDPSession, capture: PageCapture, *, axe: bool = True, screenshot: bool = True,
                 axe_rules: tuple[str, ...] = (), axe_iframes: bool = True, axe_pass_nodes: bool = False,
                 budget_s: float = 20.0):
        self.page, self.cdp, self.capture = page, cdp, capture
        self.budget_s = budget_s  # each collector's time; one that runs out is named, the others kept
        self.ran_out = False  # a collector ran out of time: the page may still be busy, so its tab is not reused
        self.axe, self.screenshot = axe, screenshot
        self.axe_options = {"rules": list(axe_rules), "iframes": axe_iframes, "passNodes": axe_pass_nodes,
                            "quadraticLimit": AXE_QUADRATIC_LIMIT}
        self._requests: dict[str, dict[str, Any]] = {}
        self._sheets: dict[str, dict[str, Any]] = {}
        self._layers: list[dict[str, Any]] = []
        self._layers_seen = asyncio.Event()

    # CDP events a tab forwards to the probe of the URL it is capturing.
    EVENTS = ("Network.requestWillBeSent", "Network.responseReceived", "Network.loadingFinished",
              "Network.loadingFailed", "CSS.styleSheetAdded", "LayerTree.layerTreeDidChange")

    @staticmethod
    async def enable(cdp: CDPSession) -> None:
        """Enable the CDP domains once per tab (a tab captures many URLs of one site).

        JS coverage is switched on here, once: each page's scripts are new and start uncounted, and a take reports only
        the live document's. Switching it on again for every page cost ≈ 9 ms of renderer time a page.
        """
        await asyncio.gather(cdp_send(cdp, "Network.enable"), cdp_send(cdp, "Performance.enable"), cdp_send(cdp, "Profiler.enable"),
                             cdp_send(cdp, "DOM.enable"))
        await asyncio.gather(cdp_send(cdp, "CSS.enable"), cdp_send(cdp, "Network.setCacheDisabled", {"cacheDisabled": True}),
                             cdp_send(cdp, "Profiler.startPreciseCoverage", {"callCount": False, "detailed": True}))

    def on_cdp(self, name: str, event: dict[str, Any]) -> None:
        handler = {"Network.requestWillBeSent": self._on_request, "Network.responseReceived": self._on_response,
                   "Network.loadingFinished": self._on_finished, "Network.loadingFailed": self._on_failed,
                   "CSS.styleSheetAdded": self._on_sheet, "LayerTree.layerTreeDidChange": self._on_layers}[name]
        handler(event)

    def on_page_error(self, exc: Any) -> None:
        self.capture.page_errors.append(str(exc)[:500])

    async def start(self) -> None:
        """Start the per-URL tracker of CSS rule usage just before navigation."""
        await cdp_send(self.cdp, "CSS.startRuleUsageTracking")

    async def stop(self) -> None:
        """Stop what ``collect`` did not (after a failed navigation), so the tab can be reused."""
        with contextlib.suppress(Exception):  # a crashed renderer never answers: do not wait for it
            await asyncio.wait_for(cdp_send(self.cdp, "CSS.stopRuleUsageTracking"), 2)

    async def collect(self) -> None:
        """Read every collector, each within ``budget_s``; a failure or a collector out of time is recorded in
        ``timing`` and the console, and does not stop the others (a big page on a loaded machine keeps what was read).
        The renderer's main thread runs them one at a time, so axe, by far the longest, runs after the others: their
        budgets never pay for its time."""
        cap, cdp = self.capture, self.cdp
        started = time.perf_counter()
        results = await asyncio.gather(*(asyncio.wait_for(c, self.budget_s) for c in (
            cdp_send(cdp, "DOMSnapshot.captureSnapshot", {"computedStyles": list(COMPUTED_STYLES), "includeDOMRects": True}),
            cdp_send(cdp, "Accessibility.getFullAXTree"),
            cdp_send(cdp, "Performance.getMetrics"),
            cdp_send(cdp, "Profiler.takePreciseCoverage"),
            cdp_send(cdp, "CSS.stopRuleUsageTracking"),
            self.page.evaluate(page_script("page_metrics")),
            self._anchor_listeners(),
        )), return_exceptions=True)
        try:
            axe_result: Any = await asyncio.wait_for(self.page.evaluate(page_script("axe_run"), self.axe_options), self.budget_s) \
                if self.axe else None
        except Exception as exc:  # noqa: BLE001 - recorded with the others
            axe_result = exc
        results = [*results[:6], axe_result, results[6]]
        names = ("dom_snapshot", "ax_tree", "performance", "js_coverage", "css_coverage", "page_metrics", "axe",
                 "anchor_listeners")
        failures = {n: f"ran out of its {self.budget_s:.0f} s budget" if isinstance(r, TimeoutError) else f"{type(r).__name__}: {r}"[:300]
                    for n, r in zip(names, results, strict=True) if isinstance(r, BaseException)}
        self.ran_out = any(isinstance(r, TimeoutError) for r in results)
        snap, ax, perf, js, css, metrics, axe, anchors = (None if isinstance(r, BaseException) else r for r in results)
        if snap:
            cap.dom_snapshot = {"document": snap["documents"][0], "strings": snap["strings"]} if snap.get("documents") else {}
        if ax:
            cap.ax_tree = [_trim_ax(node) for node in ax.get("nodes", [])]
        if perf:
            cap.performance_metrics = {m["name"]: m["value"] for m in perf.get("metrics", [])}
        if js:
            cap.js_coverage = _js_coverage(js.get("result", []))
        if css:
            cap.css_coverage = self._css_coverage(css.get("ruleUsage", []))
        if metrics:
            cap.navigation_timing = metrics["timing"]
            cap.paint = metrics["paint"]
            cap.cls = metrics["cls"]
            cap.stylesheets = metrics["css"]
            cap.links, cap.robots_meta = metrics["links"], metrics["robotsMeta"]
            cap.performance_metrics.update({"DomDepth": metrics["depth"], "ScrollWidth": metrics["scrollWidth"],
                                            "ScrollHeight": metrics["scrollHeight"]})
        if axe:
            cap.axe = axe
        if anchors:
            cap.anchor_listeners = anchors
        cap.timing["collect_ms"] = round((time.perf_counter() - started) * 1000, 1)
        try:
            await asyncio.wait_for(self._collect_layers_and_screenshot(), self.budget_s)
        except TimeoutError:
            failures["layers_and_screenshot"] = f"ran out of its {self.budget_s:.0f} s budget"
            self.ran_out = True
        if metrics and not {"first-contentful-paint", "largest-contentful-paint"} <= set(cap.paint):
            # A loaded machine may not have painted when the metrics were read; the screenshot forced a frame.
            with contextlib.suppress(Exception):
                cap.paint = {**await self.page.evaluate(page_script("late_paint")), **cap.paint}
        cap.network = list(self._requests.values())
        if failures:
            cap.timing.update({f"failed:{k}": 1.0 for k in failures})
            cap.console.extend({"type": "minedag", "text": f"collector {k} failed: {v}"} for k, v in failures.items())

    async def _anchor_listeners(self, limit: int = 300) -> list[list[str]]:
        """Event types listened for on each ``<a>`` without ``href``, in document order (``DOMDebugger``).

        A script-driven link (Lighthouse's crawlable-anchors) is told from a placeholder this way; listeners on
        ancestors do not count.
        """
        group = {"objectGroup": "minedag-anchors"}
        found = await cdp_send(self.cdp, "Runtime.evaluate", {
            "expression": f"Array.from(document.querySelectorAll('a:not([href])')).slice(0, {limit})", **group})
        try:
            if "objectId" not in found.get("result", {}) or found["result"].get("description") == "Array(0)":
                return []
            items = await cdp_send(self.cdp, "Runtime.getProperties", {"objectId": found["result"]["objectId"], "ownProperties": True})
            anchors = sorted((int(p["name"]), p["value"]["objectId"]) for p in items["result"]
                             if p["name"].isdigit() and "objectId" in p.get("value", {}))
            listeners = await asyncio.gather(*(cdp_send(self.cdp, "DOMDebugger.getEventListeners", {"objectId": oid, "depth": 0})
                                               for _, oid in anchors))
            return [sorted({entry["type"] for entry in result["listeners"]}) for result in listeners]
        finally:
            await cdp_send(self.cdp, "Runtime.releaseObjectGroup", group)

    async def _collect_layers_and_screenshot(self) -> None:
        """LayerTree is only reliable when enabled after load and a frame is forced (the screenshot does that)."""
        cap = self.capture
        started = time.perf_counter()
        with contextlib.suppress(Exception):
            await cdp_send(self.cdp, "LayerTree.enable")
        try:
            if self.screenshot:  # the viewport, straight from CDP (no isolated world), animations at a fixed point
                with contextlib.suppress(Exception):
                    await self.page.evaluate(page_script("freeze_animations"))
                shot = await asyncio.wait_for(cdp_send(self.cdp, "Page.captureScreenshot", {"format": "png"}), 10)
                cap.screenshot = base64.b64decode(shot["data"])
        except Exception as exc:  # noqa: BLE001 - recorded, not fatal
            cap.console.append({"type": "minedag", "text": f"screenshot failed: {exc}"[:300]})
        if not self.screenshot:
            with contextlib.suppress(Exception):
                await self.page.evaluate("window.scrollBy(0, 1)")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._layers_seen.wait(), timeout=1.0)
        layers = self._layers[:80]
        reasons = await asyncio.gather(
            *(cdp_send(self.cdp, "LayerTree.compositingReasons", {"layerId": layer["layerId"]}) for layer in layers),
            return_exceptions=True,
        )
        cap.layers = [
            {**_trim_layer(layer), "compositingReasons": [] if isinstance(r, BaseException) else r.get("compositingReasonIds", [])}
            for layer, r in zip(layers, reasons, strict=True)
        ]
        with contextlib.suppress(Exception):
            await cdp_send(self.cdp, "LayerTree.disable")
        cap.timing["layers_screenshot_ms"] = round((time.perf_counter() - started) * 1000, 1)

    # -- event handlers -------------------------------------------------------------------------------
    def _on_request(self, event: dict[str, Any]) -> None:
        req = event["request"]
        rid = event["requestId"]
        if rid in self._requests and event.get("redirectResponse"):  # a redirect hop reuses the id
            self._requests[f"{rid}:{len(self._requests)}"] = self._requests.pop(rid) | {
                "status": event["redirectResponse"].get("status")}
        if len(self._requests) < 2000:
            self._requests[rid] = {"url": req["url"][:1000], "method": req.get("method"), "type": event.get("type"),
                                   "status": None, "mime": None, "bytes": 0, "from_cache": False, "failed": None,
                                   "started": event.get("timestamp"), "duration_ms": None}

    def _on_response(self, event: dict[str, Any]) -> None:
        entry = self._requests.get(event["requestId"])
        if entry is not None:
            resp = event["response"]
            entry.update(status=resp.get("status"), mime=resp.get("mimeType"),
                         from_cache=bool(resp.get("fromDiskCache") or resp.get("fromServiceWorker")),
                         protocol=resp.get("protocol"))

    def _on_finished(self, event: dict[str, Any]) -> None:
        entry = self._requests.get(event["requestId"])
        if entry is not None:
            entry["bytes"] = int(event.get("encodedDataLength") or 0)
            if entry.get("started"):
                entry["duration_ms"] = round((event["timestamp"] - entry["started"]) * 1000, 2)

    def _on_failed(self, event: dict[str, Any]) -> None:
        entry = self._requests.get(event["requestId"])
        if entry is not None:
            entry["failed"] = event.get("errorText")

    def _on_sheet(self, event: dict[str, Any]) -> None:
        header = event["header"]
        self._sheets[header["styleSheetId"]] = {"url": header.get("sourceURL") or "", "inline": header.get("isInline", False),
                                                "bytes": int(header.get("length") or 0)}

    def _on_layers(self, event: dict[str, Any]) -> None:
        if event.get("layers"):
            self._layers = event["layers"]
            self._layers_seen.set()

    def on_console(self, message: Any) -> None:
        if len(self.capture.console) < 200:
            self.capture.console.append({"type": message.type, "text": message.text[:500]})

    def _css_coverage(self, usage: list[dict[str, Any]]) -> dict[str, Any]:
        used: dict[str, int] = {}
        for rule in usage:
            if rule.get("used"):
                used[rule["styleSheetId"]] = used.get(rule["styleSheetId"], 0) + int(rule["endOffset"] - rule["startOffset"])
        sheets = [{**meta, "used_bytes": min(used.get(sid, 0), meta["bytes"])} for sid, meta in self._sheets.items()]
        total = sum(s["bytes"] for s in sheets)
        used_total = sum(s["used_bytes"] for s in sheets)
        return {"total_bytes": total, "used_bytes": used_total, "unused_bytes": total - used_total, "sheets": sheets}


def _trim_ax(node: dict[str, Any]) -> dict[str, Any]:
    props = {p["name"]: p.get("value", {}).get("value") for p in node.get("properties", []) if p.get("name") in _AX_PROPERTIES}
    return {
        "id": node.get("nodeId"),
        "parent": node.get("parentId"),
        "role": (node.get("role") or {}).get("value"),
        "name": ((node.get("name") or {}).get("value") or "")[:300],
        "ignored": node.get("ignored", False),
        "dom": node.get("backendDOMNodeId"),
        "props": props,
    }


def _trim_layer(layer: dict[str, Any]) -> dict[str, Any]:
    keep = ("layerId", "parentLayerId", "backendNodeId", "offsetX", "offsetY", "width", "height", "transform",
            "drawsContent", "invisible", "paintCount", "stickyPositionConstraint")
    out = {k: layer[k] for k in keep if k in layer}
    out["scrollRects"] = len(layer.get("scrollRects") or [])
    return out


def _js_coverage(scripts: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-script total and unused bytes from CDP block coverage (innermost range wins)."""
    out = []
    for script in scripts:
        url = script.get("url") or ""
        functions = script.get("functions") or []
        if not url.startswith("http") or not functions or not functions[0].get("ranges"):
            continue
        total = int(functions[0]["ranges"][0]["endOffset"])
        if total <= 0 or total > 20_000_000:
            continue
        covered = bytearray(b"\x01") * total
        ranges = sorted((r for f in functions for r in f.get("ranges", [])), key=lambda r: (r["startOffset"], -r["endOffset"]))
        for r in ranges:  # outer ranges first, inner ranges overwrite them
            start, end = max(0, int(r["startOffset"])), min(total, int(r["endOffset"]))
            covered[start:end] = (b"\x01" if r.get("count", 0) > 0 else b"\x00") * (end - start)
        used = covered.count(1)
        out.append({"url": url[:1000], "bytes": total, "used_bytes": used})
    total_bytes = sum(s["bytes"] for s in out)
    used_bytes = sum(s["used_bytes"] for s in out)
    return {"total_bytes": total_bytes, "used_bytes": used_bytes, "unused_bytes": total_bytes - used_bytes, "scripts": out}
