"""Performance: Web Vitals, navigation timing, requests and bytes, coverage, DOM size, runtime metrics, layers.

The wall-clock timings Chromium measures move with the capturing machine's load (``volatile``: records only). What a
bundle trains on is reproducible: bytes, and timings simulated from them on a fixed network, Lighthouse's
"slow 4G" (150 ms round trips, 1.6 Mbit/s), with the CPU left out: the same page gives the same numbers on any
machine.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa

from minedag.profiles.page import PageView, to_json
from minedag.profiles.spec import Attribute, MiningProfile, entries, record

SIMULATED_RTT_MS = 150.0
SIMULATED_BYTES_PER_MS = 1.6e6 / 8 / 1000  # 1.6 Mbit/s
# What a page loads by itself (its parser and styles); fetches and XHRs depend on timers and on the machine's speed.
STATIC_TYPES = frozenset({"document", "stylesheet", "script", "image", "font", "media"})

_RUNTIME = ("LayoutCount", "RecalcStyleCount", "LayoutDuration", "RecalcStyleDuration", "ScriptDuration",
            "TaskDuration", "JSHeapUsedSize", "JSHeapTotalSize", "Nodes", "JSEventListeners", "DomDepth")


def extract(page: PageView) -> dict[str, Any]:
    cap = page.capture
    nav = cap.navigation_timing
    requests, sizes = Counter(), Counter()
    for r in cap.network:
        kind = (r.get("type") or "Other").lower()
        if kind not in STATIC_TYPES:  # a fetch, an XHR, a beacon: when a timer fires depends on the machine
            continue
        requests[kind] += 1
        sizes[kind] += int(r.get("bytes") or 0)
    requests["total"], sizes["total"] = sum(requests.values()), sum(sizes.values())
    blocking = _render_blocking(page)
    reasons = Counter(reason for layer in cap.layers for reason in layer.get("compositingReasons", []))
    memory = sum(int(layer.get("width", 0)) * int(layer.get("height", 0)) * 4 for layer in cap.layers if layer.get("drawsContent"))
    return {
        "measured_timings": to_json({
            "ttfb_ms": _ms(nav, "responseStart", "startTime"), "fcp_ms": cap.paint.get("first-contentful-paint"),
            "lcp_ms": cap.paint.get("largest-contentful-paint"), "cls": cap.cls,
            "dom_content_loaded_ms": nav.get("domContentLoadedEventEnd"),
            "load_ms": nav.get("loadEventEnd") or cap.timing.get("navigate_ms")}),
        "requests_by_type": to_json(dict(sorted(requests.items()))),
        "bytes_by_type": to_json(dict(sorted(sizes.items()))),
        "render_blocking": blocking,
        **_simulated(page, blocking),
        "unused_css_bytes": cap.css_coverage.get("unused_bytes"),
        "unused_js_bytes": cap.js_coverage.get("unused_bytes"),
        "dom_nodes": int(cap.performance_metrics.get("DomNodesTotal") or len(page.elements)) or None,
        "runtime_metrics": to_json({k: cap.performance_metrics[k] for k in _RUNTIME if k in cap.performance_metrics}),
        "layer_count": len(cap.layers),
        "compositing": to_json({"reasons": dict(reasons.most_common()), "layer_memory_bytes": memory,
                                "transformed_layers": sum(1 for layer in cap.layers if layer.get("transform"))}),
    }


def _simulated(page: PageView, blocking: list[str]) -> dict[str, Any]:
    """Page weight and render-blocking bytes, and first paint and load simulated from them on a fixed network: the
    document after a connection (3 round trips) and its transfer, then one round trip and the transfer of the
    render-blocking files (first paint) or of every static resource (load)."""
    from urllib.parse import urljoin

    cap = page.capture
    loaded = [r for r in cap.network if (r.get("type") or "").lower() in STATIC_TYPES and not r.get("failed")]
    documents = [r for r in loaded if (r.get("type") or "").lower() == "document"]
    if not documents:
        return dict.fromkeys(("page_weight_bytes", "render_blocking_bytes", "simulated_fcp_ms", "simulated_load_ms"))
    base = cap.final_url or cap.url
    wanted = {urljoin(base, href) for href in blocking if href}
    sizes = {r["url"]: int(r.get("bytes") or 0) for r in loaded}
    document = int(documents[0].get("bytes") or 0)
    weight = sum(int(r.get("bytes") or 0) for r in loaded)
    blocking_bytes = sum(sizes.get(url, 0) for url in wanted)
    first_byte = 3 * SIMULATED_RTT_MS + document / SIMULATED_BYTES_PER_MS
    return {
        "page_weight_bytes": weight,
        "render_blocking_bytes": blocking_bytes,
        "simulated_fcp_ms": round(first_byte + (SIMULATED_RTT_MS if wanted else 0.0) + blocking_bytes / SIMULATED_BYTES_PER_MS, 1),
        "simulated_load_ms": round(first_byte + (SIMULATED_RTT_MS if weight > document else 0.0)
                                   + (weight - document) / SIMULATED_BYTES_PER_MS, 1),
    }


def _ms(nav: dict[str, float], end: str, start: str) -> float | None:
    if end not in nav:
        return None
    return round(nav[end] - nav.get(start, 0.0), 2)


def _render_blocking(page: PageView) -> list[str]:
    """Stylesheets and synchronous scripts in <head>: the browser waits for them before first paint."""
    if page.raw_doc is None:
        return []
    found = []
    for el in page.raw_doc.xpath("//head/link[@rel='stylesheet'] | //head/script[@src]"):
        if el.tag == "link" and (el.get("media") or "all") not in ("all", "screen"):
            continue
        if el.tag == "script" and (el.get("async") is not None or el.get("defer") is not None or el.get("type") == "module"):
            continue
        found.append(el.get("href") or el.get("src"))
    return found


PROFILE = MiningProfile(
    name="performance_optimizer",
    version="3",
    description="Loading and runtime performance: Core Web Vitals, timing, requests, unused bytes, DOM size and compositing layers.",
    reads=("navigation_timing", "paint", "cls", "network", "css_coverage", "js_coverage", "performance_metrics", "layers",
           "dom_snapshot", "raw_html"),
    extract=extract,
    attributes=(
        Attribute("measured_timings", pa.string(), "JSON: what Chromium measured, in ms from navigation start: time to first "
                  "byte, first and largest contentful paint, DOMContentLoaded, load; and the cumulative layout shift. They "
                  "move with the capturing machine's load.", volatile=True,
                  nested=record(ttfb_ms=pa.float64(), fcp_ms=pa.float64(), lcp_ms=pa.float64(), cls=pa.float64(),
                                dom_content_loaded_ms=pa.float64(), load_ms=pa.float64())),
        Attribute("page_weight_bytes", pa.int64(), "Bytes transferred for the document and the resources it loads by "
                  "itself (styles, scripts, images, fonts, media; not fetches).", required=True),
        Attribute("render_blocking_bytes", pa.int64(), "Bytes of the render-blocking stylesheets and scripts."),
        Attribute("simulated_fcp_ms", pa.float64(), "First paint simulated on a fixed network (150 ms RTT, 1.6 Mbit/s, CPU "
                  "not modelled): connection, document, then the render-blocking files (ms). The same on any machine.",
                  derives_from=("page_weight_bytes", "render_blocking_bytes", "render_blocking")),
        Attribute("simulated_load_ms", pa.float64(), "Load simulated on the same fixed network: the document, then every "
                  "resource it loads by itself (ms). The same on any machine.",
                  derives_from=("page_weight_bytes", "render_blocking_bytes", "bytes_by_type")),
        Attribute("requests_by_type", pa.string(), "JSON: requests the page makes by itself (document, styles, scripts, "
                  "images, fonts, media) per type, with a total; fetches and XHRs, started by timers, are left out.",
                  nested=entries(pa.int64())),
        Attribute("bytes_by_type", pa.string(), "JSON: transferred bytes of those requests per type, with a total.",
                  nested=entries(pa.int64())),
        Attribute("render_blocking", pa.list_(pa.string()), "Stylesheets and synchronous scripts in <head> that block first paint."),
        Attribute("unused_css_bytes", pa.int64(), "CSS bytes no rule of which matched during load (CDP rule usage)."),
        Attribute("unused_js_bytes", pa.int64(), "JavaScript bytes never executed by the time the collectors read it (CDP "
                  "precise coverage): a timer that fired or not moves it.", volatile=True),
        Attribute("dom_nodes", pa.int64(), "Number of elements in the rendered DOM.", required=True),
        Attribute("runtime_metrics", pa.string(), "JSON: CDP Performance.getMetrics (layouts, style recalcs, script time, JS heap, DOM depth).",
                  nested=entries(pa.float64()), volatile=True),
        Attribute("layer_count", pa.int64(), "Compositing layers in the layer tree (DevTools Layers panel)."),
        Attribute("compositing", pa.string(), "JSON: compositing reasons with counts, estimated layer memory, transformed layers.",
                  nested=record(reasons=entries(pa.int64()), layer_memory_bytes=pa.int64(), transformed_layers=pa.int64())),
    ),
)
