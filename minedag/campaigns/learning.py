"""Which selectors work where: per campaign, site and attribute, how often each selector gave a valid value.

A selector right on at least ``FAST_TRACK`` of at least ``MIN_PAGES`` pages of a site is tried alone first there
("fast-track"); otherwise every selector is tried, in the file's order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from minedag.campaigns.model import Campaign
from minedag.store import atomic_write

FAST_TRACK, MIN_PAGES = 0.9, 5


@dataclass
class SelectorStats:
    # site -> attribute -> selector index (as text) -> [tries, successes]
    counts: dict[str, dict[str, dict[str, list[int]]]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> SelectorStats:
        try:
            return cls(json.loads(path.read_text()))
        except (FileNotFoundError, ValueError):
            return cls()

    def save(self, path: Path) -> None:
        atomic_write(path, json.dumps(self.counts, sort_keys=True).encode(), durable=False)

    def record(self, site: str, attribute: str, tried: dict[int, bool]) -> None:
        by_selector = self.counts.setdefault(site, {}).setdefault(attribute, {})
        for index, ok in tried.items():
            tries = by_selector.setdefault(str(index), [0, 0])
            tries[0] += 1
            tries[1] += int(ok)

    def fast_track(self, site: str) -> dict[str, int]:
        """Per attribute, the selector to try alone first on ``site`` (the most reliable one above the bar)."""
        out = {}
        for attribute, by_selector in self.counts.get(site, {}).items():
            reliable = [(s / t, -int(i)) for i, (t, s) in by_selector.items() if t >= MIN_PAGES and s / t >= FAST_TRACK]
            if reliable:
                out[attribute] = -max(reliable)[1]
        return out

    def rows(self, campaign: Campaign) -> list[list[object]]:
        """``[site, attribute, selector, pages tried, success rate, fast-track]`` for the UI and the CLI."""
        out: list[list[object]] = []
        by_name = {a.name: a for a in campaign.attributes}
        for site, attributes in sorted(self.counts.items()):
            fast = self.fast_track(site)
            for name, by_selector in sorted(attributes.items()):
                if name not in by_name:
                    continue
                for index, (tries, successes) in sorted(by_selector.items(), key=lambda kv: int(kv[0])):
                    if int(index) >= len(by_name[name].selectors):
                        continue
                    out.append([site, name, by_name[name].selectors[int(index)].label, tries,
                                round(successes / tries, 3) if tries else 0.0, "yes" if fast.get(name) == int(index) else ""])
        return out
