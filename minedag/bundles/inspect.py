"""Read bundle versions back: an overview, one version's summary, and the difference between two versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from minedag.bundles.publish import latest_version, list_versions
from minedag.functionalities import get_functionality


def _manifest(root: Path, functionality: str, version: str | None) -> tuple[str, dict[str, Any]]:
    get_functionality(functionality)
    version = version or latest_version(root, functionality)
    if version is None:
        raise FileNotFoundError(f"no published bundle for {functionality!r} under {root}; run `make demo` or the bundle job")
    path = root / functionality / version / "manifest.json"
    if not path.exists():
        known = [v for v, _ in list_versions(root, functionality)]
        raise FileNotFoundError(f"bundle {functionality}/{version} not found; versions: {known}")
    return version, json.loads(path.read_text())


def bundles_overview(root: Path) -> list[dict[str, Any]]:
    rows = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        latest = latest_version(root, folder.name)
        manifest = json.loads((folder / latest / "manifest.json").read_text()) if latest else {}
        rows.append({"functionality": folder.name, "latest": latest, "versions": len(list_versions(root, folder.name)),
                     "members": manifest.get("counts", {}).get("members"),
                     "average_quality": manifest.get("counts", {}).get("average_quality")})
    return rows


def bundle_summary(root: Path, functionality: str, version: str | None = None) -> dict[str, Any]:
    version, m = _manifest(root, functionality, version)
    return {"functionality": functionality, "version": version, "description": m["description"], "counts": m["counts"],
            "attributes": m["attributes"], "linked_schemas": m["linked_schemas"], "recommendations": m["recommendations"],
            "checks": m["checks"], "path": str(root / functionality / version)}


def _rows(root: Path, functionality: str, version: str) -> pd.DataFrame:
    folder = root / functionality / version
    return pd.concat([pd.read_parquet(folder / s, columns=["url", "capture_hash"]) for s in ("train", "validation", "test")])


def bundle_diff(root: Path, functionality: str, v1: str, v2: str) -> dict[str, Any]:
    """Rows added, removed and changed (new capture) from ``v1`` to ``v2``, and coverage changes."""
    _, m1 = _manifest(root, functionality, v1)
    _, m2 = _manifest(root, functionality, v2)
    a, b = _rows(root, functionality, v1), _rows(root, functionality, v2)
    merged = a.merge(b, on="url", how="outer", suffixes=("_1", "_2"), indicator=True)
    changed = merged[(merged["_merge"] == "both") & (merged["capture_hash_1"] != merged["capture_hash_2"])]
    cov1 = {x["name"]: x["coverage"] for x in m1["attributes"]}
    cov2 = {x["name"]: x["coverage"] for x in m2["attributes"]}
    return {"functionality": functionality, "from": v1, "to": v2,
            "added": sorted(merged.loc[merged["_merge"] == "right_only", "url"]),
            "removed": sorted(merged.loc[merged["_merge"] == "left_only", "url"]),
            "changed": sorted(changed["url"]),
            "coverage_changes": {k: {"from": cov1.get(k), "to": cov2.get(k)} for k in sorted(set(cov1) | set(cov2))
                                 if cov1.get(k) != cov2.get(k)}}
