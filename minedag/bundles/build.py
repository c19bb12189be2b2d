"""Build one training bundle: join profile records, exclude with reasons, split by domain, write atomically.

A bundle version is a content hash of its inputs (member URLs with their capture hashes and profile
versions, and the functionality's config): the same inputs give the same version, and building it again
writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import socket
import tempfile
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import minedag
from minedag.bundles.columns import column_name, hf_feature, typed_column, yaml_features
from minedag.bundles.labels import label_targets
from minedag.bundles.near_duplicates import near_duplicates
from minedag.errors import MinedagError
from minedag.functionalities import Functionality
from minedag.profiles.record import is_present
from minedag.store import CorruptFile, Store

BUNDLE_FORMAT = "3"  # 2: typed nested columns named profile__attribute, constant columns left out; 3: label_sources
SPLIT_NAMES = ("train", "validation", "test")
_BASE_TYPES = {"url": pa.string(), "site": pa.string(), "ok": pa.bool_(), "error": pa.string(), "status": pa.int64(),
               "quality": pa.int64(), "capture_hash": pa.string(), "captured_at": pa.string(), "profile_versions": pa.string()}
_IDENTITY = ("url", "site", "capture_hash")
IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])  # how ``datasets`` stores an Image  # kept even when constant: they say which page a row is
# Arrow -> pandas types that keep nulls without turning ints into floats.
_NULLABLE = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int32Dtype(), pa.bool_(): pd.BooleanDtype()}

_KEY_COLUMNS = ("url", "site", "ok", "error", "status", "quality", "capture_id", "capture_hash", "captured_at", "profile_version")


class LeakingConfiguration(MinedagError, ValueError):
    """A functionality has an input that derives from one of its targets (or decides it)."""


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
    for name in functionality.profiles:
        profile = functionality.profile(name)
        wanted = [q.split(".", 1)[1] for q in functionality.attributes if q.startswith(name + ".")]
        table = store.read_records(name, urls, schema=profile.schema).select(list(_KEY_COLUMNS) + wanted)
        df = table.to_pandas(types_mapper=_NULLABLE.get)  # ints stay ints (with nulls) through the joins
        df = df.rename(columns={a: f"{name}.{a}" for a in wanted} | {c: f"{name}:{c}" for c in _KEY_COLUMNS if c not in ("url", "site")})
        frame = df if frame is None else frame.merge(df, on=["url", "site"], how="outer")
    assert frame is not None
    types = functionality.profiles
    # A page without a record of one of the profiles (never extracted, or its batch file was quarantined) is a
    # hole: it is excluded with that reason, never a crash and never a half-filled row.
    holes = pd.DataFrame({n: frame[f"{n}:ok"].isna() for n in types})
    frame["missing_records"] = ""
    gaps = holes.any(axis=1)  # few rows, if any: joined one by one
    frame.loc[gaps, "missing_records"] = [", ".join(n for n, hole in zip(types, row, strict=True) if hole)
                                          for row in holes[gaps].itertuples(index=False)]
    frame["ok"] = frame[[f"{n}:ok" for n in types]].fillna(False).astype(bool).all(axis=1)
    frame["quality"] = frame[[f"{n}:quality" for n in types]].fillna(0).min(axis=1).astype("int64")
    frame["error"] = frame[[f"{n}:error" for n in types]].bfill(axis=1).iloc[:, 0]
    frame["status"] = frame[[f"{n}:status" for n in types]].bfill(axis=1).iloc[:, 0].astype("Int64")
    frame["capture_id"] = frame[f"{types[0]}:capture_id"]  # where raw material is read; not part of the version
    frame["capture_hash"] = frame[f"{types[0]}:capture_hash"]
    frame["captured_at"] = frame[f"{types[0]}:captured_at"]
    versions = frame[[f"{n}:profile_version" for n in types]].astype(object)
    frame["profile_versions"] = versions.where(versions.notna(), "none").astype(str).agg("|".join, axis=1)
    keep = ["url", "site", "ok", "error", "status", "quality", "capture_id", "capture_hash", "captured_at", "profile_versions",
            "missing_records", *functionality.attributes]
    return frame[keep].sort_values("url", kind="stable").reset_index(drop=True)


def split_by_domain(sites: list[str], ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)) -> dict[str, str]:
    """Assign each site to train/validation/test: no site is in two splits, and the same sites give the same splits.

    With 20 sites or more a site's split is a hash bucket cut at ``ratios`` (stable when sites are added); with
    fewer, sites are dealt in hash order to the split furthest below its share, so every split with a share gets
    a site when there are enough.
    """
    shares = [(name, r) for name, r in zip(SPLIT_NAMES, ratios, strict=True)]
    ordered = sorted(set(sites), key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    out: dict[str, str] = {}
    if len(ordered) >= 20:
        for site in ordered:
            bucket = int(hashlib.sha256(site.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
            edge = 0.0
            for name, share in shares:
                edge += share
                if share and bucket <= edge:
                    out[site] = name
                    break
            out.setdefault(site, next(n for n, r in reversed(shares) if r))
        return out
    wanted = [(n, r) for n, r in shares if r > 0]
    counts = dict.fromkeys(SPLIT_NAMES, 0)
    for i, site in enumerate(ordered):
        if i < len(wanted) and len(ordered) >= len(wanted):
            name = wanted[i][0]
        else:
            name = min(wanted, key=lambda s: (counts[s[0]] + 1) / s[1])[0]
        out[site] = name
        counts[name] += 1
    return out


def split_note(sites: int, members: pd.DataFrame, ratios: tuple[float, float, float]) -> str | None:
    """What a user should know when the splits cannot follow the ratios: too few sites, or an empty split."""
    asked = "/".join(f"{r:.0%}" for r in ratios)
    got = "/".join(f"{(members['split'] == n).mean():.0%}" if len(members) else "0%" for n in SPLIT_NAMES)
    empty = [n for n, r in zip(SPLIT_NAMES, ratios, strict=True) if r and not (members["split"] == n).any()]
    if empty:
        return f"only {sites} site(s): {', '.join(empty)} empty; rows {got} where {asked} was asked (splits never share a site)"
    if sites < 20:
        return f"few sites ({sites}): sites were dealt to splits, rows came out {got} where {asked} was asked"
    return None


def build_bundle(functionality: Functionality, store: Store, root: Path, urls: list[str] | None = None,
                 min_confidence: float = 0.6) -> BundleResult:
    """Build (or find) the bundle version for the current records of ``functionality``.

    The version hashes what a user gets: the functionality's config, every member row (URL, capture hash,
    profile versions and attribute values) and which URLs were excluded why. The same records give the same
    version; a page that was fetched again but excluded for the same reason (a 404) does not make a new one.
    """
    leaks = functionality.leaks()
    if leaks:
        raise LeakingConfiguration(f"{functionality.name}: these inputs derive from a target or decide it, so a model would "
                                   "learn the derivation, not the task: " + "; ".join(f"{i} <-> {t}" for i, t in leaks)
                                   + ". Drop them from the inputs (or the target), or give the model the raw material instead.")
    frame = bundle_frame(functionality, store, urls)
    texts = _main_texts(store, frame, functionality)
    excluded = _exclusions(frame, functionality, texts)
    extracted = frame[~frame["url"].isin(excluded["url"])].drop(columns=["missing_records"]).reset_index(drop=True)
    members, labels = label_targets(functionality, extracted, store)
    version = _version(functionality, members, excluded)
    target = root / functionality.name / version
    if target.parent.is_dir():
        remove_abandoned(target.parent)
    if (target / "manifest.json").exists():
        return BundleResult(functionality.name, version, target, False, json.loads((target / "manifest.json").read_text()))
    from minedag.bundles.checks import check_bundle

    splits = split_by_domain(members["site"].tolist(), functionality.splits)
    members["split"] = members["site"].map(splits)
    manifest = _manifest(functionality, frame, members, excluded, version, store, min_confidence, texts)
    manifest["labels"] = labels
    # Checks look at what was extracted: a label the bundle abstains from is not a missing attribute.
    checked = extracted.assign(split=members["split"])
    manifest["checks"] = [asdict(c) for c in check_bundle(functionality, frame, checked, splits)]
    root.joinpath(functionality.name).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root / functionality.name, prefix=f".{version}.{_builder()}."))
    try:
        _write(tmp, functionality, members, excluded, manifest, store)
        tmp.chmod(0o755)
        tmp.rename(target)  # atomic: the version directory appears complete or not at all
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (target / "manifest.json").exists():  # else a concurrent build of the same version won
            raise
    return BundleResult(functionality.name, version, target, True, manifest)


def remove_abandoned(folder: Path, older_than_s: float = 3600.0) -> list[str]:
    """Delete what a killed build or publish left in ``folder``: ``.<version>.*`` folders and ``.latest.*`` links
    of a builder process of this host that is gone, or older than ``older_than_s`` (a build in progress on another
    host is younger). Returns their names."""
    removed = []
    for path in folder.glob(".*"):
        try:
            if not _builder_gone(path.name) and time.time() - path.lstat().st_mtime < older_than_s:
                continue
            if path.is_symlink() or path.is_file():
                path.unlink()
            else:
                shutil.rmtree(path)
        except FileNotFoundError:  # another build removed it first
            continue
        removed.append(path.name)
    return removed


def _builder() -> str:
    """This process, as ``<host>-<pid>`` (no dots): written into its temporary folders' names."""
    return f"{socket.gethostname().replace('.', '_')}-{os.getpid()}"


