import dagster as dg


# Every run stays in one process unless its job says otherwise: the daemon's asset backfills and automation runs use
# the default executor, and Dagster's multiprocess default would start a Python process per step, each importing
# Dagster and these definitions again (≈ 2.5 s of CPU a step) while the steps of a mining run follow one another.
@dg.definitions
def default_executor() -> dg.Definitions:
    return dg.Definitions(executor=dg.in_process_executor)
