"""The store: atomic, content-addressed, idempotent; the newest record batch wins."""

import pyarrow as pa
import pytest

from minedag.capture import PageCapture
from minedag.store import Store

SCHEMA = pa.schema([("url", pa.string()), ("value", pa.int64())])


def test_newest_batch_wins_and_rewriting_a_batch_adds_no_file(tmp_path):
    store = Store(tmp_path)
    store.write_records("p", [{"url": "a", "value": 1}, {"url": "b", "value": 1}], SCHEMA)
    store.write_records("p", [{"url": "a", "value": 2}], SCHEMA)
    rows = {r["url"]: r["value"] for r in store.read_records("p", schema=SCHEMA).to_pylist()}
    assert rows == {"a": 2, "b": 1}
    files = sorted((tmp_path / "records" / "p").iterdir())
    store.write_records("p", [{"url": "a", "value": 2}], SCHEMA)  # same batch again
    assert sorted((tmp_path / "records" / "p").iterdir()) == files
    assert store.read_records("p", ["b"], SCHEMA).to_pylist() == [{"url": "b", "value": 1}]
    assert store.compact("p", SCHEMA) == 2 and len(list((tmp_path / "records" / "p").iterdir())) == 1
    assert {r["url"]: r["value"] for r in store.read_records("p", schema=SCHEMA).to_pylist()} == {"a": 2, "b": 1}


def test_captures_are_content_addressed_and_the_pointer_moves_only_to_a_better_one(tmp_path):
    store = Store(tmp_path)
    url = "http://x.test/"
    first = PageCapture(url=url, ok=True, status=200, content_hash="h1", captured_at="2026-01-01T00:00:00+00:00")
    cid = store.put_capture(first)
    assert store.put_capture(first) == cid  # idempotent
    second = PageCapture(url=url, ok=False, error="timeout", error_kind="timeout", captured_at="2026-01-02T00:00:00+00:00")
    cid2 = store.put_capture(second)
    pointer = store.latest(url)
    assert cid2 != cid and pointer.capture_id == cid and pointer.good  # the good capture stays the record
    assert pointer.attempt["capture_id"] == cid2 and pointer.attempt["error_kind"] == "timeout"  # the failure is noted
    assert pointer.failure == pointer.attempt and pointer.last_tried == "2026-01-02T00:00:00+00:00"
    assert store.load_capture_id(cid2).error == "timeout"  # and stored, for inspection
    third = PageCapture(url=url, ok=True, status=200, content_hash="h2", captured_at="2026-01-03T00:00:00+00:00")
    cid3 = store.put_capture(third)
    assert store.latest(url).capture_id == cid3 and store.latest(url).attempt is None and store.latest(url).failure is None
    assert store.load_capture_id(cid).status == 200  # earlier results stay intact
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize(("failure", "replaces"), [
    (dict(ok=False, error_kind="circuit_open", error="circuit open: failed 5 times in a row"), False),
    (dict(ok=False, error_kind="refused", error="the address policy refused it"), False),
    (dict(ok=True, status=503, http_error=True), False),
    (dict(ok=True, status=404, http_error=True), False),  # gone only after GONE_AFTER_DAYS of 404s
    (dict(ok=False, error_kind="robots", error="robots.txt disallows it"), True),  # final: the site said no
])
def test_a_failed_recapture_replaces_a_good_record_only_when_final(tmp_path, failure, replaces):
    store = Store(tmp_path)
    url = "http://x.test/a"
    good = store.put_capture(PageCapture(url=url, ok=True, status=200, captured_at="2026-01-01T00:00:00+00:00"))
    bad = store.put_capture(PageCapture(url=url, captured_at="2026-01-02T00:00:00+00:00", **failure))
    assert store.latest(url).capture_id == (bad if replaces else good)
    assert (store.latest(url).attempt is None) == replaces


def test_a_page_that_stays_404_is_gone_after_the_grace_period(tmp_path):
    from datetime import datetime, timedelta

    from minedag.store import GONE_AFTER_DAYS

    store = Store(tmp_path)
    url = "http://x.test/old"
    good = store.put_capture(PageCapture(url=url, ok=True, status=200, captured_at="2026-01-01T00:00:00+00:00"))
    start = datetime(2026, 1, 2)
    for day in range(GONE_AFTER_DAYS):
        when = (start + timedelta(days=day)).isoformat()
        store.put_capture(PageCapture(url=url, ok=True, status=404, http_error=True, captured_at=when))
        assert store.latest(url).capture_id == good and store.latest(url).attempt["since"] == start.isoformat()
    gone = store.put_capture(PageCapture(url=url, ok=True, status=410, http_error=True,
                                         captured_at=(start + timedelta(days=GONE_AFTER_DAYS)).isoformat()))
    assert store.latest(url).capture_id == gone and store.latest(url).status == 410
    # A failure of a page with no good record is simply its newest state.
    failed = store.put_capture(PageCapture(url=url, ok=False, error_kind="timeout", error="t", captured_at="2026-02-01T00:00:00"))
    assert store.latest(url).capture_id == failed


def test_batches_compact_themselves_and_keep_their_time(tmp_path):
    import os

    from minedag.store import COMPACT_AFTER

    store = Store(tmp_path)
    folder = tmp_path / "records" / "p"
    for i in range(COMPACT_AFTER + 1):  # one profiles run per batch: readers would open every file
        store.write_records("p", [{"url": f"u{i % 5}", "value": i}], SCHEMA)
    assert len(list(folder.iterdir())) == 1
    assert {r["url"]: r["value"] for r in store.read_records("p", schema=SCHEMA).to_pylist()} == {
        f"u{i % 5}": i for i in range(COMPACT_AFTER - 4, COMPACT_AFTER + 1)}
    # A compacted file takes the time of the newest batch it replaced, not "now": a batch another process
    # wrote after that (here: before the compaction finished) still wins.
    (only,) = folder.iterdir()
    past = only.stat().st_mtime_ns - 100 * 10**9
    os.utime(only, ns=(past, past))
    store.write_records("p", [{"url": "u0", "value": -1}], SCHEMA)
    newest_input = max(p.stat().st_mtime_ns for p in folder.iterdir())
    assert store.compact("p", SCHEMA) == 5
    (compacted,) = folder.iterdir()
    assert store.read_records("p", ["u0"], SCHEMA).to_pylist() == [{"url": "u0", "value": -1}]
    assert compacted.stat().st_mtime_ns == newest_input