def _builder_gone(name: str) -> bool:
    """``name`` (``.<version>.<host>-<pid>.<random>``) was made by a process of this host that no longer runs."""
    parts = name.rsplit(".", 2)
    host, _, pid = (parts[1] if len(parts) == 3 else "").rpartition("-")
    if host != socket.gethostname().replace(".", "_") or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _main_texts(store: Store, frame: pd.DataFrame, f: Functionality) -> dict[str, str | None]:
    """URL -> main text (``content_extractor``) of the pages that could be members, for near-duplicates."""
    if f.near_duplicate_threshold is None:
        return {}
    table = store.read_records("content_extractor", frame["url"].tolist(), columns=["main_text"])
    return dict(zip(table.column("url").to_pylist(), table.column("main_text").to_pylist(), strict=True)) if table.num_rows else {}


def _exclusions(frame: pd.DataFrame, f: Functionality, texts: dict[str, str | None]) -> pd.DataFrame:
    reasons = pd.Series(pd.NA, index=frame.index, dtype="object")
    holes = frame["missing_records"].astype(str) != ""
    reasons[holes] = "missing record: " + frame.loc[holes, "missing_records"].astype(str)
    failed = ~frame["ok"] & ~holes
    reasons[failed] = "failed capture: " + frame.loc[failed, "error"].fillna("unknown").astype(str)
    if not f.include_http_errors:  # an error page teaches what error pages look like, not the target
        http = frame["ok"] & frame["status"].ge(400).fillna(False).astype(bool)
        reasons[http] = "HTTP error: " + frame.loc[http, "status"].astype(str)
    low = frame["ok"] & (frame["quality"] < f.min_quality)
    reasons[low & reasons.isna()] = "below quality floor: " + frame.loc[low, "quality"].astype(str) + f" < {f.min_quality}"
    candidates = frame["ok"] & reasons.isna() & frame["capture_hash"].notna()
    first = frame[candidates].drop_duplicates("capture_hash")
    dup = candidates & ~frame.index.isin(first.index)
    original = frame[candidates].groupby("capture_hash")["url"].first()
    reasons[dup] = "duplicate content of " + frame.loc[dup, "capture_hash"].map(original)
    if f.near_duplicate_threshold is not None:
        left = frame.loc[candidates & reasons.isna(), "url"]
        near = near_duplicates({u: texts.get(u) for u in left}, f.near_duplicate_threshold)
        hit = frame["url"].isin(list(near))
        reasons[hit] = frame.loc[hit, "url"].map(lambda u: f"near-duplicate text of {near[u][0]} (similarity {near[u][1]})")
    out = frame.loc[reasons.notna(), ["url", "site", "quality", "capture_hash"]].copy()
    out["reason"] = reasons[reasons.notna()]
    return out.reset_index(drop=True)


