"""Schema links: data attributes, schema.org types and form fields mapped to database tables and columns."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import pyarrow as pa

from minedag.profiles.page import PageView, schema_types, to_json
from minedag.profiles.spec import Attribute, MiningProfile, entries, record

EXACT, PARTIAL, ROLE = 0.9, 0.7, 0.6
_EXACT = re.compile(r"^data-([a-z][a-z0-9]*)-id$")
_PARTIAL = re.compile(r"^data-([a-z][a-z0-9]*?)[_]?id$|^data-([a-z][a-z0-9]*)-(?:key|uuid|ref|pk)$")
# schema.org types -> entity names (a Person is a user, an Offer belongs to products...).
SCHEMA_ENTITIES = {"Person": "user", "Product": "product", "Offer": "product", "BlogPosting": "post", "Article": "post",
                   "NewsArticle": "post", "Comment": "comment", "Order": "order", "Organization": "organization",
                   "Review": "review", "Event": "event", "Recipe": "recipe", "Movie": "movie", "Book": "book",
                   "LocalBusiness": "organization", "SoftwareApplication": "product", "BreadcrumbList": "page",
                   "WebPage": "page", "Blog": "blog", "Place": "place", "JobPosting": "job"}
# Form field names -> (entity, column) by the kind of form they are in.
_FIELD_COLUMNS = {"email": "email", "name": "name", "full_name": "name", "username": "username", "password": "password_hash",
                  "birth_date": "birth_date", "phone": "phone", "address": "address", "postcode": "postcode",
                  "country": "country", "display_name": "display_name", "timezone": "timezone", "body": "body",
                  "quantity": "quantity", "product_id": "product_id", "post_id": "post_id", "recipient_id": "recipient_id"}
_FORM_ENTITY = (("signup|register|account|settings|login|profile", "user"), ("checkout|payment|order|shipping", "order"),
                ("comment", "comment"), ("message", "message"), ("cart", "cart_item"), ("subscribe|newsletter", "subscriber"))


def table_for(entity: str) -> str:
    """Plural table name of an entity: user -> users, category -> categories, address -> addresses."""
    if entity.endswith("y") and entity[-2:-1] not in "aeiou":
        return entity[:-1] + "ies"
    if entity.endswith(("s", "x", "ch", "sh")):
        return entity + "es"
    return entity + "s"


def extract(page: PageView) -> dict[str, Any]:
    doc = page.doc
    inventory: Counter[str] = Counter()
    links: dict[tuple[str, str], dict[str, Any]] = {}
    ids: dict[str, set[str]] = defaultdict(set)
    relationships: Counter[tuple[str, str, str]] = Counter()
    for el in (doc.iter() if doc is not None else []):
        if not isinstance(el.tag, str):
            continue
        own: list[str] = []
        for attr, value in el.attrib.items():
            if not attr.startswith("data-"):
                continue
            inventory[attr] += 1
            entity, confidence = _entity_of(attr, value)
            if entity is None:
                continue
            own.append(entity)
            ids[entity].add(value)
            key = (attr, table_for(entity))
            link = links.setdefault(key, {"attribute": attr, "table": key[1], "column": "id", "confidence": confidence,
                                          "relationship": "maps-to", "occurrences": 0})
            link["occurrences"] += 1
        for a, b in {(a, b) for a in own for b in own if a < b}:
            relationships[("linked-to", table_for(a), table_for(b))] += 1
        if own:
            ancestor = _nearest_entity(el)
            for entity in set(own):
                if ancestor and ancestor != entity:
                    relationships[("contained-in", table_for(entity), table_for(ancestor))] += 1
        if el.get("role") in ("article", "listitem", "row") and el.get("data-id") and not own:
            links.setdefault(("data-id", "items"), {"attribute": "data-id", "table": "items", "column": "id", "confidence": ROLE,
                                                    "relationship": "maps-to", "occurrences": 0})["occurrences"] += 1
    types = schema_types(page.structured_data)
    schema_links = [{"type": t, "entity": SCHEMA_ENTITIES[t], "table": table_for(SCHEMA_ENTITIES[t]),
                     "properties": _schema_properties(page.structured_data, t)} for t in types if t in SCHEMA_ENTITIES]
    for item in schema_links:  # microdata/JSON-LD Person without a data-*-id still tells us about users
        key = (f"schema:{item['type']}", item["table"])
        if not any(link["table"] == item["table"] for link in links.values()):
            links[key] = {"attribute": f"schema:{item['type']}", "table": item["table"], "column": "id", "confidence": ROLE,
                          "relationship": "maps-to", "occurrences": 1}
    fields = _form_fields(page)
    all_links = sorted(links.values(), key=lambda x: (-x["confidence"], x["table"], x["attribute"]))
    entities = sorted({link["table"] for link in all_links} | {f["table"] for f in fields})
    return {
        "data_attributes": to_json(dict(inventory.most_common(60))),
        "entity_ids": to_json({table_for(k): sorted(v)[:50] for k, v in sorted(ids.items())}),
        "table_links": to_json(all_links),
        "relationships": to_json([{"type": t, "from": a, "to": b, "occurrences": n} for (t, a, b), n in sorted(relationships.items())]),
        "schema_org_types": types,
        "schema_org_entities": to_json(schema_links),
        "form_field_columns": to_json(fields),
        "entities": entities,
        "link_count": len(all_links),
        "max_confidence": max((link["confidence"] for link in all_links), default=None),
    }


def _entity_of(attr: str, value: str) -> tuple[str | None, float]:
    m = _EXACT.match(attr)
    if m:
        return m.group(1), EXACT
    m = _PARTIAL.match(attr)
    if m and (m.group(1) or m.group(2)) not in ("data", ""):
        return (m.group(1) or m.group(2)), PARTIAL
    return None, 0.0


def _nearest_entity(el: Any) -> str | None:
    for ancestor in el.iterancestors():
        for attr in ancestor.attrib:
            m = _EXACT.match(attr)
            if m:
                return m.group(1)
    return None


def _schema_properties(data: dict[str, Any], type_name: str) -> list[str]:
    props: set[str] = set()
    for item in data.get("json-ld", []):
        if isinstance(item, dict) and str(item.get("@type", "")).endswith(type_name):
            props |= {k for k in item if not k.startswith("@")}
    for item in data.get("microdata", []):
        if isinstance(item, dict) and str(item.get("type", "")).endswith(type_name):
            props |= set(item.get("properties", {}))
    return sorted(props)


def _form_fields(page: PageView) -> list[dict[str, Any]]:
    out = []
    for form in (page.doc.iter("form") if page.doc is not None else []):
        context = " ".join([form.get("action") or "", form.get("id") or "", form.get("class") or ""]).lower()
        entity = next((e for pattern, e in _FORM_ENTITY if re.search(pattern, context)), None)
        for field in form.xpath(".//input[@name]|.//select[@name]|.//textarea[@name]"):
            name = field.get("name")
            if name in _FIELD_COLUMNS and entity:
                known = field.get("type") != "hidden" or name.endswith("_id")
                out.append({"field": name, "table": table_for(entity), "column": _FIELD_COLUMNS[name],
                            "confidence": EXACT if known and name == _FIELD_COLUMNS[name] else PARTIAL})
    return out


PROFILE = MiningProfile(
    name="schema_linker",
    version="3",
    description="Links between page markup and a database schema: data-*-id attributes to tables, schema.org types to entities, form fields to columns.",
    reads=("rendered_html", "raw_html"),
    extract=extract,
    attributes=(
        Attribute("data_attributes", pa.string(), "JSON: every data-* attribute name on the page with its count.",
                  nested=entries(pa.int64())),
        Attribute("entity_ids", pa.string(), "JSON: per table, the entity ids seen on the page (data-user-id=\"3\" -> users: [3]).",
                  nested=entries(pa.list_(pa.string()))),
        Attribute("table_links", pa.string(), "JSON: attribute -> table links with confidence (0.9 exact data-x-id, 0.7 partial, 0.6 role-based) and occurrences.",
                  nested=pa.list_(record(attribute=pa.string(), table=pa.string(), column=pa.string(), relationship=pa.string(), confidence=pa.float64(), occurrences=pa.int64())),
                  derives_from=("data_attributes", "entity_ids", "schema_org_entities", "schema_org_types")),
        Attribute("relationships", pa.string(), "JSON: entity relationships: linked-to (ids on one element) and contained-in (nested entities).",
                  nested=pa.list_(record(**{"from": pa.string(), "to": pa.string(), "type": pa.string(), "occurrences": pa.int64()}))),
        Attribute("schema_org_types", pa.list_(pa.string()), "schema.org types declared in JSON-LD, microdata and RDFa (short names)."),
        Attribute("schema_org_entities", pa.string(), "JSON: schema.org types mapped to entities and tables, with their properties.",
                  nested=pa.list_(record(type=pa.string(), entity=pa.string(), table=pa.string(), properties=pa.list_(pa.string())))),
        Attribute("form_field_columns", pa.string(), "JSON: form field names mapped to table columns (signup email -> users.email).",
                  nested=pa.list_(record(field=pa.string(), table=pa.string(), column=pa.string(), confidence=pa.float64()))),
        Attribute("entities", pa.list_(pa.string()), "Tables the page links to, from any evidence.", required=True,
                  derives_from=("table_links", "form_field_columns")),
        Attribute("link_count", pa.int64(), "Number of attribute/type -> table links found.", required=True,
                  derives_from=("table_links",)),
        Attribute("max_confidence", pa.float64(), "Highest link confidence on the page.",
                  derives_from=("table_links",)),
    ),
)
