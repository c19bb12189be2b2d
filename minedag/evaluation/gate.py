"""Floors pinned in the repo: a score below its floor fails; a new floor below the old needs ``allow_lower``."""

from __future__ import annotations

import json
from pathlib import Path

from minedag.errors import MinedagError

FLOORS = Path(__file__).with_name("floors.json")


class BelowFloor(MinedagError, AssertionError):
    """A score fell below its pinned floor."""


def floors() -> dict[str, float]:
    return json.loads(FLOORS.read_text())


def check(scores: dict[str, float]) -> list[str]:
    """Names of the scores below their floor (scores without a floor are reported, not gated)."""
    pinned = floors()
    return [f"{name}: {value:.3f} < floor {pinned[name]:.3f}" for name, value in scores.items() if name in pinned and value < pinned[name]]


def pin(scores: dict[str, float], *, allow_lower: bool = False) -> dict[str, float]:
    """Raise floors to the new scores; lowering any floor needs ``allow_lower=True`` (``--allow-lower-floor``)."""
    pinned = floors()
    for name, value in scores.items():
        if name in pinned and value < pinned[name] and not allow_lower:
            raise BelowFloor(f"{name} would drop from {pinned[name]} to {value}; pass --allow-lower-floor to accept it")
        pinned[name] = round(value, 4)
    FLOORS.write_text(json.dumps(pinned, indent=2, sort_keys=True) + "\n")
    return pinned
