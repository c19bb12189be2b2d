"""Which selectors work where: per campaign, site and attribute, on how many pages each selector gave a valid value.

Outcomes are kept per page (a page mined again replaces its earlier outcome, so runs do not count twice) and keyed
by the selector itself (its label), so reordering or inserting selectors in the file keeps their history. A selector
right on at least ``FAST_TRACK`` of at least ``MIN_PAGES`` pages of a site is tried alone first there
("fast-track"); otherwise every selector is tried, in the file's order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from minedag.campaigns.model import Campaign
from minedag.store import atomic_write
from minedag.urls import url_id

FAST_TRACK, MIN_PAGES = 0.9, 5


@dataclass
class SelectorStats:
    # site -> attribute -> selector label -> page id -> gave a valid value
    outcomes: dict[str, dict[str, dict[str, dict[str, bool]]]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> SelectorStats:
        """The saved outcomes; a missing or unreadable file, or one of the older per-run counts keyed by selector
        position (which cannot be told apart by page), starts afresh."""
        try:
            saved = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return cls()
        if not isinstance(saved, dict) or saved.get("format") != 2:
            return cls()
        return cls(saved["outcomes"])

    def save(self, path: Path) -> None:
        atomic_write(path, json.dumps({"format": 2, "outcomes": self.outcomes}, sort_keys=True).encode(), durable=False)

    def record(self, site: str, attribute: str, url: str, tried: dict[str, bool]) -> None:
        """What each selector (by label) gave on ``url`` this time; replaces that page's earlier outcome."""
        by_selector = self.outcomes.setdefault(site, {}).setdefault(attribute, {})
        page = url_id(url)
        for label, ok in tried.items():
            by_selector.setdefault(label, {})[page] = ok

    def fast_track(self, site: str) -> dict[str, str]:
        """Per attribute, the selector (label) to try alone first on ``site``: the most reliable one above the bar,
        ties to the one right on more pages, then by label (the same choice on every run)."""
        out = {}
        for attribute, by_selector in self.outcomes.get(site, {}).items():
            reliable = [(sum(pages.values()) / len(pages), len(pages), label) for label, pages in by_selector.items()
                        if len(pages) >= MIN_PAGES and sum(pages.values()) / len(pages) >= FAST_TRACK]
            if reliable:
                out[attribute] = min(reliable, key=lambda r: (-r[0], -r[1], r[2]))[2]
        return out

    def totals(self, attribute: str) -> dict[str, tuple[int, int]]:
        """Selector label -> (pages tried, pages where it gave a valid value), over every site."""
        out: dict[str, tuple[int, int]] = {}
        for by_attribute in self.outcomes.values():
            for label, pages in by_attribute.get(attribute, {}).items():
                tried, right = out.get(label, (0, 0))
                out[label] = (tried + len(pages), right + sum(pages.values()))
        return out

    def rows(self, campaign: Campaign) -> list[list[object]]:
        """``[site, attribute, selector, pages tried, success rate, fast-track]`` for the UI and the CLI: the
        campaign's current selectors only, in the file's order."""
        out: list[list[object]] = []
        for site, attributes in sorted(self.outcomes.items()):
            fast = self.fast_track(site)
            for attribute in campaign.attributes:
                by_selector = attributes.get(attribute.name, {})
                for selector in attribute.selectors:
                    pages = by_selector.get(selector.label)
                    if pages:
                        out.append([site, attribute.name, selector.label, len(pages), round(sum(pages.values()) / len(pages), 3),
                                    "yes" if fast.get(attribute.name) == selector.label else ""])
        return out
