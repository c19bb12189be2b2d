"""Read bundle versions back: an overview, one version's summary, and the difference between two versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

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


def _rows(root: Path, functionality: str, version: str, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every member row by URL, with the columns left out as constant put back (so they compare too)."""
    folder = root / functionality / version
    constant = manifest.get("columns", {}).get("constant_columns", {})
    rows = [r for s in ("train", "validation", "test") for r in pq.read_table(folder / s).to_pylist()]
    return {r["url"]: constant | r for r in rows}


def bundle_diff(root: Path, functionality: str, v1: str, v2: str) -> dict[str, Any]:
    """What changed from ``v1`` to ``v2``: rows added and removed, per changed URL each column's old and new
    value, columns added and removed, and coverage changes."""
    _, m1 = _manifest(root, functionality, v1)
    _, m2 = _manifest(root, functionality, v2)
    a, b = _rows(root, functionality, v1, m1), _rows(root, functionality, v2, m2)
    cols_a = {c for r in a.values() for c in r} | set(m1.get("columns", {}).get("constant_columns", {}))
    cols_b = {c for r in b.values() for c in r} | set(m2.get("columns", {}).get("constant_columns", {}))
    changed = {}
    for url in sorted(a.keys() & b.keys()):
        values = {c: {"from": a[url].get(c), "to": b[url].get(c)} for c in sorted(cols_a & cols_b)
                  if a[url].get(c) != b[url].get(c)}
        if values:
            changed[url] = values
    cov1 = {x["name"]: x["coverage"] for x in m1["attributes"]}
    cov2 = {x["name"]: x["coverage"] for x in m2["attributes"]}
    return {"functionality": functionality, "from": v1, "to": v2,
            "added": sorted(b.keys() - a.keys()), "removed": sorted(a.keys() - b.keys()), "changed": changed,
            "columns_added": sorted(cols_b - cols_a), "columns_removed": sorted(cols_a - cols_b),
            "coverage_changes": {k: {"from": cov1.get(k), "to": cov2.get(k)} for k in sorted(set(cov1) | set(cov2))
                                 if cov1.get(k) != cov2.get(k)}}


def diff_text(diff: dict[str, Any], width: int = 100) -> str:
    """``bundle_diff`` for a person: counts first, then each change on its own line (long values cut)."""
    def show(value: Any) -> str:
        text = json.dumps(value, default=str, ensure_ascii=False)
        return text if len(text) <= width else text[: width - 1] + "…"

    lines = [f"{diff['functionality']} {diff['from']} -> {diff['to']}: {len(diff['added'])} rows added, "
             f"{len(diff['removed'])} removed, {len(diff['changed'])} changed; columns +{len(diff['columns_added'])} "
             f"-{len(diff['columns_removed'])}"]
    lines += [f"  + {url}" for url in diff["added"]] + [f"  - {url}" for url in diff["removed"]]
    lines += [f"  column added: {c}" for c in diff["columns_added"]] + [f"  column removed: {c}" for c in diff["columns_removed"]]
    for url, values in diff["changed"].items():
        lines.append(f"  ~ {url}")
        lines += [f"      {c}: {show(v['from'])} -> {show(v['to'])}" for c, v in values.items()]
    lines += [f"  coverage {k}: {v['from']} -> {v['to']}" for k, v in diff["coverage_changes"].items()]
    return "\n".join(lines)
