"""Every command that mines or registers URLs takes --allow-hosts and --host-rules; `remove-urls` forgets pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from minedag.sample_site.server import SiteServer

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

REPO = Path(__file__).resolve().parents[1]
PAGES = ["http://intranet.corp/", "http://intranet.corp/team", "http://intranet.corp/handbook"]


@pytest.fixture()
def intranet(tmp_path):
    """An 'intranet' host that only host rules can reach, on 127.0.0.1 (a private address: refused by default)."""
    root = tmp_path / "site"
    for name, title in (("index", "Intranet"), ("team", "Team"), ("handbook", "Handbook")):
        path = root / "intranet.corp" / f"{name}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<!doctype html><html lang='en'><title>{title}</title><main><h1>{title}</h1>"
                        f"<p>{title} pages of a company intranet, written for this test.</p></main></html>")
    (root / "_assets").mkdir()
    server = SiteServer(root=root).start()
    yield server
    server.stop()


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "MINEDAG_DATA": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "minedag.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


def rules(server: SiteServer) -> str:
    return f"MAP intranet.corp 127.0.0.1:{server.port}"


def test_mine_refuses_a_private_host_until_it_is_allowed(tmp_path, intranet):
    refused = cli(tmp_path, "mine", PAGES[0], "--host-rules", rules(intranet))
    assert refused.returncode == 1
    (result,) = json.loads(refused.stdout)
    assert not result["ok"] and "--allow-hosts 'intranet.corp'" in result["error"]
    allowed = cli(tmp_path, "mine", PAGES[0], "--host-rules", rules(intranet), "--allow-hosts", "intranet.corp",
                  "--profile", "seo_optimizer")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)[0]["records"]["seo_optimizer"]["title"] == "Intranet"


def test_add_urls_remembers_the_settings_for_the_runs_that_mine_them_later(tmp_path, intranet, monkeypatch):
    listed = tmp_path / "intranet.txt"
    listed.write_text("\n".join(PAGES) + "\n")
    out = cli(tmp_path, "add-urls", str(listed), "--json", "--allow-hosts", "intranet.corp,10.0.0.0/8",
              "--host-rules", rules(intranet))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["added"] == 3
    bad = cli(tmp_path, "add-urls", str(listed), "--host-rules", "SEND intranet.corp somewhere")
    assert bad.returncode == 2 and "--host-rules: bad host rule" in bad.stderr
    monkeypatch.setenv("MINEDAG_DATA", str(tmp_path / "data"))
    from minedag.defs.resources import BrowserResource

    allow, host_rules = BrowserResource().network()  # what a sensor's or a UI backfill's run will use
    assert {"*.test", "intranet.corp", "10.0.0.0/8"} <= set(allow) and rules(intranet) in host_rules


def test_demo_on_a_local_site_then_remove_urls_forgets_a_page_everywhere(tmp_path, intranet, monkeypatch):
    listed = tmp_path / "intranet.txt"
    listed.write_text("\n".join(PAGES) + "\n")
    out = cli(tmp_path, "demo", "--urls", str(listed), "--json", "--allow-hosts", "intranet.corp",
              "--host-rules", rules(intranet))
    summary = json.loads(out.stdout)
    assert summary["captured"] == 3 and summary["records"]["seo_optimizer"] == 3, out.stderr[-2000:]
    gone = PAGES[2]
    from minedag.urls import url_id

    pointer = json.loads((tmp_path / "data" / "store" / "captures" / "latest" / f"{url_id(gone)}.json").read_text())
    gone_object = next((tmp_path / "data" / "store" / "captures" / "objects").rglob(f"{pointer['capture_id']}.json.gz"))
    # A URL whose canonical form drops a parameter names another page: nothing is removed, and it says why.
    other = cli(tmp_path, "remove-urls", f"{PAGES[0]}?session=abc", "--json")
    assert other.returncode == 2 and "session parameter" in other.stderr, other.stderr
    from minedag.bundles.publish import member_urls

    bundles = tmp_path / "data" / "bundles"
    if not (bundles / "seo_optimization" / "latest").exists():  # one site only: its checks may have held it back
        from minedag.bundles import build_bundle as build
        from minedag.bundles import publish
        from minedag.functionalities import get_functionality as functionality
        from minedag.store import Store as TheStore

        built = build(functionality("seo_optimization"), TheStore(tmp_path / "data" / "store"), bundles)
        publish(bundles, "seo_optimization", built.version)
    served = {link.parent.name for link in bundles.glob("*/latest") if gone in member_urls(link.resolve())}
    assert "seo_optimization" in served  # a published bundle serves the page
    removed = cli(tmp_path, "remove-urls", gone, "--json")
    report = json.loads(removed.stdout)
    assert {k: report[k] for k in ("partitions_removed", "captures_forgotten", "not_registered", "rejected")} == {
        "partitions_removed": 1, "captures_forgotten": 1, "not_registered": 0, "rejected": []}
    assert set(report["bundles_republished"]) == served  # removal wins, at once, checks or not
    assert not any(gone in member_urls(link.resolve()) for link in bundles.glob("*/latest"))
    monkeypatch.setenv("MINEDAG_DATA", str(tmp_path / "data"))
    from minedag.bundles import build_bundle
    from minedag.functionalities import get_functionality
    from minedag.profiles import all_profiles
    from minedag.settings import bundles_dir
    from minedag.store import Store

    store = Store(tmp_path / "data" / "store")
    assert store.latest(gone) is None and store.links(gone) is None
    assert store.latest(PAGES[0]) is not None  # the page the query-string line named is still there
    for name in [*all_profiles(), *(p.name for p in (store.root / "records").iterdir() if p.name.startswith("campaign_"))]:
        assert gone not in store.read_records(name).column("url").to_pylist(), name
    assert not gone_object.exists() and len(list((store.root / "captures" / "objects").rglob("*.json.gz"))) == 2
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        assert sorted(instance.get_dynamic_partitions("urls")) == sorted(PAGES[:2])
    result = build_bundle(get_functionality("seo_optimization"), store, bundles_dir())
    urls = {u for split in ("train", "validation", "test")
            for u in pd.read_parquet(result.path / split / "part-0.parquet", columns=["url"])["url"]}
    excluded = (result.path / "exclusions.jsonl").read_text()
    assert set(PAGES[:2]) <= urls | {u for u in PAGES if u in excluded} and gone not in urls and gone not in excluded
