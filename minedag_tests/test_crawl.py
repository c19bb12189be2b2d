"""Crawls: one seed to a site's pages through Dagster, in scope, polite and within budget."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from minedag.crawl import CrawlError, CrawlSpec, load_crawl_file
from minedag.crawl.frontier import Entry, Frontier
from minedag.crawl.run import frontier_path
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


def saved_frontier(crawls: Path, name: str) -> dict[str, Entry]:
    with Frontier(frontier_path(crawls, name), name) as frontier:
        return {e.url: e for e in frontier.entries()}


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
    frontier = saved_frontier(tmp_path / "data/crawls", "crawl-test")
    state = {url: e.state for url, e in frontier.items()}
    mined = {u for u, s in state.items() if s == "mined"}
    assert len(mined) == 9 and DEPTH_0_AND_1 <= mined <= IN_SCOPE  # shallowest first, the budget holds
    assert {u for u, s in state.items() if s == "over_budget"} == IN_SCOPE - mined
    assert state["http://crawl.test/private/secret"] == "robots"
    assert state["http://other.test/"] == "out_of_scope"
    assert state["http://crawl.test/catalog"] == "redirect"  # reached through /old-catalog's 301, mined there
    assert "http://crawl.test/nofollowed" not in state and not any(u.startswith("mailto") for u in state)
    assert frontier["http://crawl.test/products/a"].via == "sitemap"  # from the gzipped child of the index
    assert frontier["http://crawl.test/blog/one"].via == "sitemap"
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


def test_links_to_files_that_are_not_pages_are_skipped_before_loading():
    host = Scope(CrawlSpec(name="h", seeds=["https://www.example.com/"]))
    for url in ("https://www.example.com/favicon.ico", "https://www.example.com/static/app.CSS",
                "https://www.example.com/files/report.pdf?download=1", "https://www.example.com/a/b.tar.gz"):
        assert host.why_out(url).startswith("not a web page (a ."), url
    for url in ("https://www.example.com/blog/2024/post.html", "https://www.example.com/v1.2/docs", "https://www.example.com/",
                "https://www.example.com/page.php?file=x.png", "https://www.example.com/about.aspx"):
        assert host.why_out(url) is None, url


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
        mined = {u for u, e in saved_frontier(data / "crawls", "shop").items() if e.state == "mined"}
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


def _sitemap_tree(fan_out: int, big_urls: int = 0, delay_s: float = 0.0) -> tuple[Counter[str], Callable]:
    """A site whose robots.txt lists an endless tree of sitemap indexes (``fan_out`` children each) and, with
    ``big_urls``, first a sitemap of that many pages; the counter says how many of each were fetched."""
    fetched: Counter[str] = Counter()
    robots = "User-agent: *\n" + ("Sitemap: http://sitemaps.test/big.xml\n" if big_urls else "") + \
             "Sitemap: http://sitemaps.test/index-0.xml\n"
    big = urlset(*(f"/p/{i}" for i in range(big_urls))).replace("crawl.test", "sitemaps.test").encode()

    def answer(path: str) -> tuple[int, str, bytes]:
        if path == "/robots.txt":
            return 200, "text/plain", robots.encode()
        if path == "/big.xml":
            fetched["big"] += 1
            return 200, "application/xml", big
        if path.startswith("/index-"):
            fetched[f"level {path.count('-')}"] += 1
            time.sleep(delay_s)
            children = "".join(f"<sitemap><loc>http://sitemaps.test{path[:-4]}-{i}.xml</loc></sitemap>" for i in range(fan_out))
            return 200, "application/xml", (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns='
                                            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{children}</sitemapindex>').encode()
        return 200, "text/html", page(path).encode()

    return fetched, answer


def test_sitemap_reading_stops_at_its_depth_and_time_budgets():
    """Through the guard proxy, as a crawl reads them: indexes below ``depth`` levels are not fetched, and a slow
    server costs at most ``seconds``; each spent budget is named with the key that raises it."""
    from minedag.crawl.sitemaps import Spending, fetcher
    from minedag.crawl.spec import SitemapBudget
    from minedag_tests.local_server import local_server

    fetched, answer = _sitemap_tree(fan_out=2)
    with local_server(answer) as port, fetcher(("*.test",), f"MAP *.test 127.0.0.1:{port}") as sites:
        spending = Spending(SitemapBudget(depth=2))
        assert list(sites.sitemap_entries("http://sitemaps.test", spending)) == []
        assert fetched == {"level 1": 1, "level 2": 2, "level 3": 4}  # the index, then two levels of indexes in it
        assert list(spending.notes) == ["depth"] and "raise sitemap_budget.depth" in spending.notes["depth"]
    fetched, answer = _sitemap_tree(fan_out=20, delay_s=0.3)
    with local_server(answer) as port, fetcher(("*.test",), f"MAP *.test 127.0.0.1:{port}") as sites:
        spending = Spending(SitemapBudget(seconds=1.0))
        started = time.monotonic()
        list(sites.sitemap_entries("http://sitemaps.test", spending))
        assert time.monotonic() - started < 5 and sum(fetched.values()) <= 5, fetched
        assert "sitemap_budget.seconds" in spending.notes["seconds"]


@pytest.mark.slow
def test_a_crawl_reads_sitemaps_within_budget_and_keeps_a_big_frontier_on_disk(tmp_path):
    """`minedag crawl` on a site with an index of fan-out 20 without end and a 300,000-URL sitemap: the fetches
    stop at the budget, 50,000 URLs are taken, they wait in the SQLite frontier, and two pages are mined."""
    from minedag_tests.local_server import local_server

    fetched, answer = _sitemap_tree(fan_out=20, big_urls=300_000)
    with local_server(answer) as port:
        crawl_file = tmp_path / "big.yaml"
        crawl_file.write_text(f"seeds: [http://sitemaps.test/]\nmax_pages: 2\nallow_hosts: ['*.test']\n"
                              f"host_rules: MAP *.test 127.0.0.1:{port}\nsitemap_budget: {{fetches: 40, urls: 50000}}\n")
        out = run_cli(tmp_path, "crawl", "--file", str(crawl_file), "--json")
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    assert fetched["big"] == 1 and sum(fetched.values()) <= 40 - 1, fetched  # robots.txt took one fetch of the 40
    notes = " ".join(report["sitemap_errors"])
    assert "raise sitemap_budget.fetches" in notes and "raise sitemap_budget.urls" in notes
    assert report["totals"]["mined"] == 2 and report["totals"]["discovered"] == 50_001  # the seed and 50,000 pages
    assert report["totals"]["over_budget"] == 49_999
    assert report["frontier"].endswith("frontier.sqlite") and not list((tmp_path / "data/crawls").glob("*/frontier.json"))
