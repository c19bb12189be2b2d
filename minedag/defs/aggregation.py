import json
from pathlib import Path

import dagster as dg
import pandas as pd

from minedag.attribute_stats import attribute_stats
from minedag.bundles.links import aggregate_links, mermaid
from minedag.defs.metadata import bar, distribution_cell, image, md_table
from minedag.defs.resources import StoreResource
from minedag.functionalities import builtin_functionalities
from minedag.plots import coverage_chart, link_graph
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


@dg.asset(deps=PROFILE_KEYS, group_name="aggregation", kinds={"pandas", "parquet"}, automation_condition=hourly)
def attribute_coverage(store: StoreResource) -> dg.MaterializeResult:
    """Per profile and attribute: how many URLs have it, coverage %, and sample values, over all stored records."""
    stats = attribute_stats(store.get())
    rows = [{"attribute": k, "profile": k.split(".")[0], "coverage": s["coverage"], "present": s["present"], "rows": s["rows"],
             "samples": json.dumps(s["samples"]), "distribution": json.dumps(s["distribution"])} for k, s in sorted(stats.items())]
    frame = pd.DataFrame(rows)
    out = _write_aggregate("attribute_coverage.parquet", frame.to_parquet(index=False))
    by_profile = frame.groupby("profile")["coverage"].mean().round(4).to_dict() if len(frame) else {}
    for name in by_profile:  # one chart per profile next to the data, one summary chart inline
        part = frame[frame["profile"] == name]
        _write_aggregate(f"plots/coverage_{name}.png", coverage_chart(
            dict(zip(part["attribute"].str.split(".", n=1).str[1], part["coverage"], strict=True)), f"{name}: attribute coverage",
            required=all_profiles()[name].required))
    return dg.MaterializeResult(metadata={
        "coverage_by_profile": image(coverage_chart(by_profile, "mean attribute coverage by profile"), "coverage by profile"),
        "plots": dg.MetadataValue.path(str(out.parent / "plots")),
        "attributes": len(rows),
        "mean_coverage": round(float(frame["coverage"].mean()), 4) if len(frame) else 0.0,
        "coverage": md_table(["attribute", "URLs", "coverage", "distribution"],
                             [[f"`{r['attribute']}`", f"{r['present']}/{r['rows']}", f"`{bar(r['coverage'])}` {r['coverage']:.0%}",
                               distribution_cell(json.loads(r["distribution"]))] for r in rows]),
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
        "link_graph": image(link_graph(agg["links"], "data attributes -> tables (line width: confidence)"), "link graph"),
        "entity_relationships": dg.MetadataValue.md(f"```mermaid\n{mermaid(agg)}\n```"),
        "path": dg.MetadataValue.path(str(out)),
    })


def coverage_by_attribute(aggregate: str) -> dict[str, float]:
    """``profile.attribute -> coverage`` as the ``aggregate`` asset last wrote it (empty before its first run)."""
    path = data_dir() / "aggregates" / f"{aggregate}.parquet"
    if not path.is_file():
        return {}
    frame = pd.read_parquet(path, columns=["attribute", "coverage"]).dropna()
    return dict(zip(frame["attribute"], frame["coverage"].astype(float), strict=True))


@dg.asset(deps=[attribute_coverage], group_name="aggregation", kinds={"pandas", "parquet"}, automation_condition=hourly)
def attribute_catalog() -> dg.MaterializeResult:
    """Every attribute: name, Arrow type, description, profile, functionalities and model kinds that use it, coverage
    (read from ``attribute_coverage``)."""
    stats = coverage_by_attribute("attribute_coverage")
    rows, registry = [], builtin_functionalities()
    for name, profile in all_profiles().items():
        for attr in profile.attributes:
            q = f"{name}.{attr.name}"
            users = [f for f in registry if q in f.attributes]
            rows.append({"attribute": q, "type": attr.type_name, "description": attr.description, "profile": name,
                         "required_by_profile": attr.required, "functionalities": [f.name for f in users],
                         "model_kinds": sorted({k for f in users for k in f.model_kinds}),
                         "coverage": stats.get(q)})
    frame = pd.DataFrame(rows)
    out = _write_aggregate("attribute_catalog.parquet", frame.to_parquet(index=False))
    return dg.MaterializeResult(metadata={
        "attributes": len(rows),
        "catalog": md_table(["attribute", "type", "functionalities", "coverage", "description"],
                            [[f"`{r['attribute']}`", r["type"], ", ".join(r["functionalities"]) or "-",
                              "not mined yet" if r["coverage"] is None else format(r["coverage"], ".0%"), r["description"]] for r in rows]),
        "path": dg.MetadataValue.path(str(out)),
    })
