"""Schema links aggregated over pages: attribute -> table, relationships, schema.org entities, form columns."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from minedag.profiles import get_profile
from minedag.store import Store
from minedag.urls import site_of


def aggregate_links(store: Store, urls: list[str] | None = None) -> dict[str, Any]:
    """Links found across all (or the given) pages, with occurrence, page and site counts, when they were first and
    last seen, and the learned link patterns."""
    profile = get_profile("schema_linker")
    table = store.read_records("schema_linker", urls, schema=profile.schema)
    rows = table.filter(table["ok"]).select(["url", "captured_at", "table_links", "relationships", "schema_org_entities",
                                             "form_field_columns"]).to_pylist()
    links: dict[tuple[str, str], dict[str, Any]] = {}
    sites: dict[tuple[str, str], set[str]] = defaultdict(set)
    relations: dict[tuple[str, str, str], int] = defaultdict(int)
    schema_types: dict[tuple[str, str], set[str]] = defaultdict(set)
    columns: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        for link in json.loads(row["table_links"] or "[]"):
            key = (link["attribute"], link["table"])
            agg = links.setdefault(key, {**link, "occurrences": 0, "pages": 0, "first_seen": None, "last_seen": None})
            agg["occurrences"] += link["occurrences"]
            agg["pages"] += 1
            agg["confidence"] = max(agg["confidence"], link["confidence"])
            sites[key].add(site_of(row["url"]))
            if seen := row["captured_at"]:
                agg["first_seen"] = min(agg["first_seen"] or seen, seen)
                agg["last_seen"] = max(agg["last_seen"] or seen, seen)
        for rel in json.loads(row["relationships"] or "[]"):
            relations[(rel["type"], rel["from"], rel["to"])] += rel["occurrences"]
        for item in json.loads(row["schema_org_entities"] or "[]"):
            schema_types[(item["type"], item["table"])].update(item["properties"])
        for col in json.loads(row["form_field_columns"] or "[]"):
            key = (col["field"], col["table"], col["column"])
            columns.setdefault(key, {**col, "occurrences": 0})["occurrences"] += 1
    for key, agg in links.items():
        agg["sites"] = len(sites[key])
    link_list = sorted(links.values(), key=lambda x: (-x["confidence"], -x["occurrences"], x["attribute"]))
    return {
        "pages": len(rows),
        "links": link_list,
        "relationships": [{"type": t, "from": a, "to": b, "occurrences": n} for (t, a, b), n in sorted(relations.items())],
        "schema_org": [{"type": t, "table": tb, "properties": sorted(p)} for (t, tb), p in sorted(schema_types.items())],
        "form_columns": sorted(columns.values(), key=lambda c: (c["table"], c["column"], c["field"])),
        "patterns": learned_patterns(link_list),
    }


def learned_patterns(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Generalise attribute links into patterns (``data-{entity}-id -> {entity}s``) with their evidence.

    A pattern seen on several entities becomes more confident than any single link, which lets future
    pages with a new entity (``data-invoice-id``) be linked with that confidence.
    """
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for link in links:
        attr = link["attribute"]
        m = re.match(r"^data-([a-z][a-z0-9]*)-id$", attr)
        pattern = "data-{entity}-id" if m else re.sub(r"[a-z][a-z0-9]*", "{entity}", attr, count=1) if attr.startswith("data-") else attr
        groups[pattern].append(link)
    out = []
    for pattern, items in sorted(groups.items()):
        base = max(i["confidence"] for i in items)
        support = len({i["table"] for i in items})
        out.append({"pattern": pattern, "table": "{entity}s" if "{entity}" in pattern else items[0]["table"],
                    "confidence": round(min(0.99, base + 0.02 * (support - 1)), 3),
                    "occurrences": sum(i["occurrences"] for i in items), "entities": support})
    return out


def linked_schemas(store: Store, urls: list[str], min_confidence: float) -> list[dict[str, Any]]:
    """Table links of the given pages at or above ``min_confidence`` (for bundle manifests)."""
    if not urls:
        return []
    agg = aggregate_links(store, urls)
    return [{k: link[k] for k in ("attribute", "table", "confidence", "occurrences")}
            for link in agg["links"] if link["confidence"] >= min_confidence]


def mermaid(agg: dict[str, Any]) -> str:
    """An entity-relationship diagram of the aggregated links, in Mermaid."""
    lines = ["erDiagram"]
    tables = sorted({link["table"] for link in agg["links"]} | {c["table"] for c in agg["form_columns"]})
    columns: dict[str, set[str]] = defaultdict(set)
    for c in agg["form_columns"]:
        columns[c["table"]].add(c["column"])
    for t in tables:
        cols = "\n".join(f"        string {c}" for c in sorted(columns[t] | {"id"}))
        lines.append(f"    {t} {{\n{cols}\n    }}")
    for rel in agg["relationships"]:
        verb = "contained in" if rel["type"] == "contained-in" else "linked to"
        lines.append(f'    {rel["from"]} }}o--|| {rel["to"]} : "{verb} ({rel["occurrences"]})"')
    return "\n".join(lines)
