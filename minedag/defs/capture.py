import os
import socket

import dagster as dg

from minedag.capture import capture_urls
from minedag.capture.model import PageCapture
from minedag.defs.partitions import BROWSER_POOL, HOST_TAG, PID_TAG, mining_backfill_policy, url_partitions
from minedag.defs.resources import BrowserResource, StoreResource

CAPTURE_VERSION = "1"


@dg.asset(
    partitions_def=url_partitions,
    backfill_policy=mining_backfill_policy,
    pool=BROWSER_POOL,
    retry_policy=dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL),
    group_name="capture",
    kinds={"chromium", "playwright"},
    code_version=CAPTURE_VERSION,
)
def page_capture(context: dg.AssetExecutionContext, browser: BrowserResource, store: StoreResource) -> dg.MaterializeResult:
    """One Chromium navigation per URL: response, raw and rendered HTML, DOM snapshot with computed styles,
    accessibility tree, performance metrics and paint timing, layer tree, network and console logs, CSS/JS
    coverage, axe-core results and a screenshot. Failed pages are stored too, with the reason."""
    # Which process holds this run's browser-pool slot: if it is killed, `dead_run_sensor` frees the slot.
    context.instance.add_run_tags(context.run.run_id, {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()})
    urls = list(context.partition_keys)
    target = store.get()
    results: list[tuple[PageCapture, str]] = []
    previous = {u: p for u in urls if (p := target.previous(u))} if browser.incremental else {}

    def keep(cap: PageCapture) -> None:  # persisted as each page lands: a crash later loses nothing
        capture_id = target.put_capture(cap)
        results.append((cap, capture_id))
        if not cap.ok or cap.http_error:  # the failed partition shows why; not every page: each call costs Dagster
            context.add_asset_metadata(_partition_metadata(cap, capture_id), partition_key=cap.url)  # a partitions query

    with browser.sample_site() as host_rules:
        capture_urls(urls, browser.options(host_rules), on_capture=keep, previous=previous)
    failures = [(c.url, c.error_kind, c.error) for c, _ in results if not c.ok]
    for url, kind, error in failures:
        context.log.warning(f"capture failed for {url}: [{kind}] {error}")
    return dg.MaterializeResult(
        metadata={
            "batch_urls": len(urls),
            "batch_captured_ok": len(urls) - len(failures),
            "batch_failed": len(failures),
            "batch_unchanged": sum(1 for c, _ in results if c.unchanged_since),
        }
    )


def _partition_metadata(cap: PageCapture, capture_id: str) -> dict[str, object]:
    return {
        "ok": cap.ok,
        "status": cap.status if cap.status is not None else -1,
        "error": cap.error or "",
        "capture_id": capture_id,
        "content_hash": cap.content_hash or "",
        "capture_ms": cap.timing.get("total_ms", 0.0),
    }
