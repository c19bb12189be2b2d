"""SQL over the store (DuckDB views), the warehouse file, and the HTTP API (fuzzed against its own OpenAPI)."""

from __future__ import annotations

import functools
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from minedag.bundles import build_bundle
from minedag.campaigns import SelectorStats, campaign_rows, load_campaign, record_schema
from minedag.functionalities import FUNCTIONALITIES
from minedag.store import Store
from minedag.urls import site_of
from minedag_tests.conftest import stored_records

REPO = Path(__file__).resolve().parents[1]
LINKS_SQL = ("SELECT data_attribute, table_name, confidence, sites FROM schema_link_patterns "
             "WHERE confidence > 0.8 AND sites >= 3 ORDER BY data_attribute, table_name")
SHARED_SQL = "SELECT attribute FROM training_attribute_catalog WHERE len(functionalities) > 1 ORDER BY attribute"


@pytest.fixture(scope="module")
def mined(captures, tmp_path_factory):
    """A data folder as the demo leaves it: records, bundles, aggregates (built by the aggregation assets)."""
    data = tmp_path_factory.mktemp("sql") / "data"
    store = stored_records(captures, data / "store")
    campaign = load_campaign(REPO / "campaigns" / "product_price.yaml")
    rows = campaign_rows(campaign, store, [u for u in captures if campaign.wants(u)], SelectorStats())
    store.write_records(f"campaign_{campaign.name}", rows, record_schema(campaign))
    previous = os.environ.get("MINEDAG_DATA")
    os.environ["MINEDAG_DATA"] = str(data)
    try:
        for f in FUNCTIONALITIES:
            build_bundle(f, store, data / "bundles")
            latest = data / "bundles" / f.name / "latest"
            if not latest.exists():  # held back on so few sites; point latest at it for the queries
                latest.symlink_to(next(p.name for p in (data / "bundles" / f.name).iterdir() if not p.name.startswith(".")))
        from minedag.defs.aggregation import attribute_catalog, attribute_coverage, schema_links
        from minedag.defs.resources import StoreResource

        assert dg.materialize([attribute_coverage, schema_links, attribute_catalog],
                              resources={"store": StoreResource(root=str(store.root))}).success
    finally:
        if previous is None:
            os.environ.pop("MINEDAG_DATA")
        else:
            os.environ["MINEDAG_DATA"] = previous
    return data


def sql(data: Path, query: str, *flags: str) -> list[dict]:
    out = subprocess.run([sys.executable, "-m", "minedag.cli", "sql", query, "--json", *flags], cwd=REPO, capture_output=True,
                         text=True, timeout=300, env={**os.environ, "MINEDAG_DATA": str(data)})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def reference_links(store: Store) -> list[tuple[str, str, float, int]]:
    """The first question answered from the schema_linker records in plain Python."""
    pages: dict[tuple[str, str], dict] = {}
    for row in store.read_records("schema_linker").to_pylist():
        if not row["ok"]:
            continue
        for link in json.loads(row["table_links"] or "[]"):
            entry = pages.setdefault((link["attribute"], link["table"]), {"confidence": 0.0, "sites": set()})
            entry["confidence"] = max(entry["confidence"], link["confidence"])
            entry["sites"].add(site_of(row["url"]))
    return sorted((a, t, e["confidence"], len(e["sites"])) for (a, t), e in pages.items()
                  if e["confidence"] > 0.8 and len(e["sites"]) >= 3)


def test_the_two_questions_in_one_line_of_sql_each(mined):
    links = [(r["data_attribute"], r["table_name"], r["confidence"], r["sites"]) for r in sql(mined, LINKS_SQL)]
    assert links == reference_links(Store(mined / "store")) and links
    shared = [r["attribute"] for r in sql(mined, SHARED_SQL)]
    users: dict[str, int] = {}
    for f in FUNCTIONALITIES:
        for q in f.attributes:
            users[q] = users.get(q, 0) + 1
    assert shared == sorted(q for q, n in users.items() if n > 1) and shared


