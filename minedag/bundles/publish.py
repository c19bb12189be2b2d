"""``data/bundles/<functionality>/latest``: a symlink moved atomically to a version that passed its checks."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def publish(root: Path, functionality: str, version: str) -> Path:
    """Point ``latest`` at ``version`` (atomic: a new symlink renamed over the old one)."""
    folder = root / functionality
    if not (folder / version / "manifest.json").exists():
        raise FileNotFoundError(f"bundle {functionality}/{version} does not exist under {root}; build it first")
    tmp = folder / f".latest.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(version)
    os.replace(tmp, folder / "latest")
    return folder / "latest"


def latest_version(root: Path, functionality: str) -> str | None:
    link = root / functionality / "latest"
    return os.readlink(link) if link.is_symlink() else None


def list_versions(root: Path, functionality: str) -> list[tuple[str, float]]:
    """Versions with their build time (mtime), oldest first."""
    folder = root / functionality
    if not folder.is_dir():
        return []
    found = [(p.name, p.stat().st_mtime) for p in folder.iterdir()
             if p.is_dir() and not p.is_symlink() and not p.name.startswith(".") and (p / "manifest.json").exists()]
    return sorted(found, key=lambda v: v[1])


def member_urls(folder: Path) -> set[str]:
    """The URLs of a bundle version's rows (every split)."""
    import pyarrow.parquet as pq

    return {u for part in folder.glob("*/*.parquet") for u in pq.read_table(part, columns=["url"]).column("url").to_pylist()}


def republish_without(root: Path, urls: set[str], rebuild: Callable[[str], tuple[str, bool]]) -> dict[str, dict[str, object]]:
    """After ``urls`` were removed from the store: every functionality whose ``latest`` still serves one of them gets
    a rebuilt version published at once, even when a blocking check holds it back (removal wins: a page someone asked
    to remove is never served again). ``rebuild(functionality) -> (version, checks_passed)``. Returns what moved."""
    moved: dict[str, dict[str, object]] = {}
    for link in sorted(root.glob("*/latest")) if root.is_dir() else []:
        name = link.parent.name
        if not member_urls(link.resolve()) & urls:
            continue
        version, passed = rebuild(name)
        publish(root, name, version)
        moved[name] = {"version": version, "checks_passed": passed}
    return moved
