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