def test_views_pick_the_newest_record_by_capture_time_not_by_file_time(mined, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(mined, copy, symlinks=True)
    for path in copy.rglob("*"):  # a copy or a sync gives files new, arbitrary times
        if path.is_file() and not path.is_symlink():
            stamp = random.uniform(1e9, 2e9)
            os.utime(path, (stamp, stamp))
    query = "SELECT url, capture_id, quality FROM records_seo_optimizer ORDER BY url"
    assert sql(copy, query) == sql(mined, query)
    summary = sql(copy, "SELECT count(*) AS n, count(DISTINCT url) AS urls FROM records_seo_optimizer")[0]
    assert summary["n"] == summary["urls"] == len(Store(mined / "store").pointers())
    failures = sql(mined, "SELECT reason, pages FROM failures_by_reason")
    assert sum(r["pages"] for r in failures) == sum(1 for p in Store(mined / "store").pointers() if not p.ok or (p.status or 0) >= 400)


def test_the_warehouse_file_holds_every_view_as_a_table(mined, tmp_path, monkeypatch):
    import duckdb

    from minedag.sql import Roots, build_warehouse

    target = tmp_path / "warehouse.duckdb"
    catalog = build_warehouse(target, Roots(mined / "store", mined / "bundles", mined / "aggregates"))
    assert {"captures", "ml_training_bundles", "bundle_members", "schema_link_patterns", "training_attribute_catalog",
            "quality_by_site", "records_seo_optimizer", "campaign_product_price"} <= set(catalog.views)
    assert not catalog.missing, catalog.missing
    with duckdb.connect(str(target), read_only=True) as con:
        bundles = con.execute("SELECT count(*) FROM ml_training_bundles WHERE is_latest").fetchone()[0]
        members = con.execute("SELECT count(DISTINCT url) FROM bundle_members").fetchone()[0]
    assert bundles == len(FUNCTIONALITIES) and members > 0


@pytest.fixture()
def api(mined, monkeypatch, tmp_path):
    from fastapi.testclient import TestClient

    from minedag.api import create_app

    monkeypatch.setenv("MINEDAG_DATA", str(mined))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return create_app(token=None, warehouse=tmp_path / "warehouse.duckdb"), functools.partial(TestClient, base_url="http://127.0.0.1")


def test_the_api_answers_and_refuses_what_it_should(api, tmp_path):
    from minedag.api import create_app

    app, client_type = api
    client = client_type(app)
    assert client.get("/openapi.json").json()["info"]["title"] == "minedag"
    links = client.get("/schema-links", params={"min_confidence": 0.81, "min_sites": 3}).json()
    assert links["rows"] and all(row[links["columns"].index("sites")] >= 3 for row in links["rows"])
    answer = client.post("/sql", json={"query": "SELECT count(*) AS n FROM captures", "limit": 5}).json()
    assert answer["columns"] == ["n"] and answer["rows"][0][0] > 0
    for query in ("COPY captures TO '/tmp/x.csv'", "SELECT * FROM read_csv('/etc/passwd')", "INSTALL httpfs", "DROP TABLE captures"):
        refused = client.post("/sql", json={"query": query})
        assert refused.status_code == 400 and refused.json()["detail"].startswith("query:"), (query, refused.text)
    bad = client.post("/sql", json={"query": "", "limit": 5000})
    assert bad.status_code == 422 and {e["loc"][-1] for e in bad.json()["detail"]} == {"query", "limit"}
    assert client.get("/bundles/no_such_functionality").status_code == 422
    locked = client_type(create_app(token="s3cret", warehouse=tmp_path / "w2.duckdb"))
    assert locked.get("/bundles").status_code == 401
    assert locked.get("/bundles", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_the_api_refuses_a_public_address_unless_asked():
    out = subprocess.run([sys.executable, "-m", "minedag.cli", "serve", "--host", "0.0.0.0"], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and "--allow-remote" in out.stderr


def test_discover_and_build_through_the_api(api):
    import time

    app, client_type = api
    client = client_type(app)
    one = client.post("/discover", json={"functionality": "seo_optimization"}).json()
    assert [f["name"] for f in one["functionalities"]] == ["seo_optimization"]
    assert client.post("/discover", json={"prompt": "qwxz vbnm"}).json()["detail"].startswith("prompt:")
    both = client.post("/discover", json={"prompt": "train an SEO model", "functionality": "seo_optimization"})
    assert both.status_code == 422  # one or the other, as the schema says
    sampled = client.post("/discover", json={"prompt": "train an SEO model", "sample_urls": ["http://shop.test/"]})
    assert sampled.status_code == 200 and sampled.json()["functionalities"][0]["name"] == "seo_optimization"
    with dg.DagsterInstance.get() as instance:  # the sample URL was mined through Dagster before the answer
        assert "http://shop.test/" in instance.get_materialized_partitions(dg.AssetKey("page_capture"))
    assert client.post("/bundles/seo_optimization/build").status_code == 415  # what a foreign page could send
    started = client.post("/bundles/seo_optimization/build", json={})
    assert started.status_code == 202
    status_url = started.json()["status_url"]
    deadline = time.time() + 300
    while (state := client.get(status_url).json())["state"] == "running":
        assert time.time() < deadline, "the build did not finish in 300 s"
        time.sleep(1)
    assert state["run_ids"] and state["state"] in ("succeeded", "failed") and state["error"] is None


def test_every_endpoint_survives_a_property_based_fuzz_against_its_openapi(api, tmp_path):
    """Schemathesis generates requests for every operation of the OpenAPI document (hypothesis drives it here;
    its pytest plugin does not load under this pytest): no 500s, every response as documented, invalid input
    refused. Left out: the check that every schema-valid request succeeds (SQL that does not parse and prompts
    nothing fits are schema-valid, and rightly answered 400). /discover's sample URLs are really mined, and the
    builds the fuzzer starts really run: the test waits for them."""
    import threading
    import time

    from hypothesis import given
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    from minedag.api import create_app

    app = create_app(token="fuzz-token", warehouse=tmp_path / "fuzz.duckdb",  # the api fixture set the data folder
                     hosts=("testserver", "localhost", "127.0.0.1"))  # the names the ASGI test transport sends
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers={"Authorization": "Bearer fuzz-token"}, excluded_checks=[positive_data_acceptance])

        check()
    deadline = time.time() + 300
    while any(t.name.startswith("minedag-build-") for t in threading.enumerate()):
        assert time.time() < deadline, "a build started by the fuzzer did not finish in 300 s"
        time.sleep(1)


def _serve(data: Path, home: Path, *flags: str) -> tuple[subprocess.Popen, int]:
    """``minedag serve`` on a free loopback port, once it accepts connections."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "MINEDAG_DATA": str(data), "DAGSTER_HOME": str(home)}
    server = subprocess.Popen([sys.executable, "-m", "minedag.cli", "serve", "--port", str(port), *flags], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while True:
        assert server.poll() is None, server.stderr.read().decode()[-2000:]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            assert time.time() < deadline, "minedag serve did not listen within 60 s"
            time.sleep(0.1)


def _raw(port: int, head: str, body: bytes = b"") -> tuple[int, str]:
    """Send a request's head (and ``body``) over a socket; the status and body of the answer."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        try:  # a server that answers from the headers may close before the body is all sent: keep what it said
            conn.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
            while chunk := conn.recv(65536):
                answer += chunk
        except (BrokenPipeError, ConnectionResetError):
            if not answer:
                answer = conn.recv(65536)
    assert answer, "the server closed without an answer"
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1].decode(errors="replace")


def test_the_http_api_refuses_before_reading_and_stays_within_its_memory(mined, tmp_path):
    """Over real HTTP (``minedag serve``): auth, Host, size and content-type are decided from the headers; SQL gets a
    connection per request and a memory limit."""
    import concurrent.futures

    import httpx

    (tmp_path / "home").mkdir()
    locked, port = _serve(mined, tmp_path / "home", "--token", "s3cret")
    try:
        started = time.monotonic()  # 200 MB announced, not a byte sent: the answer comes from the headers alone
        status, body = _raw(port, "POST /sql HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n"
                                  "Content-Length: 209715200\nConnection: close\n")
        assert status == 401 and "bearer token" in body and time.monotonic() - started < 5
        status, _ = _raw(port, "POST /sql HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer s3cret\n"
                               "Content-Type: application/json\nContent-Length: 209715200\nConnection: close\n")
        assert status == 413
        chunks = b"".join(b"%x\r\n%s\r\n" % (65536, b"x" * 65536) for _ in range(20)) + b"0\r\n\r\n"
        status, _ = _raw(port, "POST /sql HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer s3cret\nContent-Type: application/json\n"
                               "Transfer-Encoding: chunked\nConnection: close\n", chunks)
        assert status == 413
        status, body = _raw(port, "GET /bundles HTTP/1.1\nHost: rebound.example:8765\nAuthorization: Bearer s3cret\nConnection: close\n")
        assert status == 400 and "rebound.example" in body  # DNS rebinding: a foreign name for our address
        auth = {"Authorization": "Bearer s3cret"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=auth, timeout=60) as client:
            query = {"query": "SELECT count(*) AS n FROM captures, range(2000)", "limit": 5}
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(lambda _: client.post("/sql", json=query), range(4)))
            assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
            hog = client.post("/sql", json={"query": "SELECT len(list(range)) FROM range(400000000)"})
            assert hog.status_code == 400 and "memory" in hog.json()["detail"].lower()
        peak_kib = int(next(line for line in Path(f"/proc/{locked.pid}/status").read_text().splitlines()
                            if line.startswith("VmHWM")).split()[1])
        assert peak_kib < 1_200_000, f"the API process peaked at {peak_kib // 1024} MiB"
    finally:
        locked.terminate()
        locked.wait(30)
    open_api, port = _serve(mined, tmp_path / "home")
    try:  # without a token: no state change by a request a foreign web page can send
        status, body = _raw(port, "POST /bundles/seo_optimization/build HTTP/1.1\nHost: localhost\nContent-Length: 0\n"
                                  "Content-Type: text/plain\nConnection: close\n")
        assert status == 415 and "application/json" in body
    finally:
        open_api.terminate()
        open_api.wait(30)
    remote = subprocess.run([sys.executable, "-m", "minedag.cli", "serve", "--host", "0.0.0.0", "--allow-remote"], cwd=REPO,
                            env={k: v for k, v in os.environ.items() if k != "MINEDAG_API_TOKEN"}, capture_output=True,
                            text=True, timeout=60)
    assert remote.returncode == 2 and "open API" in remote.stderr


