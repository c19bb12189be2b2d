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
        base: dict[str, Any] = {"url": url, "ok": False, "error": None, "capture_id": None, "captured_at": None,
                                "campaign_version": campaign.version, "disagreements": 0}
        pointer = store.latest(url)
        if pointer is None or not pointer.ok:
            rows.append({**base, "error": "not captured" if pointer is None else f"capture failed: {pointer.error}"})
            continue
        try:
            capture = store.load_capture_id(pointer.capture_id)
        except CorruptFile as exc:
            rows.append({**base, "error": str(exc)})
            continue
        site = site_of(url)
        found = extract(campaign, PageView(capture), stats.fast_track(site))
        for name, result in found.items():
            stats.record(site, name, result.tried)
        rows.append({**base, "ok": True, "capture_id": pointer.capture_id, "captured_at": capture.captured_at,
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
