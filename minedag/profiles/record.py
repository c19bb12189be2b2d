"""Turn a capture into a profile record: run ``extract``, coerce to the Arrow schema, score quality."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from minedag.capture.model import PageCapture
from minedag.profiles.page import PageView
from minedag.profiles.spec import MiningProfile
from minedag.urls import site_of


def extract_record(profile: MiningProfile, capture: PageCapture, capture_id: str | None = None,
                   view: PageView | None = None) -> dict[str, Any]:
    """One record of ``profile`` for ``capture``: never raises, a failure is a row with ``ok=False``.

    Quality (0-100): 60 points for required attributes present, 20 for values that fit their types,
    20 for a healthy capture (2xx status, every collector ran, no page errors).
    """
    row: dict[str, Any] = {
        "url": capture.url, "site": site_of(capture.url), "ok": capture.ok, "error": capture.error,
        "capture_id": capture_id, "capture_hash": capture.content_hash, "captured_at": capture.captured_at,
        "profile_version": profile.version, "quality": 0, "quality_reasons": [],
    }
    blank = {a.name: None for a in profile.attributes}
    if not capture.ok:
        row["quality_reasons"] = [f"capture failed: {capture.error_kind or 'error'}"]
        return row | blank
    try:
        values = profile.extract(view or PageView(capture))
    except Exception as exc:  # noqa: BLE001 - a profile bug must not sink the batch; it is recorded
        row.update(ok=False, error=f"{profile.name} extraction failed: {type(exc).__name__}: {exc}"[:500],
                   quality_reasons=["extraction failed"])
        return row | blank
    reasons: list[str] = []
    clean: dict[str, Any] = {}
    invalid = 0
    for attr in profile.attributes:
        value = values.get(attr.name)
        try:
            pa.array([value], type=attr.type)
            clean[attr.name] = value
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            clean[attr.name] = None
            invalid += 1
            reasons.append(f"invalid value for {attr.name}")
    missing = [name for name in profile.required if _empty(clean.get(name))]
    reasons += [f"missing {name}" for name in missing]
    completeness = 60 * (1 - len(missing) / max(1, len(profile.required)))
    validity = 20 * (1 - invalid / len(profile.attributes))
    health = 20.0
    if capture.http_error:
        health -= 10
        reasons.append(f"HTTP status {capture.status}")
    failed = [k for k in capture.timing if k.startswith("failed:")]
    if failed:
        health -= min(10, 3 * len(failed))
        reasons.append("collectors failed: " + ", ".join(k.split(":", 1)[1] for k in failed))
    if capture.page_errors:
        health -= 2
        reasons.append(f"{len(capture.page_errors)} page errors")
    row["quality"] = int(round(max(0.0, completeness + validity + health)))
    row["quality_reasons"] = reasons
    return row | clean


def _empty(value: Any) -> bool:
    """Missing: null or an empty string. An empty list is a real observation ("no violations")."""
    return value is None or (isinstance(value, str) and not value.strip())