def test_an_empty_store_and_a_bad_limit_get_a_plain_answer_not_a_duckdb_guess(tmp_path, monkeypatch, capsys):
    from minedag.cli import main
    from minedag.sql import QueryError, connect, run_query

    monkeypatch.setenv("MINEDAG_DATA", str(tmp_path / "nothing yet"))
    con, catalog = connect()
    for table in ("records_seo_optimizer", "schema_link_patterns"):
        with pytest.raises(QueryError) as caught:
            run_query(con, f"SELECT * FROM {table}", limit=5, catalog=catalog)
        assert str(caught.value).startswith(f"no data for {table} yet: mine pages first")
        assert "Did you mean" not in str(caught.value)
    with pytest.raises(QueryError, match="there is no table or view nope; `minedag sql --list` lists them"):
        run_query(con, "SELECT * FROM nope", catalog=catalog)
    with pytest.raises(QueryError, match="a limit of -5 rows: give 0 or more"):
        run_query(con, "SELECT 1", limit=-5)
    assert main(["sql", "SELECT * FROM records_seo_optimizer"]) == 2
    assert "no data for records_seo_optimizer yet" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["sql", "--limit", "-5", "SELECT 1"])
    assert usage.value.code == 2 and "argument --limit: -5: give 0 or more" in capsys.readouterr().err
