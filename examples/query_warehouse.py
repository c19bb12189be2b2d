"""Open the warehouse file in a notebook or script: every view of `minedag sql` as a table in one DuckDB file.

Run after `make demo` (the `warehouse` asset writes data/warehouse.duckdb):
    .venv/bin/python examples/query_warehouse.py [data/warehouse.duckdb]
"""

import sys

import duckdb

path = sys.argv[1] if len(sys.argv) > 1 else "data/warehouse.duckdb"
with duckdb.connect(path, read_only=True) as con:
    print(con.sql("SELECT functionality, version, members, average_quality FROM ml_training_bundles WHERE is_latest"))
    print(con.sql("SELECT site, profile, pages, average_quality FROM quality_by_site ORDER BY average_quality LIMIT 10"))
    print(con.sql("SELECT data_attribute, table_name, confidence, sites FROM schema_link_patterns "
                  "WHERE confidence > 0.8 AND sites >= 3"))
    frame = con.sql("SELECT * FROM records_seo_optimizer").df()  # any view as a pandas DataFrame
    print(frame[["url", "quality"]].describe())
