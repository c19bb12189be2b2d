"""Crawls: one seed to a site's pages through Dagster, in scope, polite and within budget."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from minedag.crawl import CrawlError, CrawlSpec, load_crawl_file
from minedag.crawl.scope import Scope
from minedag.sample_site.server import SiteServer

REPO = Path(__file__).resolve().parents[1]


def page(title: str, *links: str) -> str:
    anchors = "".join(f"<li>{link}</li>" for link in links)
    return f"<!doctype html><html lang='en'><title>{title}</title><main><h1>{title}</h1><ul>{anchors}</ul></main></html>"


def urlset(*paths: str) -> str:
    entries = "".join(f"<url><loc>http://crawl.test{p}</loc><lastmod>2026-11-01</lastmod></url>" for p in paths)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'


@pytest.fixture()
def crawl_site(tmp_path):
    """crawl.test: robots.txt (a disallowed folder, a sitemap index with a gzipped child), nofollow, out-of-scope
    and redirecting links, a link loop; other.test is out of scope."""
    root = tmp_path / "site"
    files = {
        "crawl.test/robots.txt": "User-agent: *\nDisallow: /private/\n\nSitemap: http://crawl.test/sitemap_index.xml\n",
        "crawl.test/sitemap_index.xml": '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/'
                                        'schemas/sitemap/0.9"><sitemap><loc>http://crawl.test/sitemap-pages.xml.gz</loc></sitemap>'
                                        '<sitemap><loc>http://crawl.test/sitemap-blog.xml</loc></sitemap></sitemapindex>',
        "crawl.test/sitemap-blog.xml": urlset("/blog/one"),
        "crawl.test/index.html": page("Home", "<a href='/about'>About</a>", "<a href='products/'>Products</a>",
                                      "<a href='/private/secret'>Secret</a>", "<a href='http://other.test/'>Elsewhere</a>",
                                      "<a href='/nofollowed' rel='nofollow'>Sponsored</a>", "<a href='/old-catalog'>Old</a>",
                                      "<a href='/loop/a#top'>Loop</a>", "<a href='mailto:hi@crawl.test'>Mail</a>"),
        "crawl.test/about.html": page("About", "<a href='/'>Home</a>"),
        "crawl.test/products/index.html": page("Products", *(f"<a href='/products/{x}'>{x}</a>" for x in "abc")),
        **{f"crawl.test/products/{x}.html": page(f"Product {x}", "<a href='/products/'>All</a>") for x in "abc"},
        "crawl.test/catalog.html": page("Catalog", "<a href='/'>Home</a>"),
        "crawl.test/loop/a.html": page("Loop A", "<a href='/loop/b'>B</a>"),
        "crawl.test/loop/b.html": page("Loop B", "<a href='/loop/a'>A</a>", "<a href='/'>Home</a>"),
        "crawl.test/blog/one.html": page("One", "<a href='/blog/two'>Two</a>"),
        "crawl.test/blog/two.html": page("Two", "<a href='/blog/one'>One</a>"),
        "crawl.test/nofollowed.html": page("Nofollowed"),
        "crawl.test/private/secret.html": page("Secret"),
        "other.test/index.html": page("Other"),
        "moved.test/robots.txt": "User-agent: *\nDisallow: /catalog\n",
        "moved.test/catalog.html": page("Moved catalog"),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "crawl.test/sitemap-pages.xml.gz").write_bytes(gzip.compress(urlset("/about", "/products/a").encode()))
    (root / "_assets").mkdir()
    server = SiteServer(root=root).start()
    yield server
    server.stop()


IN_SCOPE = {f"http://crawl.test{p}" for p in ("/", "/about", "/products/a", "/blog/one", "/products/", "/old-catalog",
                                                "/loop/a", "/blog/two", "/products/b", "/products/c", "/loop/b")}
DEPTH_0_AND_1 = {f"http://crawl.test{p}" for p in ("/", "/about", "/products/a", "/blog/one", "/products/", "/old-catalog",
                                                     "/loop/a", "/blog/two")}


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "MINEDAG_DATA": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "minedag.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow
def test_a_crawl_from_one_seed_mines_exactly_the_in_scope_pages_within_budget(tmp_path, crawl_site):
    out = run_cli(tmp_path, "crawl", "http://crawl.test/", "--max-pages", "9", "--json",
                  "--allow-hosts", "*.test", "--host-rules", crawl_site.host_rules)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    frontier = json.loads((tmp_path / "data/crawls/crawl-test/frontier.json").read_text())["entries"]
    state = {url: e["state"] for url, e in frontier.items()}
    mined = {u for u, s in state.items() if s == "mined"}
    assert len(mined) == 9 and DEPTH_0_AND_1 <= mined <= IN_SCOPE  # shallowest first, the budget holds
    assert {u for u, s in state.items() if s == "over_budget"} == IN_SCOPE - mined
    assert state["http://crawl.test/private/secret"] == "robots"
    assert state["http://other.test/"] == "out_of_scope"
    assert state["http://crawl.test/catalog"] == "redirect"  # reached through /old-catalog's 301, mined there
    assert "http://crawl.test/nofollowed" not in state and not any(u.startswith("mailto") for u in state)
    assert frontier["http://crawl.test/products/a"]["via"] == "sitemap"  # from the gzipped child of the index
    assert frontier["http://crawl.test/blog/one"]["via"] == "sitemap"
    assert crawl_site.hits[("crawl.test", "/private/secret")] == 0 and crawl_site.hits[("crawl.test", "/nofollowed")] == 0
    assert crawl_site.hits[("other.test", "/")] == 0
    # Through Dagster: exactly the mined pages are partitions, and the frontier asset's counts match the file.
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        assert set(instance.get_dynamic_partitions("urls")) == mined
        event = instance.get_latest_materialization_event(dg.AssetKey("crawl_frontier"))
        shown = event.asset_materialization.metadata
    assert shown["mined"].value == 9 and shown["over_budget"].value == 2 and shown["robots"].value == 1
    assert shown["out_of_scope"].value == 1 and report["totals"]["mined"] == 9 and report["dagster_runs"] >= 1
    assert "| crawl-test | crawl.test | 13 |" in shown["by_crawl_and_site"].value
    # Raising the budget resumes the same frontier: only the two waiting pages are mined.
    again = run_cli(tmp_path, "crawl", "http://crawl.test/", "--max-pages", "50", "--json", "--host-rules", crawl_site.host_rules)
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout)["totals"]["mined"] == 11
    assert crawl_site.hits[("crawl.test", "/products/b")] == 1  # mined once in all


def test_crawl_file_errors_name_the_file_line_and_fix(tmp_path):
    bad = tmp_path / "shop.yaml"
    bad.write_text("seeds:\n  - http://shop.test/\nscope: galaxy\nmax_pages: -1\nfollow: yes\n")
    with pytest.raises(CrawlError) as error:
        load_crawl_file(bad)
    message = str(error.value)
    assert f"{bad}:line 3: scope" in message and "use host, site, prefix:URL or regex:PATTERN" in message
    assert f"{bad}:line 4: max_pages" in message and f"{bad}:line 5: follow" in message
    good = tmp_path / "docs.yaml"
    good.write_text("seeds: [http://docs.test/guides/]\nscope: prefix:http://docs.test/guides/\nexclude: ['\\\\?print=']\n")
    spec = load_crawl_file(good)
    assert spec.name == "docs" and spec.max_depth == 3 and spec.sitemaps
    scope = Scope(spec)
    assert scope.why_out("http://docs.test/guides/webhooks") is None
    assert scope.why_out("http://docs.test/api/") == "not under http://docs.test/guides/"
    assert "exclude" in scope.why_out("http://docs.test/guides/a?print=1")


def test_site_scope_takes_subdomains_and_host_scope_does_not():
    site = Scope(CrawlSpec(name="s", seeds=["https://www.example.com/"], scope="site"))
    host = Scope(CrawlSpec(name="h", seeds=["https://www.example.com/"]))
    assert site.why_out("https://blog.example.com/x") is None and site.why_out("https://example.org/") is not None
    assert host.why_out("https://blog.example.com/x") is not None and host.why_out("https://www.example.com/y") is None


@pytest.mark.slow
def test_a_redirect_into_a_robots_disallowed_url_is_not_kept(crawl_site):
    from minedag.capture import CaptureOptions, capture_urls

    (cap,) = capture_urls(["http://moved.test/old-catalog"], CaptureOptions(host_rules=crawl_site.host_rules,
                                                                             allow_hosts=("*.test",)))
    assert not cap.ok and cap.error_kind == "robots" and "redirected to http://moved.test/catalog" in cap.error
    assert cap.rendered_html == "" and cap.raw_html == "" and cap.redirect_chain[0]["status"] == 301


@pytest.mark.slow
def test_the_crawl_sensor_walks_a_crawl_file_to_the_end_through_mining_runs(tmp_path, crawl_site, data):
    """The daemon's path: a crawl file in data/crawls/, one sensor tick at a time, each requested run executed."""
    from minedag.defs.capture import page_capture
    from minedag.defs.crawl import crawl_frontier, crawl_sensor
    from minedag.defs.jobs import mine_job
    from minedag.defs.profiles import mining_profiles
    from minedag.defs.resources import BrowserResource, StoreResource

    (data / "crawls").mkdir(parents=True)
    (data / "crawls" / "shop.yaml").write_text(
        f"seeds: [http://crawl.test/]\nmax_depth: 1\nbatch: 5\nallow_hosts: ['*.test']\nhost_rules: '{crawl_site.host_rules}'\n")
    defs = dg.Definitions(assets=[page_capture, mining_profiles, crawl_frontier], sensors=[crawl_sensor], jobs=[mine_job],
                          resources={"browser": BrowserResource(serve_sample_site=False), "store": StoreResource()})
    repository = defs.get_repository_def()
    with dg.instance_for_test() as instance:
        cursor, ticks = None, 0
        while True:
            ticks += 1
            assert ticks < 15, "the crawl did not finish"
            context = dg.build_sensor_context(instance=instance, cursor=cursor, repository_def=repository,
                                              resources={"store": StoreResource()})
            result = crawl_sensor(context)
            if isinstance(result, dg.SkipReason):
                break
            for request in result.dynamic_partitions_requests:
                instance.add_dynamic_partitions("urls", list(request.partition_keys))
            for run in result.run_requests:
                if run.asset_selection == [crawl_frontier.key]:
                    continue
                assert dg.AssetKey("crawl_frontier") not in run.asset_selection
                assert defs.resolve_job_def("mine").execute_in_process(instance=instance, tags=run.tags).success
            cursor = result.cursor
        assert "crawl done" in result.skip_message
        frontier = json.loads((data / "crawls/shop/frontier.json").read_text())["entries"]
        mined = {u for u, e in frontier.items() if e["state"] == "mined"}
        assert mined == DEPTH_0_AND_1  # max_depth 1: seeds and sitemap pages, and the pages they link to
        assert set(instance.get_dynamic_partitions("urls")) == mined


def test_robots_and_sitemap_fetches_never_route_around_the_guard_by_no_proxy(monkeypatch):
    """With no_proxy naming loopback, urllib's ProxyHandler would connect straight to a refused address."""
    from minedag.crawl.sitemaps import fetcher
    from minedag_tests.local_server import local_server

    hits = []
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost,::1")
    with local_server(lambda path: hits.append(path) or (200, "text/plain", b"User-agent: *\nDisallow: /")) as port:
        with fetcher((), "") as sites:  # nothing allowed: 127.0.0.1 is a refused, non-public address
            sites.robots(f"http://127.0.0.1:{port}")
            entries = list(sites.sitemap_entries(f"http://127.0.0.1:{port}"))
        with fetcher(("127.0.0.1",), "") as allowed:  # allowed: it does go through, via the guard
            assert not allowed.allowed(f"http://127.0.0.1:{port}/x", f"http://127.0.0.1:{port}")
    assert entries == [] and hits == ["/robots.txt"], hits  # only the allowed fetch reached the listener
