import dagster as dg
from dagster_celery import celery_executor

# Mining runs stay in one process: one browser per run, no 2.5 s per-step process start.
mine_job = dg.define_asset_job(
    "mine",
    selection=dg.AssetSelection.groups("capture", "profiles", "campaigns"),
    executor_def=dg.in_process_executor,
    description="Capture a batch of URLs once and extract every mining profile and campaign from the captures.",
)

aggregate_job = dg.define_asset_job(
    "aggregate",
    selection=dg.AssetSelection.groups("aggregation") - dg.AssetSelection.assets("warehouse"),
    executor_def=dg.in_process_executor,
    description="Attribute coverage, schema links and the attribute catalog over every stored record (once per change).",
)

bundle_job = dg.define_asset_job(
    "bundle",
    selection=dg.AssetSelection.groups("bundles"),
    executor_def=dg.in_process_executor,
    description="Build, check and publish the training bundle of a functionality (run `aggregate` first).",
)

# The same work on Celery workers (dagster-celery): each step of a run is a task on the `dagster` queue, so
# the batches of a backfill run on as many workers (each with its own browser) as are listening.
# Run config: {"execution": {"config": {"broker": "redis://...", "backend": "redis://..."}}} (deploy/celery/).
mine_distributed_job = dg.define_asset_job(
    "mine_distributed",
    selection=dg.AssetSelection.groups("capture", "profiles", "campaigns"),
    executor_def=celery_executor,
    description="Like `mine`, with the steps executed by Celery workers (see deploy/celery/celery.yaml).",
)
