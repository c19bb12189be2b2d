"""A campaign over stored captures: one record per URL (values, sources, errors, disagreements), no navigation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minedag.campaigns.extract import Found, extract
from minedag.campaigns.learning import SelectorStats
from minedag.campaigns.model import Campaign
from minedag.profiles.page import PageView
from minedag.store import CorruptFile, Store
from minedag.urls import site_of


def campaign_rows(campaign: Campaign, store: Store, urls: Iterable[str], stats: SelectorStats) -> list[dict[str, Any]]:
    """A record per URL from its stored capture; ``stats`` learns from every page and picks fast-track selectors."""
    rows = []
    for url in urls:
        pointer = store.latest(url)
        base: dict[str, Any] = {"url": url, "site": site_of(url), "ok": False, "error": None, "capture_id": None,
                                "captured_at": None, "status": pointer.status if pointer else None,
                                "capture_hash": pointer.content_hash if pointer else None,
                                "profile_version": campaign.version, "quality": 0, "quality_reasons": [],
                                "campaign_version": campaign.version, "disagreements": 0}
        if pointer is None or not pointer.ok:
            rows.append({**base, "error": "not captured" if pointer is None else f"capture failed: {pointer.error}"})
            continue
        try:
            capture = store.load_capture_id(pointer.capture_id)
        except CorruptFile as exc:
            rows.append({**base, "error": str(exc)})
            continue
        site = base["site"]
        found = extract(campaign, PageView(capture), stats.fast_track(site))
        for name, result in found.items():
            stats.record(site, name, url, result.tried)
        missing = [f"{name}: {result.error or 'not found'}" for name, result in found.items() if result.value is None]
        rows.append({**base, "ok": True, "capture_id": pointer.capture_id, "captured_at": capture.captured_at,
                     "quality": round(100 * (1 - len(missing) / len(found))), "quality_reasons": missing,
                     **values(found), "disagreements": sum(1 for f in found.values() if f.disagreement)})
    return rows


def values(found: dict[str, Found]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, f in found.items():
        out[name] = f.value
        out[f"{name}__source"] = f.source
        out[f"{name}__error"] = f.error
        out[f"{name}__disagreement"] = f.disagreement
    return out
