"""Stored captures as files, one gzipped JSON per URL: what a snapshot capture resource serves instead of a browser
(fast tests of the whole chain, replays of a recorded crawl) and what ``make goldens`` writes."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from minedag.capture.model import PageCapture


def snapshot_path(folder: Path, url: str) -> Path:
    """Where ``url``'s capture is kept in ``folder``: its host and path as a file name (``shop.test_products_mug``)."""
    return folder / (re.sub(r"[^a-z0-9.]+", "_", url.split("://", 1)[-1].lower()).strip("_") + ".json.gz")


def write_snapshot(folder: Path, capture: PageCapture) -> Path:
    """Keep ``capture`` in ``folder`` (byte-identical for the same capture: no gzip timestamp)."""
    from minedag.store import atomic_write

    path = snapshot_path(folder, capture.url)
    atomic_write(path, gzip.compress(capture.to_json(), compresslevel=9, mtime=0))
    return path


def read_snapshot(folder: Path, url: str) -> PageCapture | None:
    """``url``'s kept capture, or ``None`` when ``folder`` has none."""
    path = snapshot_path(folder, url)
    if not path.exists():
        return None
    return PageCapture.from_dict(json.loads(gzip.decompress(path.read_bytes())))
