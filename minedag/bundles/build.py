"""Build one training bundle: join profile records, exclude with reasons, split by domain, write atomically.

A bundle version is a content hash of its inputs (member URLs with their capture hashes and profile
versions, and the functionality's config): the same inputs give the same version, and building it again
writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import minedag
from minedag.functionalities import Functionality
from minedag.profiles import get_profile
from minedag.store import Store

BUNDLE_FORMAT = "1"
SPLITS = (("train", 0.8), ("validation", 0.1), ("test", 0.1))
_KEY_COLUMNS = ("url", "site", "ok", "error", "quality", "capture_hash", "captured_at", "profile_version")


@dataclass(frozen=True)
class BundleResult:
    functionality: str
    version: str
    path: Path
    created: bool  # False when this exact version already existed (nothing was written)
    manifest: dict[str, Any]

    @property
    def checks_passed(self) -> bool:
        return all(c["passed"] for c in self.manifest["checks"])


def bundle_frame(functionality: Functionality, store: Store, urls: list[str] | None = None) -> pd.DataFrame:
    """One row per URL with the functionality's attributes (``profile.attribute`` columns), vectorised.

    ``ok`` is true only if every model type's record is ok; ``quality`` is the lowest of them.
    """
    frame: pd.DataFrame | None = None
    for name in functionality.model_types:
        profile = get_profile(name)
        wanted = [q.split(".", 1)[1] for q in functionality.attributes if q.startswith(name + ".")]
        table = store.read_records(name, urls, schema=profile.schema).select(list(_KEY_COLUMNS) + wanted)
        df = table.to_pandas(types_mapper=None)
        df = df.rename(columns={a: f"{name}.{a}" for a in wanted} | {c: f"{name}:{c}" for c in _KEY_COLUMNS if c not in ("url", "site")})
        frame = df if frame is None else frame.merge(df, on=["url", "site"], how="outer")
    assert frame is not None
    types = functionality.model_types
    frame["ok"] = frame[[f"{n}:ok" for n in types]].fillna(False).astype(bool).all(axis=1)
    frame["quality"] = frame[[f"{n}:quality" for n in types]].fillna(0).min(axis=1).astype("int64")
    frame["error"] = frame[[f"{n}:error" for n in types]].bfill(axis=1).iloc[:, 0]
    frame["capture_hash"] = frame[f"{types[0]}:capture_hash"]
    frame["captured_at"] = frame[f"{types[0]}:captured_at"]
    frame["profile_versions"] = frame[[f"{n}:profile_version" for n in types]].astype(str).agg("|".join, axis=1)
    keep = ["url", "site", "ok", "error", "quality", "capture_hash", "captured_at", "profile_versions", *functionality.attributes]
    return frame[keep].sort_values("url", kind="stable").reset_index(drop=True)


def split_by_domain(sites: list[str]) -> dict[str, str]:
    """Assign each site to train/validation/test: no site is in two splits, and the same sites give the same splits.

    With 20 sites or more a site's split is a hash bucket (stable when sites are added); with fewer, sites are
    dealt in hash order to the split furthest below its share, so every split gets a site when there are three.
    """
    ordered = sorted(set(sites), key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    if len(ordered) >= 20:
        out = {}
        for site in ordered:
            bucket = int(hashlib.sha256(site.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
            edge = 0.0
            for name, share in SPLITS:
                edge += share
                if bucket <= edge:
                    out[site] = name
                    break
            out.setdefault(site, SPLITS[-1][0])
        return out
    counts = {name: 0 for name, _ in SPLITS}
    out = {}
    for i, site in enumerate(ordered):
        if i < len(SPLITS) and len(ordered) >= len(SPLITS):
            name = SPLITS[i][0]
        else:
            name = min(SPLITS, key=lambda s: (counts[s[0]] + 1) / s[1])[0]
        out[site] = name
        counts[name] += 1
    return out


def build_bundle(functionality: Functionality, store: Store, root: Path, urls: list[str] | None = None,
                 min_confidence: float = 0.6) -> BundleResult:
    """Build (or find) the bundle version for the current records of ``functionality``.

    The version hashes the functionality's config and every candidate row (URL, capture hash, profile versions
    and attribute values), so the same records always give the same version and any change gives a new one.
    """
    frame = bundle_frame(functionality, store, urls)
    excluded = _exclusions(frame, functionality)
    members = frame[~frame["url"].isin(excluded["url"])].reset_index(drop=True)
    version = _version(functionality, frame)
    target = root / functionality.name / version
    if (target / "manifest.json").exists():
        return BundleResult(functionality.name, version, target, False, json.loads((target / "manifest.json").read_text()))
    from minedag.bundles.checks import check_bundle

    splits = split_by_domain(members["site"].tolist())
    members["split"] = members["site"].map(splits)
    manifest = _manifest(functionality, frame, members, excluded, version, store, min_confidence)
    manifest["checks"] = [asdict(c) for c in check_bundle(functionality, frame, members, splits)]
    root.joinpath(functionality.name).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root / functionality.name, prefix=f".{version}."))
    try:
        _write(tmp, functionality, members, excluded, manifest)
        tmp.chmod(0o755)
        tmp.rename(target)  # atomic: the version directory appears complete or not at all
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (target / "manifest.json").exists():
            raise
    return BundleResult(functionality.name, version, target, True, manifest)


def _exclusions(frame: pd.DataFrame, f: Functionality) -> pd.DataFrame:
    reasons = pd.Series(pd.NA, index=frame.index, dtype="object")
    failed = ~frame["ok"]
    reasons[failed] = "failed capture: " + frame.loc[failed, "error"].fillna("unknown").astype(str)
    low = frame["ok"] & (frame["quality"] < f.min_quality)
    reasons[low & reasons.isna()] = "below quality floor: " + frame.loc[low, "quality"].astype(str) + f" < {f.min_quality}"
    candidates = frame["ok"] & reasons.isna() & frame["capture_hash"].notna()
    first = frame[candidates].drop_duplicates("capture_hash")
    dup = candidates & ~frame.index.isin(first.index)
    original = frame[candidates].groupby("capture_hash")["url"].first()
    reasons[dup] = "duplicate content of " + frame.loc[dup, "capture_hash"].map(original)
    out = frame.loc[reasons.notna(), ["url", "site", "quality", "capture_hash"]].copy()
    out["reason"] = reasons[reasons.notna()]
    return out.reset_index(drop=True)


def _version(f: Functionality, frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"format": BUNDLE_FORMAT, "functionality": asdict(f)}, sort_keys=True).encode())
    for row in frame.to_dict("records"):  # the records' content, not only their capture: a re-extraction counts
        h.update(json.dumps(row, sort_keys=True, default=_plain).encode())
    return h.hexdigest()[:16]


def _plain(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else str(value)


def _coverage(members: pd.DataFrame, f: Functionality) -> dict[str, float]:
    out = {}
    for q in f.attributes:
        col = members[q]
        present = col.notna() & col.map(lambda v: not (isinstance(v, str) and not v.strip()))
        out[q] = round(float(present.mean()), 4) if len(members) else 0.0
    return out


def _manifest(f: Functionality, frame: pd.DataFrame, members: pd.DataFrame, excluded: pd.DataFrame, version: str,
              store: Store, min_confidence: float) -> dict[str, Any]:
    from minedag.bundles.links import linked_schemas

    coverage = _coverage(members, f)
    versions = sorted({v for p in frame["profile_versions"].dropna() for v in [p]})
    below = {q: c for q, c in coverage.items() if q in f.required and c < f.min_coverage}
    low_domains = (members.groupby("site")["quality"].mean().loc[lambda s: s < f.min_quality + 10].round(1).to_dict()
                   if len(members) else {})
    need = {q: _more_urls(c, f.min_coverage, len(members)) for q, c in below.items()}
    return {
        "functionality": f.name, "version": version, "description": f.description, "model_types": list(f.model_types),
        "model_kinds": list(f.model_kinds), "targets": list(f.targets),
        "attributes": [{"name": q, "type": f.attribute(q).type_name, "description": f.attribute(q).description,
                        "required": q in f.required, "role": "target" if q in f.targets else "input",
                        "coverage": coverage[q]} for q in f.attributes],
        "counts": {"total_urls": int(len(frame)), "successful_urls": int(frame["ok"].sum()), "members": int(len(members)),
                   "excluded": int(len(excluded)),
                   "splits": {name: int((members["split"] == name).sum()) for name, _ in SPLITS},
                   "average_quality": round(float(members["quality"].mean()), 2) if len(members) else 0.0},
        "excluded_by_reason": excluded["reason"].str.split(":").str[0].value_counts().sort_index().to_dict(),
        "splits_by_site": members.groupby("split")["site"].unique().map(sorted).to_dict(),
        "linked_schemas": linked_schemas(store, members["url"].tolist(), min_confidence),
        "input_versions": {"profile_versions": versions, "bundle_format": BUNDLE_FORMAT},
        "software": {"minedag": minedag.__version__, "pyarrow": pa.__version__, **_capture_versions(store, members)},
        "data_as_of": str(frame["captured_at"].dropna().max()) if frame["captured_at"].notna().any() else None,
        # Deterministic on purpose (same inputs -> byte-identical files): the newest capture's time.
        "created_at": str(frame["captured_at"].dropna().max()) if frame["captured_at"].notna().any() else None,
        "quality_floor": f.min_quality, "coverage_floor": f.min_coverage,
        "recommendations": {
            "attributes_below_coverage": below,
            "more_urls_to_reach_floor": need,
            "low_quality_domains": low_domains,
            "profile_to_improve": _weakest_profile(coverage, f),
        },
    }


def _capture_versions(store: Store, members: pd.DataFrame) -> dict[str, str]:
    """Chromium, Playwright and axe-core versions, from the newest member capture."""
    if not len(members):
        return {}
    newest = members.sort_values("captured_at").iloc[-1]["url"]
    capture = store.load_capture(newest)
    return {k: v for k, v in (capture.versions if capture else {}).items() if k != "minedag"}


def _more_urls(coverage: float, floor: float, n: int) -> int | None:
    """URLs with the attribute needed to lift coverage to the floor (if new URLs all had it)."""
    if coverage >= floor:
        return 0
    if floor >= 1:
        return None
    return int(-(-(floor * n - coverage * n) // (1 - floor)))


def _weakest_profile(coverage: dict[str, float], f: Functionality) -> str | None:
    by_profile: dict[str, list[float]] = {}
    for q, c in coverage.items():
        by_profile.setdefault(q.split(".")[0], []).append(c)
    if not by_profile:
        return None
    return min(by_profile, key=lambda p: sum(by_profile[p]) / len(by_profile[p]))


def _write(folder: Path, f: Functionality, members: pd.DataFrame, excluded: pd.DataFrame, manifest: dict[str, Any]) -> None:
    from minedag.bundles.card import dataset_card

    table = pa.Table.from_pandas(members, preserve_index=False)
    for name, _share in SPLITS:
        part = table.filter(pa.compute.equal(table["split"], name))
        (folder / name).mkdir()
        pq.write_table(part, folder / name / "part-0.parquet", compression="zstd")
        rows = part.drop_columns(["split"]).to_pylist()
        (folder / "jsonl").mkdir(exist_ok=True)
        (folder / "chat").mkdir(exist_ok=True)
        with open(folder / "jsonl" / f"{name}.jsonl", "w") as out:
            for row in rows:
                out.write(json.dumps(row, sort_keys=True, default=str) + "\n")
        with open(folder / "chat" / f"{name}.jsonl", "w") as out:
            for row in rows:
                out.write(json.dumps(_chat(f, row), default=str) + "\n")
    with open(folder / "exclusions.jsonl", "w") as out:
        for row in excluded.to_dict("records"):
            out.write(json.dumps(row, sort_keys=True, default=str) + "\n")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    (folder / "README.md").write_text(dataset_card(manifest))
    _write_plots(folder / "plots", manifest, members["quality"].dropna().tolist())


def _write_plots(folder: Path, manifest: dict[str, Any], quality: list[float]) -> None:
    """``plots/coverage.png`` and ``plots/quality.png``: what the card and the Dagster UI show."""
    from minedag.plots import coverage_chart, quality_histogram

    folder.mkdir()
    name = manifest["functionality"]
    attrs = manifest["attributes"]
    (folder / "coverage.png").write_bytes(coverage_chart({a["name"]: a["coverage"] for a in attrs}, f"{name}: attribute coverage",
                                                         required=[a["name"] for a in attrs if a["required"]]))
    (folder / "quality.png").write_bytes(quality_histogram(quality, f"{name}: member quality"))


def _chat(f: Functionality, row: dict[str, Any]) -> dict[str, Any]:
    inputs = {q: row[q] for q in f.attributes if q not in f.targets and row.get(q) is not None}
    targets = {q: row[q] for q in f.targets}
    return {"messages": [
        {"role": "system", "content": f"You are a model for {f.name.replace('_', ' ')}: {f.description}"},
        {"role": "user", "content": json.dumps({"url": row["url"], "features": inputs}, sort_keys=True, default=str)},
        {"role": "assistant", "content": json.dumps(targets, sort_keys=True, default=str)},
    ]}
