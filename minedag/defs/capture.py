from collections.abc import Iterator

import dagster as dg

from minedag.capture.model import PageCapture
from minedag.defs.page_checks import PageOutcome, log_page_checks, page_check_spec
from minedag.defs.partitions import BROWSER_POOL, mining_backfill_policy, url_partitions
from minedag.defs.resources import CaptureResource, StoreResource
from minedag.mining import process_tags

CAPTURE_VERSION = "1"
# One evaluation per page: a page that could not be captured is a failed check on its own partition in the UI.
captured_check = page_check_spec("captured", "page_capture", "The page was captured as HTML (not refused, blocked by "
                                 "robots.txt, timed out, not HTML...) with a 2xx/3xx status; a failed page says why.")


@dg.asset(
    partitions_def=url_partitions,
    backfill_policy=mining_backfill_policy,
    pool=BROWSER_POOL,
    retry_policy=dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL),
    group_name="capture",
    kinds={"chromium", "playwright"},
    code_version=CAPTURE_VERSION,
    check_specs=[captured_check],
)
def page_capture(context: dg.AssetExecutionContext, browser: CaptureResource, store: StoreResource
                 ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """One Chromium navigation per URL: response, raw and rendered HTML, DOM snapshot with computed styles,
    accessibility tree, performance metrics and paint timing, layer tree, network and console logs, CSS/JS
    coverage, axe-core results and a screenshot. Failed pages are stored too, with the reason."""
    # Which process holds this run's browser-pool slot: if it is killed, `dead_run_sensor` frees the slot.
    context.instance.add_run_tags(context.run.run_id, process_tags())
    urls = list(context.partition_keys)
    target = store.get()
    results: list[tuple[PageCapture, str]] = []
    kept: dict[str, str] = {}  # url -> captured_at of the good capture a failed re-capture did not replace
    previous = {u: p for u in urls if (p := target.previous(u))} if browser.incremental else {}

    def keep(cap: PageCapture) -> None:  # persisted as each page lands: a crash later loses nothing
        capture_id = target.put_capture(cap)
        results.append((cap, capture_id))
        if not cap.ok or cap.http_error:
            pointer = target.latest(cap.url)
            if pointer is not None and pointer.capture_id != capture_id:
                kept[cap.url] = pointer.captured_at

    browser.capture(urls, keep, previous)
    failures = [(c.url, c.error_kind, c.error) for c, _ in results if not c.ok]
    for url, kind, error in failures:
        context.log.warning(f"capture failed for {url}: [{kind}] {error}"
                            + (f"; its good capture of {kept[url]} stays its record" if url in kept else ""))
    yield dg.MaterializeResult(
        metadata={
            "batch_urls": len(urls),
            "batch_captured_ok": len(urls) - len(failures),
            "batch_failed": len(failures),
            "batch_failed_kept_earlier": len(kept),
            "batch_unchanged": sum(1 for c, _ in results if c.unchanged_since),
        }
    )
    _evaluate_pages(context, results, kept)
    yield dg.AssetCheckResult(check_name="captured", passed=not failures,
                              description=f"{len(urls) - len(failures)} of {len(urls)} pages of this run captured")


def _evaluate_pages(context: dg.AssetExecutionContext, results: list[tuple[PageCapture, str]], kept: dict[str, str]) -> None:
    """The ``captured`` check of each page. A failed re-capture that left the page's good record in place is a
    warning that says so, not an error."""
    outcomes = []
    for cap, capture_id in results:
        failed = f"HTTP {cap.status}" if cap.ok else f"[{cap.error_kind}] {cap.error}"
        if cap.url in kept:
            failed = f"re-capture failed ({failed}); the good capture of {kept[cap.url]} stays the page's record"
        outcomes.append(PageOutcome(  # an HTTP error page is captured, but no success: a warning
            cap.url, passed=cap.ok and not cap.http_error,
            severity=dg.AssetCheckSeverity.WARN if cap.ok or cap.url in kept else dg.AssetCheckSeverity.ERROR,
            description=None if cap.ok and not cap.http_error else failed,
            metadata=_page_metadata(cap, capture_id) | {"kept_earlier_capture": cap.url in kept}))
    log_page_checks(context, context.asset_key, "captured", outcomes)


def _page_metadata(cap: PageCapture, capture_id: str) -> dict[str, object]:
    return {
        "ok": cap.ok,
        "status": cap.status if cap.status is not None else -1,
        "error_kind": cap.error_kind or "",
        "error": cap.error or "",
        "capture_id": capture_id,
        "capture_ms": cap.timing.get("total_ms", 0.0),
        "unchanged": bool(cap.unchanged_since),
    }
