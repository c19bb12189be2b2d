"""schema_linker on golden captures: data-* ids become table links, nesting becomes relationships."""

import json

from minedag.profiles.schema_linker import table_for
from minedag_tests.goldens import golden_record, html_record


def test_schema_links_on_data_id_attributes():
    row = golden_record("schema_linker", "http://blog.test/posts/accessible-forms")
    links = {(x["attribute"], x["table"]): x["confidence"] for x in json.loads(row["table_links"])}
    assert links[("data-user-id", "users")] == 0.9 and links[("data-post-id", "posts")] == 0.9
    rels = {(r["type"], r["from"], r["to"]) for r in json.loads(row["relationships"])}
    assert ("contained-in", "comments", "posts") in rels and ("linked-to", "comments", "users") in rels
    signup = golden_record("schema_linker", "http://people.test/signup")
    assert {"field": "email", "table": "users", "column": "email", "confidence": 0.9} in json.loads(signup["form_field_columns"])
    assert table_for("category") == "categories" and table_for("address") == "addresses"


def test_schema_org_types_are_one_answer_from_every_syntax():
    """JSON-LD, microdata and RDFa all count; compact and full schema.org names become short names; another
    vocabulary's types (RDFa's own, FOAF) are not schema.org types. Both attributes that report them agree."""
    body = ("""<script type="application/ld+json">{"@context": {"schema": "https://schema.org/"}, "@type": "schema:Book",
               "name": "Dune"}</script>
            <div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Lamp</span>
              <span itemprop="type">hardcover</span></div>
            <div vocab="http://schema.org/" typeof="Event"><span property="name">Launch</span></div>
            <div prefix="foaf: http://xmlns.com/foaf/0.1/" typeof="foaf:Person"><span property="foaf:name">Ada</span></div>
            <div typeof="rdfa:Pattern" resource="#p"></div>""")
    seo = html_record("seo_optimizer", body)["structured_data_types"]
    linked = html_record("schema_linker", body)["schema_org_types"]
    assert seo == linked == ["Book", "Event", "Product"]
