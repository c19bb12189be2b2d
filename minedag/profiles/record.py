"""Turn a capture into a profile record: run ``extract``, coerce to the Arrow schema, score quality."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from minedag.capture.model import PageCapture
from minedag.profiles.page import PageView
from minedag.profiles.spec import MiningProfile
from minedag.urls import site_of


def extract_record(profile: MiningProfile, capture: PageCapture, capture_id: str | None = None,
                   view: PageView | None = None) -> dict[str, Any]:
    """One record of ``profile`` for ``capture``: never raises, a failure is a row with ``ok=False``.

    Quality (0-100), each deduction with its reason in ``quality_reasons``: 50 points for the required
    attributes present, 10 for the optional ones, 10 for values that fit their types, and 30 for the page
    (``PageView.quality_penalties``: an error status, collectors or subresources that failed, page errors, thin or
    placeholder content).
    """
    row: dict[str, Any] = {
        "url": capture.url, "site": site_of(capture.url), "ok": capture.ok, "error": capture.error, "status": capture.status,
        "capture_id": capture_id, "capture_hash": capture.content_hash, "captured_at": capture.captured_at,
        "profile_version": profile.version, "quality": 0, "quality_reasons": [],
    }
    blank = {a.name: None for a in profile.attributes}
    view = view or PageView(capture)
    if not capture.ok:
        row["quality_reasons"] = [f"capture failed: {capture.error_kind or 'error'}"]
        return row | blank
    try:
        values = profile.extract(view)
    except Exception as exc:  # noqa: BLE001 - a profile bug must not sink the batch; it is recorded
        row.update(ok=False, error=f"{profile.name} extraction failed: {type(exc).__name__}: {exc}"[:500],
                   quality_reasons=["extraction failed"])
        return row | blank
    reasons: list[str] = []
    clean: dict[str, Any] = {}
    invalid = 0
    for attr in profile.attributes:
        value, cut = bounded(values.get(attr.name), attr.max_chars)
        if cut:  # kept, shortened; a value that size is no page's real title or label, so it counts as invalid
            invalid += 1
            reasons.append(f"{attr.name} truncated")
        try:
            pa.array([value], type=attr.type)
            clean[attr.name] = value
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            clean[attr.name] = None
            invalid += 1
            reasons.append(f"invalid value for {attr.name}")
    missing = [name for name in profile.required if not is_present(clean.get(name))]
    reasons += [f"missing {name}" for name in missing]
    optional = [a.name for a in profile.attributes if not a.required]
    absent = [name for name in optional if not is_present(clean.get(name))]
    score = (50 * (1 - len(missing) / max(1, len(profile.required)))
             + 10 * (1 - len(absent) / max(1, len(optional)))
             + 10 * (1 - invalid / len(profile.attributes)))
    if absent:
        reasons.append(f"{len(absent)} of {len(optional)} optional attributes empty")
    for penalty, reason in view.quality_penalties:
        score -= penalty
        reasons.append(reason)
    row["quality"] = int(round(min(100.0, max(0.0, score + 30))))
    row["quality_reasons"] = reasons
    return row | clean


MAX_TEXT_CHARS = 10_000  # per text value (a real title, label or description is far shorter)
MAX_JSON_CHARS = 200_000  # per JSON-encoded value (audit items of a page with thousands of links)
MAX_ITEMS = 1_000  # per list value


def bounded(value: Any, max_chars: int = MAX_TEXT_CHARS) -> tuple[Any, bool]:
    """``value`` within size limits, and whether it had to change.

    Text is cut to ``max_chars`` (an attribute may allow more, like a page's main text) and lists to ``MAX_ITEMS``; a JSON-encoded string is never cut into
    invalid JSON: it is kept whole up to ``MAX_JSON_CHARS`` and dropped above. A hostile or broken page (a
    1 MB ``<title>``, a million links) then costs records and bundles a bounded size.
    """
    if isinstance(value, str):
        if len(value) <= max_chars:
            return value, False
        if value[:1] in "{[" and _is_json(value):
            return (value, False) if len(value) <= MAX_JSON_CHARS else (None, True)
        return value[:max_chars], True
    if isinstance(value, list | tuple):
        items = [bounded(v) for v in value[:MAX_ITEMS]]
        return [v for v, _ in items], len(value) > MAX_ITEMS or any(c for _, c in items)
    if isinstance(value, dict):
        fields = {k: bounded(v) for k, v in value.items()}
        return {k: v for k, (v, _) in fields.items()}, any(c for _, c in fields.values())
    return value, False


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def is_present(value: Any) -> bool:
    """An attribute has a value: not null, and not an empty or blank string. An empty list is a real observation
    ("no violations"). Quality scores, coverage, bundle checks and the catalog all count with this rule."""
    return value is not None and not (isinstance(value, str) and not value.strip())