def _version(f: Functionality, members: pd.DataFrame, excluded: pd.DataFrame) -> str:
    h = hashlib.sha256()
    config = {field.name: getattr(f, field.name) for field in fields(f) if field.name != "campaign_profiles"}
    if f.campaign_profiles:  # a campaign counts by its version (the hash of its file)
        config["campaigns"] = [[p.name, p.version] for p in f.campaign_profiles]
    h.update(json.dumps({"format": BUNDLE_FORMAT, "functionality": config}, sort_keys=True).encode())
    # The records' content (a re-extraction counts), not when the page was fetched: the same pages give the same
    # version on any machine and day; `captured_at` stays in the rows as provenance.
    for row in plain_rows(members.drop(columns=["capture_id", "captured_at"])):
        h.update(json.dumps(row, sort_keys=True).encode())
    h.update(json.dumps(sorted(zip(excluded["url"], excluded["reason"], strict=True))).encode())
    return h.hexdigest()[:16]


def plain_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as JSON-ready dicts: nulls are ``None`` (never NaN), numpy values plain Python values."""
    return pa.Table.from_pandas(frame, preserve_index=False).to_pylist()


def _coverage(members: pd.DataFrame, f: Functionality) -> dict[str, float]:
    out = {}
    for q in f.attributes:
        col = members[q]
        present = col.notna() & col.map(is_present)
        out[q] = round(float(present.mean()), 4) if len(members) else 0.0
    return out


def _manifest(f: Functionality, frame: pd.DataFrame, members: pd.DataFrame, excluded: pd.DataFrame, version: str,
              store: Store, min_confidence: float, texts: dict[str, str | None]) -> dict[str, Any]:
    from minedag.bundles.links import linked_schemas

    coverage = _coverage(members, f)
    versions = sorted({v for p in frame["profile_versions"].dropna() for v in [p]})
    below = {q: c for q, c in coverage.items() if q in f.required and c < f.min_coverage}
    low_domains = (members.groupby("site")["quality"].mean().loc[lambda s: s < f.min_quality + 10].round(1).to_dict()
                   if len(members) else {})
    need = {q: _more_urls(c, f.min_coverage, len(members)) for q, c in below.items()}
    return {
        "functionality": f.name, "version": version, "description": f.description, "model_types": list(f.model_types),
        "model_kinds": list(f.model_kinds), "hf_tasks": list(f.hf_tasks), "targets": list(f.trained_targets),
        "unmeasured_targets": list(f.unmeasured_targets),
        "attributes": [{"name": q, "column": column_name(q), "type": str(f.attribute(q).nested or f.attribute(q).type),
                        "classes": list(f.attribute(q).classes), "description": f.attribute(q).description,
                        "required": q in f.required, "role": "target" if q in f.trained_targets else "input",
                        "coverage": coverage[q]} for q in f.attributes],
        "counts": {"total_urls": int(len(frame)), "successful_urls": int(frame["ok"].sum()), "members": int(len(members)),
                   "excluded": int(len(excluded)),
                   "splits": {name: int((members["split"] == name).sum()) for name in SPLIT_NAMES},
                   "average_quality": round(float(members["quality"].mean()), 2) if len(members) else 0.0},
        "near_duplicates": {"threshold": f.near_duplicate_threshold, "texts_compared": int(sum(1 for t in texts.values() if t)),
                            "excluded": int(excluded["reason"].str.startswith("near-duplicate").sum())},
        "excluded_by_reason": excluded["reason"].str.replace(r"(: | of http).*$", "", regex=True)
                                                 .value_counts().sort_index().to_dict(),
        "splits_by_site": members.groupby("split")["site"].unique().map(sorted).to_dict(),
        "split_ratios": dict(zip(SPLIT_NAMES, f.splits, strict=True)),
        "split_note": split_note(members["site"].nunique(), members, f.splits),
        "linked_schemas": linked_schemas(store, members["url"].tolist(), min_confidence),
        "input_versions": {"profile_versions": versions, "bundle_format": BUNDLE_FORMAT},
        "software": {"minedag": minedag.__version__, "pyarrow": pa.__version__, **_capture_versions(store, members)},
        "data_as_of": str(members["captured_at"].dropna().max()) if members["captured_at"].notna().any() else None,
        # Deterministic on purpose (same version -> byte-identical files): the newest member capture's time.
        "created_at": str(members["captured_at"].dropna().max()) if members["captured_at"].notna().any() else None,
        "quality_floor": f.min_quality, "coverage_floor": f.min_coverage,
        "recommendations": {
            "attributes_below_coverage": below,
            "more_urls_to_reach_floor": need,
            "low_quality_domains": low_domains,
            "profile_to_improve": _weakest_profile(coverage, f) if below else None,
        },
    }


def _capture_versions(store: Store, members: pd.DataFrame) -> dict[str, str]:
    """Chromium, Playwright and axe-core versions, from the newest member capture."""
    if not len(members):
        return {}
    newest = members.sort_values("captured_at").iloc[-1]["url"]
    try:
        capture = store.load_capture(newest)
    except CorruptFile:
        return {}
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


def bundle_table(f: Functionality, members: pd.DataFrame, store: Store) -> tuple[pa.Table, dict[str, Any]]:
    """The members as written: base columns, then one typed column per attribute (``profile__attribute``, JSON
    text decoded to the declared type); columns that never vary are left out (targets and identity stay).

    Returns the table (its schema carries the ``datasets`` features) and the manifest's account of its columns.
    """
    plain = pa.Table.from_pandas(members, preserve_index=False)
    arrays: dict[str, pa.Array] = {}
    features: dict[str, dict[str, Any]] = {}
    misfits: dict[str, int] = {}
    for name, kind in _BASE_TYPES.items():
        arrays[name] = plain[name].combine_chunks().cast(kind)
        features[name] = hf_feature(kind)
    for q in f.attributes:
        attr = f.attribute(q)
        values = plain[q].to_pylist()
        array, bad = typed_column(values, attr)
        arrays[column_name(q)], features[column_name(q)] = array, hf_feature(array.type, attr.classes)
        if bad:
            misfits[column_name(q)] = bad
    for name, (array, feature) in raw_columns(f, members["capture_id"].tolist(), store).items():
        arrays[name], features[name] = array, feature
    sources = pa.struct([(column_name(q), pa.string()) for q in f.targets])
    arrays["label_sources"] = pa.array(members["label_sources"].tolist(), type=sources)
    features["label_sources"] = hf_feature(sources)
    # Kept even when constant: targets (even while unmeasured) are what the bundle is for; label_sources says whose.
    targets = {column_name(q) for q in f.targets} | {"label_sources"}
    constant = {}
    if len(members) > 1:
        for name, array in list(arrays.items()):
            values = array.to_pylist()
            if name not in _IDENTITY and name not in targets and all(v == values[0] for v in values):
                constant[name] = values[0]
                del arrays[name], features[name]
    table = pa.table(arrays).replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features}})})
    # Features as the card's YAML list: a list keeps the struct fields' order through the sorted manifest.
    return table, {"features": yaml_features(features), "constant_columns": constant, "values_not_matching_their_type": misfits}


def raw_columns(f: Functionality, capture_ids: list[str | None], store: Store) -> dict[str, tuple[pa.Array, dict[str, Any]]]:
    """The ``screenshot`` (a ``datasets`` Image: PNG bytes) and ``html`` (rendered) columns a functionality asks
    for, read from each member's capture; a capture that cannot be read gives nulls, never a failed build."""
    wanted = [k for k in ("screenshot", "html") if k in f.raw]
    if not wanted:
        return {}
    shots: list[dict[str, Any] | None] = []
    pages: list[str | None] = []
    for capture_id in capture_ids:
        try:
            capture = store.load_capture_id(capture_id) if capture_id else None
        except CorruptFile:
            capture = None
        shot = _screenshot(store, capture)
        shots.append({"bytes": shot, "path": None} if shot else None)
        pages.append(capture.rendered_html or None if capture else None)
    out = {}
    if "screenshot" in wanted:
        out["screenshot"] = (pa.array(shots, type=IMAGE), {"_type": "Image"})
    if "html" in wanted:
        out["html"] = (pa.array(pages, type=pa.string()), hf_feature(pa.string()))
    return out


