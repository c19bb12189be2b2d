"""``PageCapture``: everything one navigation of one URL yields; the artifact every profile reads."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

CAPTURE_SCHEMA_VERSION = 1


# Computed styles the profiles read (design system, components, UX). Order matters: DOMSnapshot
# returns style values positionally.
COMPUTED_STYLES = (
    "display", "position", "visibility", "opacity", "color", "background-color", "font-family", "font-size",
    "font-weight", "line-height", "margin-top", "margin-right", "margin-bottom", "margin-left", "padding-top",
    "padding-right", "padding-bottom", "padding-left", "gap", "border-radius", "box-shadow", "z-index",
    "transform", "will-change", "animation-name", "transition-property", "cursor", "flex-direction",
    "grid-template-columns", "overflow-x",
)


_NOT_SERIALISED = frozenset({"screenshot", "storage_values"})


def content_address(canonical_json: bytes) -> str:
    """A capture's id: the sha256 of its canonical JSON (``PageCapture.to_json``)."""
    return hashlib.sha256(canonical_json).hexdigest()


@dataclass(frozen=True)
class PreviousCapture:
    """What a re-mine needs to ask "changed since?" (ETag, Last-Modified) and to compare response bodies."""

    capture_id: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None


@dataclass
class PageCapture:
    """One URL, captured once. Failed captures keep whatever was collected before the failure.

    ``ok`` is False when the page could not be captured as HTML (timeout, DNS, non-HTML, crash...);
    ``error`` then says why. HTTP 4xx/5xx pages are captured (``ok`` True) and flagged by ``http_error``.
    """

    url: str
    ok: bool = False
    error: str | None = None
    error_kind: str | None = None  # timeout | dns | no_such_host | connection | not_html | crash | too_large | refused | robots | corrupt...
    final_url: str | None = None
    status: int | None = None
    http_error: bool = False
    redirect_chain: list[dict[str, Any]] = field(default_factory=list)
    response_headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    raw_html: str = ""
    rendered_html: str = ""
    content_hash: str | None = None  # sha256 of the response body: unchanged content -> same hash
    captured_at: str = ""
    timing: dict[str, float] = field(default_factory=dict)  # wall-clock ms of the capture stages
    viewport: dict[str, Any] = field(default_factory=dict)
    dom_snapshot: dict[str, Any] = field(default_factory=dict)  # CDP DOMSnapshot.captureSnapshot
    ax_tree: list[dict[str, Any]] = field(default_factory=list)  # CDP Accessibility.getFullAXTree (trimmed)
    performance_metrics: dict[str, float] = field(default_factory=dict)  # CDP Performance.getMetrics
    navigation_timing: dict[str, float] = field(default_factory=dict)
    paint: dict[str, float] = field(default_factory=dict)  # first-paint, first-contentful-paint, lcp (ms)
    cls: float | None = None
    layers: list[dict[str, Any]] = field(default_factory=list)  # CDP LayerTree
    network: list[dict[str, Any]] = field(default_factory=list)
    # What the guard refused (or cut) while this page was captured: kind, target, reason. Contexts are per site,
    # so a sibling page of the same site captured at the same moment can share an entry.
    blocked_requests: list[dict[str, Any]] = field(default_factory=list)
    console: list[dict[str, Any]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: int = 0
    popups: int = 0
    css_coverage: dict[str, Any] = field(default_factory=dict)
    js_coverage: dict[str, Any] = field(default_factory=dict)
    axe: dict[str, Any] = field(default_factory=dict)
    anchor_listeners: list[list[str]] = field(default_factory=list)  # event types on each <a> without href
    links: list[list[str]] = field(default_factory=list)  # [absolute href, rel] of each <a>/<area> with href
    robots_meta: str = ""  # <meta name="robots"> content, lower case
    stylesheets: dict[str, Any] = field(default_factory=dict)  # CSS custom properties and @media conditions
    screenshot_sha256: str | None = None
    mobile: dict[str, Any] = field(default_factory=dict)  # the optional mobile-emulation pass
    robots_txt: str | None = None
    # Set on a re-mine when the server said 304 Not Modified (or sent the same body): the capture id it confirmed.
    # Such a capture carries no collector data; the store keeps the earlier capture and notes the check.
    unchanged_since: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    schema_version: int = CAPTURE_SCHEMA_VERSION

    # Not serialised: the PNG bytes go to the store separately, content-addressed; the page's storage values
    # are only used to mask them elsewhere (``capture.redact``).
    screenshot: bytes | None = field(default=None, repr=False, compare=False)
    storage_values: list[str] = field(default_factory=list, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The serialised fields, sharing their values with the capture (no deep copy: a DOM snapshot is large)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in _NOT_SERIALISED}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PageCapture:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True, default=str).encode()

    @property
    def capture_id(self) -> str:
        """Content address of this capture (sha256 of its canonical JSON)."""
        return content_address(self.to_json())

    def fail(self, kind: str, message: str) -> PageCapture:
        """Mark the capture failed (keeps what was collected) and return it."""
        self.ok, self.error_kind, self.error = False, kind, message
        return self
