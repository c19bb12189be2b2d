"""Incremental re-mining: unchanged pages are confirmed with a conditional request (or the same body) and
skip the collectors and profile extraction; changed pages are captured in full."""

import shutil

import dagster as dg
import pytest

from minedag.capture import capture_urls
from minedag.defs.capture import page_capture
from minedag.defs.jobs import mine_job
from minedag.defs.profiles import mining_profiles
from minedag.defs.resources import BrowserResource, StoreResource
from minedag.mining import mine
from minedag.sample_site.server import SITE_ROOT, SiteServer
from minedag.store import Store

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

PAGES = ["http://shop.test/", "http://shop.test/products/terra-mug", "http://blog.test/about",
         "http://docs.test/guides/webhooks", "http://app.test/pricing"]
NO_ETAG = "http://lab.test/console-errors"  # served without validators: only the body hash can tell


@pytest.fixture()
def editable_site(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(SITE_ROOT, root)
    server = SiteServer(root=root).start()
    yield server
    server.stop()


def test_a_re_mine_asks_changed_since_and_keeps_unchanged_pages_cheap(editable_site, options, tmp_path):
    from dataclasses import replace

    opts = replace(options, host_rules=editable_site.host_rules)
    store = Store(tmp_path / "store")
    for cap in capture_urls(PAGES + [NO_ETAG], opts):
        assert cap.ok and cap.unchanged_since is None, cap.error
        store.put_capture(cap)
    first = {u: store.latest(u) for u in PAGES + [NO_ETAG]}
    assert all(first[u].etag for u in PAGES) and first[NO_ETAG].etag is None
    page = editable_site.root / "blog.test" / "about.html"
    page.write_text(page.read_text().replace("</h1>", " (updated)</h1>", 1))
    hits_before = dict(editable_site.hits)

    again = {c.url: c for c in capture_urls(PAGES + [NO_ETAG], opts, previous={u: store.previous(u) for u in PAGES + [NO_ETAG]})}
    changed = again.pop("http://blog.test/about")
    assert changed.unchanged_since is None and changed.status == 200 and "(updated)" in changed.raw_html and changed.ax_tree
    for url, cap in again.items():
        assert cap.ok and cap.unchanged_since == first[url].capture_id, url
        assert cap.status == (200 if url == NO_ETAG else 304) and not cap.ax_tree and not cap.axe  # no collector ran
    # An unchanged page costs one document request: no stylesheet, image or script was fetched again.
    fetched = {path for (host, path), n in editable_site.hits.items() if host == "shop.test" and n > hits_before.get((host, path), 0)}
    assert fetched - {"/robots.txt", "/favicon.ico"} == {"/", "/products/terra-mug"}, fetched
    for cap in [changed, *again.values()]:
        store.put_capture(cap)
    for url, cap in again.items():
        pointer = store.latest(url)
        assert pointer.capture_id == first[url].capture_id and pointer.checked_at == cap.captured_at
        assert store.load_capture(url).ax_tree  # the earlier full capture is still what profiles read
    assert store.latest("http://blog.test/about").capture_id != first["http://blog.test/about"].capture_id


def test_re_mining_through_dagster_skips_extraction_for_unchanged_pages(editable_site, tmp_path, monkeypatch):
    monkeypatch.setenv("MINEDAG_DATA", str(tmp_path / "data"))
    defs = dg.Definitions(
        assets=[page_capture, mining_profiles], jobs=[mine_job],
        resources={"browser": BrowserResource(host_rules=editable_site.host_rules, allow_hosts=["*.test"]),
                   "store": StoreResource(root=str(tmp_path / "store"))})
    records = tmp_path / "store" / "records" / "seo_optimizer"
    with dg.instance_for_test() as instance:
        (first,) = mine(instance, PAGES, defs=defs)
        assert first.success
        files_before = set(records.iterdir())
        page = editable_site.root / "docs.test" / "guides" / "webhooks.html"
        page.write_text(page.read_text().replace("</h1>", " v2</h1>", 1))
        (second,) = mine(instance, PAGES, defs=defs)
    assert second.success
    (capture, *_) = second.asset_materializations_for_node("page_capture")
    assert capture.metadata["batch_unchanged"].value == len(PAGES) - 1
    store = Store(tmp_path / "store")
    checked = {u for u in PAGES if store.latest(u).checked_at > store.latest(u).captured_at}
    assert checked == set(PAGES) - {"http://docs.test/guides/webhooks"}  # confirmed unchanged, earlier capture kept
    seo = next(m for m in second.asset_materializations_for_node("mining_profiles")
               if m.asset_key == dg.AssetKey(["profiles", "seo_optimizer"]))
    assert seo.metadata["batch_records"].value == 1 and seo.metadata["batch_skipped_unchanged"].value == len(PAGES) - 1
    assert len(set(records.iterdir()) - files_before) == 1  # one new record batch, holding the changed page only
    newest = {r["url"]: r for r in store.read_records("seo_optimizer", PAGES).to_pylist()}
    assert set(newest) == set(PAGES) and all(r["capture_id"] == store.latest(u).capture_id for u, r in newest.items())