def _screenshot(store: Store, capture: Any) -> bytes | None:
    if capture is None or not capture.screenshot_sha256:
        return None
    try:
        return store.screenshot_path(capture.screenshot_sha256).read_bytes()
    except OSError:
        return None


def _write(folder: Path, f: Functionality, members: pd.DataFrame, excluded: pd.DataFrame, manifest: dict[str, Any],
           store: Store) -> None:
    from minedag.bundles.card import dataset_card

    table, columns = bundle_table(f, members, store)
    manifest["columns"] = columns
    split = pa.array(members["split"].tolist(), type=pa.string())
    (folder / "jsonl").mkdir()
    if f.trained_targets:  # a conversation needs an answer: none until a target is measured
        (folder / "chat").mkdir()
    for name in SPLIT_NAMES:
        part = table.filter(pa.compute.equal(split, name))
        (folder / name).mkdir()
        pq.write_table(part, folder / name / "part-0.parquet", compression="zstd")
        with open(folder / "jsonl" / f"{name}.jsonl", "w") as out:
            for row in part.to_pylist():
                out.write(strict_json(row) + "\n")
        if f.trained_targets:
            with open(folder / "chat" / f"{name}.jsonl", "w") as out:
                for row in plain_rows(members[members["split"] == name]):
                    if any(row.get(q) is not None for q in f.trained_targets):  # no answer on every target: no example
                        out.write(strict_json(_chat(f, row)) + "\n")
    with open(folder / "exclusions.jsonl", "w") as out:
        for row in plain_rows(excluded):
            out.write(strict_json(row) + "\n")
    (folder / "manifest.json").write_text(json.dumps(_finite(manifest), indent=2, sort_keys=True, default=str,
                                                     allow_nan=False) + "\n")
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


def strict_json(value: Any) -> str:
    """JSON that strict parsers accept: NaN and infinities become null (``allow_nan=False`` proves none is left)."""
    try:
        return json.dumps(value, sort_keys=True, default=str, allow_nan=False)
    except ValueError:  # a NaN or an infinity somewhere: the slow walk replaces them
        return json.dumps(_finite(value), sort_keys=True, default=str, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _chat(f: Functionality, row: dict[str, Any]) -> dict[str, Any]:
    """A fine-tuning conversation: the page's inputs in, its targets out (nested values as JSON, encoded once)."""
    def value(q: str) -> Any:
        v = row.get(q)
        return json.loads(v) if f.attribute(q).nested is not None and isinstance(v, str) else v

    trained = f.trained_targets
    inputs = {column_name(q): value(q) for q in f.attributes if q not in trained and row.get(q) is not None}
    targets = {column_name(q): value(q) for q in trained}
    return {"messages": [
        {"role": "system", "content": f"You are a model for {f.name.replace('_', ' ')}: {f.description}"},
        {"role": "user", "content": strict_json({"url": row["url"], "features": inputs})},
        {"role": "assistant", "content": strict_json(targets)},
    ]}
