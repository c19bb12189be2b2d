import json
from pathlib import Path

import dagster as dg
import pandas as pd

from minedag.attribute_stats import attribute_stats
from minedag.bundles.links import aggregate_links, mermaid
from minedag.defs.resources import StoreResource
from minedag.functionalities import FUNCTIONALITIES
from minedag.profiles import all_profiles
from minedag.settings import data_dir
from minedag.store import atomic_write

PROFILE_KEYS = [dg.AssetKey(["profiles", name]) for name in all_profiles()]
hourly = dg.AutomationCondition.on_cron("0 * * * *")


def _write_aggregate(name: str, data: bytes) -> Path:
    """Write ``data/aggregates/<name>`` atomically and return its path."""
    out = data_dir() / "aggregates" / name
    atomic_write(out, data)
    return out


def md_table(headers: list[str], rows: list[list[object]]) -> dg.MetadataValue:
    """A Markdown table for the UI's metadata panel (pipes in cells are escaped)."""
    cell = lambda v: str(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return dg.MetadataValue.md("\n".join(lines))


def _bar(share: float, width: int = 20) -> str:
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled)


def _summary(dist: dict) -> str:
    """A distribution in one table cell: a sparkline for a histogram, the top values otherwise."""
    if dist.get("kind") == "histogram":
        peak = max(dist["counts"]) or 1
        spark = "".join(" ▁▂▃▄▅▆▇█"[round(8 * c / peak)] for c in dist["counts"])
        return f"`{spark}` {dist['min']:g}–{dist['max']:g}"
    if dist.get("kind") == "top_values":
        return ", ".join(f"{v['value'][:24]} ({v['count']})" for v in dist["values"][:3])
    return ""


@dg.asset(deps=PROFILE_KEYS, group_name="aggregation", kinds={"pandas", "parquet"}, automation_condition=hourly)
def attribute_coverage(store: StoreResource) -> dg.MaterializeResult:
    """Per profile and attribute: how many URLs have it, coverage %, and sample values, over all stored records."""
    stats = attribute_stats(store.get())
    rows = [{"attribute": k, "profile": k.split(".")[0], "coverage": s["coverage"], "present": s["present"], "rows": s["rows"],
             "samples": json.dumps(s["samples"]), "distribution": json.dumps(s["distribution"])} for k, s in sorted(stats.items())]
    frame = pd.DataFrame(rows)
    out = _write_aggregate("attribute_coverage.parquet", frame.to_parquet(index=False))
    return dg.MaterializeResult(metadata={
        "attributes": len(rows),
        "mean_coverage": round(float(frame["coverage"].mean()), 4) if len(frame) else 0.0,
        "coverage": md_table(["attribute", "URLs", "coverage", "distribution"],
                             [[f"`{r['attribute']}`", f"{r['present']}/{r['rows']}", f"`{_bar(r['coverage'])}` {r['coverage']:.0%}",
                               _summary(json.loads(r["distribution"]))] for r in rows]),
        "path": dg.MetadataValue.path(str(out)),
    })


@dg.asset(deps=[dg.AssetKey(["profiles", "schema_linker"])], group_name="aggregation", kinds={"python", "json"},
          automation_condition=hourly)
def schema_links(store: StoreResource) -> dg.MaterializeResult:
    """Links found across all pages: data attribute -> table (confidence, occurrences), relationships
    (maps-to, contained-in, linked-to), schema.org entities, form fields -> columns, and learned link patterns."""
    agg = aggregate_links(store.get())
    out = _write_aggregate("schema_links.json", json.dumps(agg, indent=2, sort_keys=True).encode())
    return dg.MaterializeResult(metadata={
        "pages": agg["pages"], "links": len(agg["links"]), "relationships": len(agg["relationships"]),
        "links_table": md_table(["attribute", "table", "confidence", "occurrences"],
                                [[f"`{x['attribute']}`", x["table"], x["confidence"], x["occurrences"]] for x in agg["links"]]),
        "link_patterns": md_table(["pattern", "table", "confidence", "occurrences"],
                                  [[f"`{x['pattern']}`", x["table"], x["confidence"], x["occurrences"]] for x in agg["patterns"]]),
        "entity_relationships": dg.MetadataValue.md(f"```mermaid\n{mermaid(agg)}\n```"),
        "path": dg.MetadataValue.path(str(out)),
    })


@dg.asset(deps=[attribute_coverage], group_name="aggregation", kinds={"pandas", "parquet"}, automation_condition=hourly)
def attribute_catalog(store: StoreResource) -> dg.MaterializeResult:
    """Every attribute: name, Arrow type, description, profile, functionalities and model kinds that use it, coverage."""
    stats = attribute_stats(store.get())
    rows = []
    for name, profile in all_profiles().items():
        for attr in profile.attributes:
            q = f"{name}.{attr.name}"
            users = [f for f in FUNCTIONALITIES if q in f.attributes]
            rows.append({"attribute": q, "type": attr.type_name, "description": attr.description, "profile": name,
                         "required_by_profile": attr.required, "functionalities": [f.name for f in users],
                         "model_kinds": sorted({k for f in users for k in f.model_kinds}),
                         "coverage": stats.get(q, {}).get("coverage")})
    frame = pd.DataFrame(rows)
    out = _write_aggregate("attribute_catalog.parquet", frame.to_parquet(index=False))
    return dg.MaterializeResult(metadata={
        "attributes": len(rows),
        "catalog": md_table(["attribute", "type", "functionalities", "coverage", "description"],
                            [[f"`{r['attribute']}`", r["type"], ", ".join(r["functionalities"]) or "-",
                              "not mined yet" if r["coverage"] is None else format(r["coverage"], ".0%"), r["description"]] for r in rows]),
        "path": dg.MetadataValue.path(str(out)),
    })
