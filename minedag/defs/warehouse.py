import dagster as dg

from minedag.defs.aggregation import attribute_catalog, hourly, schema_links
from minedag.defs.bundles import training_bundle
from minedag.settings import data_dir


@dg.asset(deps=[attribute_catalog, schema_links, training_bundle], group_name="aggregation", kinds={"duckdb"},
          automation_condition=hourly)
def warehouse() -> dg.MaterializeResult:
    """Every `minedag sql` view (records, captures, bundles, catalog, link patterns, summaries) as a table in one
    DuckDB file, data/warehouse.duckdb, for BI tools, notebooks and the API's read-only SQL."""
    import duckdb

    from minedag.sql import build_warehouse

    target = data_dir() / "warehouse.duckdb"
    catalog = build_warehouse(target)
    with duckdb.connect(str(target), read_only=True) as con:
        rows = {view: con.execute(f"SELECT count(*) FROM {view}").fetchone()[0] for view in catalog.views}
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(target)), "tables": len(rows), "rows": dg.MetadataValue.json(rows),
        "not_yet": dg.MetadataValue.json(catalog.missing)})


warehouse_job = dg.define_asset_job("build_warehouse", selection=[warehouse], executor_def=dg.in_process_executor,
                                    description="Rebuild data/warehouse.duckdb from the store, bundles and aggregates.")
