import os

import dagster as dg

from minedag.errors import SettingError

# One partition per canonical URL (keys come from ``minedag.urls.canonical_url`` only).
url_partitions = dg.DynamicPartitionsDefinition(name="urls")


def mining_batch() -> int:
    """URLs per mining run: ``$MINEDAG_BATCH``, else 50. A run per URL would cost 3-4 s of Dagster per URL; each run
    also starts a worker and a Chromium (≈ 12 CPU-seconds of browser start-up and cold tabs on 2 cores), so larger
    runs suit large backfills, smaller ones show progress sooner and lose less to a run that dies."""
    value = os.environ.get("MINEDAG_BATCH", "50")
    if not value.isdigit() or not 1 <= int(value) <= 10_000:
        raise SettingError(f"MINEDAG_BATCH={value!r}: give a whole number of URLs per mining run, 1 to 10000")
    return int(value)


# Read when the definitions load: set it alike for the daemon, the code server and the run workers.
MINING_BATCH = mining_batch()

# Mining runs claim a slot of this pool (one Chromium each); its limit is set in dagster.yaml.
BROWSER_POOL = "browser"
# The process that runs a mining step (its pid and start time: a reused pid is not it) and its machine.
PID_TAG, PID_STARTED_TAG, HOST_TAG = "minedag/pid", "minedag/pid_started", "minedag/host"
mining_backfill_policy = dg.BackfillPolicy.multi_run(max_partitions_per_run=MINING_BATCH)
