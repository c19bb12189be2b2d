"""Same pages, same data: a later failure never replaces a good record (real Chromium, real Dagster runs)."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from minedag.defs.automation import retry_failed_sensor
from minedag.defs.capture import page_capture
from minedag.defs.jobs import mine_job
from minedag.defs.profiles import mining_profiles
from minedag.defs.resources import BrowserResource, StoreResource
from minedag.mining import mine
from minedag.store import Store
from minedag_tests.local_server import HTML, local_server

pytestmark = pytest.mark.slow

PAGES = [f"http://flaky.test/post/{i}" for i in range(4)]


class FlakyServer:
    """Articles; paths in ``broken`` answer 503, or drop the connection when ``drop`` is set."""

    def __init__(self) -> None:
        self.broken: set[str] = set()
        self.drop = False

    def __call__(self, path: str) -> tuple[int, str, bytes] | None:
        if path in self.broken:
            return None if self.drop else (503, HTML, b"<html><body>down for maintenance</body></html>")
        return 200, HTML, (f"<!doctype html><html lang='en'><head><title>Post {path}</title>"
                           f"<meta name='description' content='A post about {path} and what it says.'></head>"
                           f"<body><main><h1>Post {path}</h1>" + "<p>Some words about the topic at hand. </p>" * 40
                           + "</main></body></html>").encode()


@pytest.fixture()
def flaky():
    server = FlakyServer()
    with local_server(server) as port:
        server.port = port
        yield server


def _defs(flaky: FlakyServer, data) -> dg.Definitions:  # noqa: ANN001 - a Path
    browser = BrowserResource(host_rules=f"MAP flaky.test 127.0.0.1:{flaky.port}", allow_hosts=["flaky.test"],
                              serve_sample_site=False, respect_robots=False, nav_timeout_s=8, capture_timeout_s=20)
    return dg.Definitions(assets=[page_capture, mining_profiles], jobs=[mine_job],
                          resources={"browser": browser, "store": StoreResource(root=str(data / "store"))})


def test_a_good_page_keeps_its_record_when_its_server_fails_later_and_retries_fetch_only_the_failed(flaky, data):
    defs, store = _defs(flaky, data), Store(data / "store")
    instance = dg.DagsterInstance.ephemeral()
    (first,) = mine(instance, PAGES, defs=defs)
    assert first.success
    good = {u: store.latest(u) for u in PAGES}
    assert all(p.good for p in good.values())
    records = {r["url"]: r for r in store.read_records("seo_optimizer", PAGES).to_pylist()}
    assert all(r["ok"] for r in records.values())

    # The whole site fails (a range re-mine: every page of it); then one page answers 503 while the others recover.
    flaky.broken, flaky.drop = {f"/post/{i}" for i in range(4)}, True
    (second,) = mine(instance, PAGES, defs=defs)
    for url in PAGES:
        pointer = store.latest(url)
        assert pointer.capture_id == good[url].capture_id and pointer.good, url  # the good record stands
        assert pointer.attempt is not None and pointer.attempt["error_kind"] in ("connection", "circuit_open", "error"), pointer.attempt
    after = {r["url"]: r for r in store.read_records("seo_optimizer", PAGES).to_pylist()}
    assert after == records  # no record became a failure
    checks = {c.partition: c for c in second.get_asset_check_evaluations() if c.partition}
    assert all(not c.passed and c.severity == dg.AssetCheckSeverity.WARN and "stays the page's record" in c.description
               for c in checks.values())

    flaky.broken, flaky.drop = {"/post/2"}, False
    (third,) = mine(instance, PAGES, defs=defs)
    assert store.latest(PAGES[0]).attempt is None and store.latest(PAGES[0]).capture_id == good[PAGES[0]].capture_id
    broken = store.latest(PAGES[2])
    assert broken.capture_id == good[PAGES[2]].capture_id and broken.attempt["status"] == 503

    # The retry sensor asks for exactly the failed page, not the range around it.
    pointer = store.latest(PAGES[2])  # its back-off has passed
    store._pointer_path(PAGES[2]).write_text(json.dumps({**pointer.__dict__, "attempt": {**pointer.attempt, "at": "2020-01-01T00:00:00+00:00"}}))
    tick = retry_failed_sensor(dg.build_sensor_context(instance=instance, resources={"store": StoreResource(root=str(data / "store"))}))
    (request,) = tick.run_requests
    assert request.tags["dagster/asset_partition_range_start"] == request.tags["dagster/asset_partition_range_end"] == PAGES[2]


def replacing_pages(dead_port: int) -> dict[str, str]:
    """Pages that replace themselves after ``load``, as ad-block recovery scripts on news sites do."""
    article = ("<!doctype html><html lang='en'><head><title>Landed article</title></head><body><main><h1>Landed</h1>"
               + "<p>The article the script moved to, with real words in it. </p>" * 30 + "</main></body></html>")
    return {
        "/moves": "<!doctype html><html><head><title>Loading</title></head><body><p>wait</p><script>"
                  "addEventListener('load', () => setTimeout(() => location.replace('/landed'), 20));</script></body></html>",
        "/landed": article,
        "/breaks": "<!doctype html><html><head><title>Loading</title></head><body><p>wait</p><script>"
                   f"addEventListener('load', () => location.replace('http://dead.test:{dead_port}/gone'));</script></body></html>",
        "/empty": "",
    }


def test_a_page_that_navigates_after_load_is_recorded_as_where_it_landed_or_fails_as_navigated_away():
    import socket

    from minedag.capture import CaptureOptions, capture_urls
    from minedag.capture.politeness import PolitenessRules

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead_port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: a navigation to it ends on Chromium's error page
    pages = replacing_pages(dead_port)
    with local_server(lambda path: (200, HTML, pages[path].encode()) if path in pages else (404, HTML, b"")) as port:
        options = CaptureOptions(host_rules=f"MAP news.test 127.0.0.1:{port}, MAP dead.test 127.0.0.1:{dead_port}",
                                 allow_hosts=("news.test", "dead.test"), nav_timeout_s=8, capture_timeout_s=25,
                                 politeness=PolitenessRules(respect_robots=False))
        caps = {c.url: c for c in capture_urls([f"http://news.test/{p}" for p in ("moves", "breaks", "empty")], options)}
    moved = caps["http://news.test/moves"]
    assert moved.ok and moved.final_url == "http://news.test/landed" and moved.status == 200
    assert "Landed article" in moved.rendered_html and "Landed article" in moved.raw_html
    assert any("navigated after load" in c["text"] for c in moved.console)
    broken = caps["http://news.test/breaks"]
    assert not broken.ok and broken.error_kind in ("navigated_away", "refused"), (broken.error_kind, broken.error)
    assert "dead.test" in broken.error
    empty = caps["http://news.test/empty"]
    assert not empty.ok and empty.error_kind == "empty", (empty.error_kind, empty.error)


def test_mine_exits_non_zero_and_says_so_first_when_most_pages_failed(tmp_path):
    """1 of 5 captured is a failure of the batch, not a success with a footnote."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    with local_server(lambda path: (200, HTML, b"<!doctype html><title>ok</title><p>fine</p>") if path == "/ok" else None) as port:
        urls = ["http://one.test/ok", *(f"http://one.test/gone{i}" for i in range(4))]
        out = subprocess.run([sys.executable, "-m", "minedag.cli", "mine", *urls, "--profile", "seo_optimizer",
                              "--allow-hosts", "one.test", "--host-rules", f"MAP one.test 127.0.0.1:{port}"],
                             cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=300,
                             env={**os.environ, "MINEDAG_DATA": str(tmp_path / "data")})
    assert out.returncode == 1, out.stderr[-2000:]
    assert "1 of 5 captured" in out.stderr
    assert sum(r["ok"] for r in json.loads(out.stdout)) == 1
