import dagster as dg

# One partition per canonical URL (keys come from ``minedag.urls.canonical_url`` only).
url_partitions = dg.DynamicPartitionsDefinition(name="urls")

# Mining runs take many URLs at once: a run per URL costs 3-4 s of Dagster overhead per URL.
MINING_BATCH = 50
# Mining runs claim a slot of this pool (one Chromium each); its limit is set in dagster.yaml.
BROWSER_POOL = "browser"
PID_TAG, HOST_TAG = "minedag/pid", "minedag/host"  # the process that runs a mining step, and its machine
mining_backfill_policy = dg.BackfillPolicy.multi_run(max_partitions_per_run=MINING_BATCH)
