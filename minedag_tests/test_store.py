"""The store: atomic, content-addressed, idempotent; the newest record batch wins."""

import pyarrow as pa

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


def test_captures_are_content_addressed_and_the_pointer_moves(tmp_path):
    store = Store(tmp_path)
    first = PageCapture(url="http://x.test/", ok=True, status=200, content_hash="h1", captured_at="2026-01-01T00:00:00+00:00")
    cid = store.put_capture(first)
    assert store.put_capture(first) == cid  # idempotent
    second = PageCapture(url="http://x.test/", ok=False, error="timeout", captured_at="2026-01-02T00:00:00+00:00")
    cid2 = store.put_capture(second)
    assert cid2 != cid and store.latest("http://x.test/").capture_id == cid2
    assert store.load_capture_id(cid).status == 200  # earlier results stay intact
    assert not list(tmp_path.rglob("*.tmp"))


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
