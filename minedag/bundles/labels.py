"""Whose label each target of a bundle row is: a person's (imported), a tool's (authoritative), a campaign's, or a
heuristic's where it is sure enough (``evaluation/confidence.json``); elsewhere the bundle abstains (null).

People correct labels with ``minedag labels import FILE`` (CSV or JSONL of url, target, value, as Label Studio or
Argilla export them): they are kept in ``<store>/labels/human.jsonl`` and win over every other source in the next
bundle. ``minedag labels export`` lists the least sure heuristic labels first, for people to review.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from minedag.bundles.columns import column_name
from minedag.errors import MinedagError
from minedag.evaluation.confidence import JUDGES, Policy, pinned, policy_for
from minedag.evaluation.targets import target_kind
from minedag.functionalities import Functionality
from minedag.profiles import get_profile
from minedag.profiles.spec import Attribute
from minedag.store import Store, atomic_write
from minedag.urls import canonical_url

HUMAN_LABELS = Path("labels") / "human.jsonl"
# Where a row's target value came from, strongest first.
SOURCES = ("human", "authoritative", "campaign", "heuristic", "unmeasured", "abstained")


class BadLabels(MinedagError, ValueError):
    """A label file that cannot be imported as it is (nothing of it was imported)."""


def _attribute(target: str) -> Attribute:
    profile, _, name = target.partition(".")
    try:
        return get_profile(profile).attribute(name)
    except KeyError as exc:
        raise BadLabels(f"unknown target {target!r}: name it as profile.attribute, e.g. ux_pattern_analyzer.page_type") from exc


def _value(raw: Any, attribute: Attribute) -> Any:
    """A label's value in the attribute's type: a list attribute takes a JSON list or ``a|b``; classes are checked."""
    is_list = pa.types.is_list(attribute.type)
    if isinstance(raw, str) and not pa.types.is_string(attribute.type):
        text = raw.strip()
        try:
            raw = json.loads(text) if text else None
        except json.JSONDecodeError:
            raw = [v.strip() for v in text.split("|") if v.strip()] if is_list else text
    if is_list:
        raw = [] if raw is None else raw
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise ValueError(f"expected a list of names (JSON or a|b), got {raw!r}")
        wrong = [v for v in raw if attribute.classes and v not in attribute.classes]
    else:
        raw = None if raw == "" else raw
        wrong = [raw] if attribute.classes and raw is not None and raw not in attribute.classes else []
    if wrong:
        raise ValueError(f"{wrong} not among {list(attribute.classes)}")
    return raw


def read_label_file(path: Path) -> list[dict[str, Any]]:
    """The labels of a CSV (header ``url,target,value``) or JSONL file, checked; every problem is reported at once."""
    if not path.is_file():
        raise BadLabels(f"no label file at {path}")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    rows.append((number, {"_error": f"not JSON: {exc.msg}"}))
    elif path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        if not {"url", "target", "value"} <= set(reader.fieldnames or []):
            raise BadLabels(f"{path}: the CSV needs the columns url, target, value (found {reader.fieldnames})")
        rows = list(enumerate(reader, 2))
    else:
        raise BadLabels(f"{path}: label files are .csv or .jsonl")
    labels, problems = [], []
    for number, row in rows:
        try:
            if not isinstance(row, dict) or "_error" in row or not {"url", "target", "value"} <= set(row):
                raise ValueError(row.get("_error") if isinstance(row, dict) and "_error" in row else "needs url, target and value")
            attribute = _attribute(str(row["target"]))
            labels.append({"url": canonical_url(str(row["url"])), "target": str(row["target"]),
                           "value": _value(row["value"], attribute)})
        except (ValueError, MinedagError) as exc:
            problems.append(f"line {number}: {exc}")
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise BadLabels(f"{path}: nothing imported; fix these lines{more}:\n  " + "\n  ".join(problems[:10]))
    return labels


def human_labels(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    """(url, target) -> the person's label (value, file, imported_at)."""
    path = store.root / HUMAN_LABELS
    if not path.exists():
        return {}
    rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return {(r["url"], r["target"]): r for r in rows}


def import_labels(store: Store, path: Path) -> dict[str, int]:
    """Add a file's labels to the store's (a later label of the same URL and target replaces the earlier)."""
    new = read_label_file(path)
    kept = human_labels(store)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    replaced = sum((r["url"], r["target"]) in kept for r in new)
    for row in new:
        kept[row["url"], row["target"]] = {**row, "source": "human", "file": path.name, "imported_at": stamp}
    lines = [json.dumps(kept[key], sort_keys=True) for key in sorted(kept)]
    atomic_write(store.root / HUMAN_LABELS, ("\n".join(lines) + "\n").encode())
    return {"imported": len(new), "replaced": replaced, "total": len(kept)}


