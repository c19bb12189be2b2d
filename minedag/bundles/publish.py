"""``data/bundles/<functionality>/latest``: a symlink moved atomically to a version that passed its checks."""

from __future__ import annotations

import os
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
