"""Attribute coverage over stored records: share of successful rows with a value, and a few sample values."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from minedag.profiles import all_profiles
from minedag.profiles.record import is_present
from minedag.store import Store


def attribute_stats(store: Store, urls: list[str] | None = None, samples: int = 2) -> dict[str, dict[str, Any]]:
    """``{"profile.attribute": {"coverage", "present", "rows", "samples"}}`` for every profile with records."""
    out: dict[str, dict[str, Any]] = {}
    for name, profile in all_profiles().items():
        table = store.read_records(name, urls, schema=profile.schema)
        if table.num_rows == 0:
            continue
        ok = table.filter(pc.equal(table["ok"], True))
        for attr in profile.attributes:
            column = ok[attr.name]
            present = _present(column)
            values = column.filter(present).slice(0, samples).to_pylist() if ok.num_rows else []
            out[f"{name}.{attr.name}"] = {
                "coverage": round(pc.sum(present).as_py() / ok.num_rows, 4) if ok.num_rows else 0.0,
                "present": int(pc.sum(present).as_py() or 0), "rows": ok.num_rows,
                "samples": [str(v)[:120] for v in values],
                "distribution": distribution(column.filter(present)) if ok.num_rows else {},
            }
    return out


def batch_coverage(rows: list[dict[str, Any]], attributes: list[str]) -> dict[str, float]:
    """Share of the successful ``rows`` that hold each attribute (same rule as the stored-record coverage)."""
    ok = [r for r in rows if r.get("ok")]
    return {a: round(sum(is_present(r.get(a)) for r in ok) / len(ok), 4) if ok else 0.0 for a in attributes}


def _present(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """``is_present`` over a column: non-null and, for strings, not blank."""
    valid = pc.is_valid(column)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return pc.and_(valid, pc.greater(pc.fill_null(pc.utf8_length(pc.utf8_trim_whitespace(column)), 0), 0))
    return valid


def distribution(column: pa.ChunkedArray, bins: int = 10, top: int = 5) -> dict[str, Any]:
    """A histogram for numbers, the most frequent values for everything else (list items count one by one)."""
    import numpy as np

    kind = column.type
    if len(column) == 0:
        return {}
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        values = column.to_numpy(zero_copy_only=False).astype(float)
        values = values[~np.isnan(values)]
        if not len(values):
            return {}
        counts, edges = np.histogram(values, bins=min(bins, max(1, len(np.unique(values)))))
        return {"kind": "histogram", "edges": [round(float(e), 4) for e in edges], "counts": counts.tolist(),
                "min": float(values.min()), "max": float(values.max()), "mean": round(float(values.mean()), 4)}
    if pa.types.is_list(kind):
        column = pc.list_flatten(column)
    if pa.types.is_struct(kind):
        return {}
    counts = pc.value_counts(column.cast(pa.string()) if not pa.types.is_string(column.type) else column)
    ranked = sorted(counts.to_pylist(), key=lambda c: -c["counts"])[:top]
    return {"kind": "top_values", "values": [{"value": str(c["values"])[:80], "count": c["counts"]} for c in ranked]}