def _bases(store: Store, urls: list[str], target: str) -> list[str | None]:
    """The rule behind each URL's label when the profile records it (``page_type_basis``), else None."""
    attribute = JUDGES[target].basis_attribute
    if attribute is None:
        return [None] * len(urls)
    table = store.read_records(target.split(".")[0], urls)
    if attribute not in table.column_names:  # records made before the profile said why: not sure, so abstain
        return [None] * len(urls)
    found = dict(zip(table.column("url").to_pylist(), table.column(attribute).to_pylist(), strict=True))
    return [found.get(u) for u in urls]


def label_targets(f: Functionality, members: pd.DataFrame, store: Store) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``members`` with each target set by its strongest source (a heuristic label nobody is sure of: null), a
    ``label_sources`` column (target column -> source) and the manifest's account per target."""
    members = members.copy()
    urls = members["url"].tolist()
    people = human_labels(store)
    sources: dict[str, list[str]] = {}
    account: dict[str, Any] = {}
    for target in f.targets:
        kind = target_kind(target)
        column = [{"measured": "heuristic"}.get(kind, kind)] * len(members)
        policy: Policy | None = policy_for(target) if target in JUDGES and kind == "measured" else None
        values = members[target].astype(object).tolist()
        changed = False
        if policy is not None:
            for i, (value, basis) in enumerate(zip(values, _bases(store, urls, target), strict=True)):
                if not policy.keeps(JUDGES[target].bases(_plain(value), basis)):
                    values[i], column[i], changed = None, "abstained", True
        for i, url in enumerate(urls):
            if (url, target) in people:
                values[i], column[i], changed = _stored(people[url, target]["value"], f, target), "human", True
        if changed:  # untouched columns keep their dtype
            members[target] = pd.Series(values, index=members.index, dtype=object)
        sources[column_name(target)] = column
        account[target] = {s: column.count(s) for s in SOURCES if column.count(s)}
        if policy is not None:
            cv = pinned()[target]["cross_validated"]
            account[target].update(threshold=policy.threshold, cv_precision=cv["precision"], cv_coverage=cv["coverage"])
    members["label_sources"] = [dict(zip(sources, row, strict=True)) for row in zip(*sources.values(), strict=True)] \
        if sources else [{}] * len(members)
    return members, account


def _plain(value: Any) -> Any:
    """A list column's value as a plain list (pandas hands out numpy arrays)."""
    return list(value) if hasattr(value, "tolist") and not isinstance(value, str) else value


def _stored(value: Any, f: Functionality, target: str) -> Any:
    """A person's value in the form the records hold it: nested attributes as JSON text."""
    return json.dumps(value) if f.attribute(target).nested is not None and not isinstance(value, str) else value


def review_queue(store: Store, targets: list[str]) -> list[dict[str, Any]]:
    """The stored heuristic labels of ``targets`` that no person has labelled, least sure first."""
    people = human_labels(store)
    out = []
    for target in targets:
        if target not in JUDGES:
            raise BadLabels(f"{target} is not a heuristic target with a confidence; these are: {', '.join(JUDGES)}")
        policy = policy_for(target)
        profile, _, attribute = target.partition(".")
        table = store.read_records(profile)
        if not table.num_rows or attribute not in table.column_names:
            continue
        urls = table.column("url").to_pylist()
        for url, value, basis in zip(urls, table.column(attribute).to_pylist(), _bases(store, urls, target), strict=True):
            if (url, target) in people:
                continue
            bases = JUDGES[target].bases(value, basis)
            score = policy.score(bases) if policy else 0.5
            out.append({"url": url, "target": target, "value": value, "confidence": score, "basis": "+".join(bases),
                        "kept": bool(policy and policy.keeps(bases))})
    return sorted(out, key=lambda r: (r["confidence"], r["url"], r["target"]))


def write_queue(rows: list[dict[str, Any]], path: Path) -> None:
    """The review queue as CSV or JSONL (by extension), in the import format plus confidence and basis."""
    if path.suffix.lower() == ".csv":
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["url", "target", "value", "confidence", "basis", "kept"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "value": row["value"] if isinstance(row["value"], str) or row["value"] is None
                             else json.dumps(row["value"])})
        atomic_write(path, buffer.getvalue().encode(), durable=False)
    elif path.suffix.lower() in (".jsonl", ".ndjson"):
        atomic_write(path, "".join(json.dumps(r) + "\n" for r in rows).encode(), durable=False)
    else:
        raise BadLabels(f"{path}: write the review queue as .csv or .jsonl")
