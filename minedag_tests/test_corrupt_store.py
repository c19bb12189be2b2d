"""A damaged store file costs the pages it holds, never the batch: it is quarantined and those pages are redone."""

import json
import subprocess
import sys

import dagster as dg

from minedag.mining import mine
from minedag.store import Store
from minedag.urls import url_id
from minedag_tests.test_dagster import REPO, local_defs

PAGES = ["http://shop.test/", "http://shop.test/products/terra-mug", "http://blog.test/about", "http://people.test/users/ada"]


def _seo(store: Store) -> dict[str, dict]:
    return {r["url"]: r for r in store.read_records("seo_optimizer", PAGES).to_pylist()}


def test_a_truncated_capture_pointer_and_a_garbage_batch_each_cost_one_page(site, data):
    instance = dg.DagsterInstance.ephemeral()
    defs = local_defs(site, data)
    (first,) = mine(instance, PAGES, defs=defs)
    store = Store(data / "store")
    assert first.success and all(r["ok"] for r in _seo(store).values())
    truncated_capture, lost_pointer = PAGES[0], PAGES[1]

    # What a power loss or a disk error leaves: half a gzip, a cut JSON pointer, a batch file of garbage.
    obj = next((data / "store" / "captures" / "objects").rglob(f"{store.latest(truncated_capture).capture_id}.json.gz"))
    obj.write_bytes(obj.read_bytes()[: obj.stat().st_size // 2])
    pointer = data / "store" / "captures" / "latest" / f"{url_id(lost_pointer)}.json"
    pointer.write_bytes(pointer.read_bytes()[:20])
    batches = data / "store" / "records" / "seo_optimizer"
    for batch in batches.glob("*.parquet"):  # and the seo records lost: they must be extracted again
        batch.unlink()
    garbage = batches / "ffffffffffffffffffffffff.parquet"
    garbage.write_bytes(b"PAR1 not parquet at all")

    status = subprocess.run([sys.executable, "-m", "minedag.cli", "status", "--json"], capture_output=True, text=True,
                            cwd=REPO, env={"MINEDAG_DATA": str(data), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert status.returncode == 0, status.stderr  # status reads everything: it must survive, and say what it moved
    assert {q["file"] for q in json.loads(status.stdout)["quarantined"]} >= {
        str(pointer.relative_to(data / "store")), str(garbage.relative_to(data / "store"))}

    (second,) = mine(instance, PAGES, defs=defs)
    assert second.success  # the batch goes on
    seo = _seo(store)
    # The unchanged page kept its (damaged) capture: its record fails with the reason; the others are fine.
    assert not seo[truncated_capture]["ok"] and "unreadable capture" in seo[truncated_capture]["error"]
    assert all(seo[u]["ok"] for u in PAGES[1:])
    reasons = {q["file"]: q["reason"] for q in store.quarantined()}
    assert set(reasons) == {str(p.relative_to(data / "store")) for p in (obj, pointer, garbage)}
    assert "EOFError" in reasons[str(obj.relative_to(data / "store"))]
    assert not garbage.exists() and (data / "store" / "quarantine" / garbage.relative_to(data / "store")).exists()

    (third,) = mine(instance, PAGES, defs=defs)  # with its capture gone, the page is captured afresh
    assert third.success and all(r["ok"] for r in _seo(store).values())
