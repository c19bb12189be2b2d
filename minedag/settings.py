"""Where minedag keeps its data: ``$MINEDAG_DATA`` or ``./data`` (the repo's ``data/`` when run from its root)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The data root; read at call time, never at import time."""
    return Path(os.environ.get("MINEDAG_DATA", "data")).resolve()


def store_dir() -> Path:
    return data_dir() / "store"


def bundles_dir() -> Path:
    return data_dir() / "bundles"
