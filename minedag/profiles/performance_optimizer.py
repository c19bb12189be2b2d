"""Performance: Web Vitals, navigation timing, requests and bytes, coverage, DOM size, runtime metrics, layers."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa

from minedag.profiles.page import PageView, to_json
from minedag.profiles.spec import Attribute, MiningProfile, entries, record

_RUNTIME = ("LayoutCount", "RecalcStyleCount", "LayoutDuration", "RecalcStyleDuration", "ScriptDuration",
            "TaskDuration", "JSHeapUsedSize", "JSHeapTotalSize", "Nodes", "JSEventListeners", "DomDepth")


def extract(page: PageView) -> dict[str, Any]:
    cap = page.capture
    nav = cap.navigation_timing
    requests, sizes = Counter(), Counter()
    for r in cap.network:
        kind = (r.get("type") or "Other").lower()
        requests[kind] += 1
        sizes[kind] += int(r.get("bytes") or 0)
    requests["total"], sizes["total"] = sum(requests.values()), sum(sizes.values())
    reasons = Counter(reason for layer in cap.layers for reason in layer.get("compositingReasons", []))
    memory = sum(int(layer.get("width", 0)) * int(layer.get("height", 0)) * 4 for layer in cap.layers if layer.get("drawsContent"))
    return {
        "ttfb_ms": _ms(nav, "responseStart", "startTime"),
        "fcp_ms": cap.paint.get("first-contentful-paint"),
        "lcp_ms": cap.paint.get("largest-contentful-paint"),
        "cls": cap.cls,
        "dom_content_loaded_ms": nav.get("domContentLoadedEventEnd"),
        "load_ms": nav.get("loadEventEnd") or cap.timing.get("navigate_ms"),
        "requests_by_type": to_json(dict(sorted(requests.items()))),
        "bytes_by_type": to_json(dict(sorted(sizes.items()))),
        "render_blocking": _render_blocking(page),
        "unused_css_bytes": cap.css_coverage.get("unused_bytes"),
        "unused_js_bytes": cap.js_coverage.get("unused_bytes"),
        "dom_nodes": int(cap.performance_metrics.get("DomNodesTotal") or len(page.elements)) or None,
        "runtime_metrics": to_json({k: cap.performance_metrics[k] for k in _RUNTIME if k in cap.performance_metrics}),
        "layer_count": len(cap.layers),
        "compositing": to_json({"reasons": dict(reasons.most_common()), "layer_memory_bytes": memory,
                                "transformed_layers": sum(1 for layer in cap.layers if layer.get("transform"))}),
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
    version="2",
    description="Loading and runtime performance: Core Web Vitals, timing, requests, unused bytes, DOM size and compositing layers.",
    reads=("navigation_timing", "paint", "cls", "network", "css_coverage", "js_coverage", "performance_metrics", "layers",
           "dom_snapshot", "raw_html"),
    extract=extract,
    attributes=(
        Attribute("ttfb_ms", pa.float64(), "Time to first byte: navigation start to the first response byte (ms)."),
        Attribute("fcp_ms", pa.float64(), "First Contentful Paint: when the first text or image was painted (ms)."),
        Attribute("lcp_ms", pa.float64(), "Largest Contentful Paint: when the biggest element in view was painted (ms)."),
        Attribute("cls", pa.float64(), "Cumulative Layout Shift during load (unitless; good below 0.1)."),
        Attribute("dom_content_loaded_ms", pa.float64(), "When the HTML was parsed and deferred scripts ran (ms)."),
        Attribute("load_ms", pa.float64(), "When the load event finished (ms).", required=True),
        Attribute("requests_by_type", pa.string(), "JSON: number of requests per resource type, with a total.",
                  nested=entries(pa.int64())),
        Attribute("bytes_by_type", pa.string(), "JSON: transferred bytes per resource type, with a total.",
                  nested=entries(pa.int64())),
        Attribute("render_blocking", pa.list_(pa.string()), "Stylesheets and synchronous scripts in <head> that block first paint."),
        Attribute("unused_css_bytes", pa.int64(), "CSS bytes no rule of which matched during load (CDP rule usage)."),
        Attribute("unused_js_bytes", pa.int64(), "JavaScript bytes never executed during load (CDP precise coverage)."),
        Attribute("dom_nodes", pa.int64(), "Number of elements in the rendered DOM.", required=True),
        Attribute("runtime_metrics", pa.string(), "JSON: CDP Performance.getMetrics (layouts, style recalcs, script time, JS heap, DOM depth).",
                  nested=entries(pa.float64())),
        Attribute("layer_count", pa.int64(), "Compositing layers in the layer tree (DevTools Layers panel)."),
        Attribute("compositing", pa.string(), "JSON: compositing reasons with counts, estimated layer memory, transformed layers.",
                  nested=record(reasons=entries(pa.int64()), layer_memory_bytes=pa.int64(), transformed_layers=pa.int64())),
    ),
)
