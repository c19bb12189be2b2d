import dagster as dg

# Mining runs stay in one process: one browser per run, no 2.5 s per-step process start.
mine_job = dg.define_asset_job(
    "mine",
    selection=dg.AssetSelection.groups("capture", "profiles"),
    executor_def=dg.in_process_executor,
    description="Capture a batch of URLs once and extract every mining profile from the captures.",
)

bundle_job = dg.define_asset_job(
    "bundle",
    selection=dg.AssetSelection.groups("aggregation", "bundles"),
    executor_def=dg.in_process_executor,
    description="Aggregate coverage and schema links, build, check and publish the training bundle of a functionality.",
)
