"""The Dagster UI as users meet it: `dagster dev` (webserver + daemon) on the mined sample site, driven in a
real Chromium; and the daemon's automation: the URL-file sensor and the eager profiles after a UI backfill."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest
from playwright.sync_api import sync_playwright

from minedag.capture.chromium import CLOSED_NETWORK_FLAGS, find_chromium

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
MINED = ["http://shop.test/", "http://blog.test/posts/design-tokens", "http://people.test/signup", "http://docs.test/",
         "http://app.test/pricing"]
REFUSED, ROBOTS = "http://10.9.9.9/", "http://docs.test/internal/draft"  # a private address; disallowed by robots.txt
FOR_UI_BACKFILL = ["http://shop.test/products/terra-mug", "http://blog.test/about"]  # registered, not mined
FOR_SENSOR = ["http://docs.test/guides/orders-api", "http://app.test/"]  # dropped into data/urls/ while the daemon runs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UI:
    def __init__(self, base: str, home: Path, data: Path):
        self.base, self.home, self.data = base, home, data

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.home))

    def graphql(self, query: str) -> dict:
        request = urllib.request.Request(self.base + "/graphql", data=json.dumps({"query": query}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["data"]


def _cli(env: dict, *args: str) -> None:
    out = subprocess.run([sys.executable, "-m", "minedag.cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ui")
    env = {**os.environ, "DAGSTER_HOME": str(tmp / "home"), "MINEDAG_DATA": str(tmp / "data")}
    (tmp / "home").mkdir()
    (tmp / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    (tmp / "mined.txt").write_text("\n".join([*MINED, REFUSED, ROBOTS]) + "\n")
    (tmp / "more.txt").write_text("\n".join(FOR_UI_BACKFILL) + "\n")
    _cli(env, "demo", "--urls", str(tmp / "mined.txt"))
    _cli(env, "add-urls", str(tmp / "more.txt"))
    port = _free_port()
    dev = subprocess.Popen(["env", "--default-signal=INT,TERM", str(Path(sys.executable).parent / "dagster"), "dev",
                            "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"], cwd=REPO, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/server_info", timeout=2)
                break
            except OSError:
                if time.time() > deadline or dev.poll() is not None:
                    raise AssertionError("dagster dev did not answer /server_info within 120 s") from None
                time.sleep(1)
        (tmp / "data" / "urls").mkdir(parents=True, exist_ok=True)
        (tmp / "data" / "urls" / "incoming.txt").write_text("\n".join(FOR_SENSOR) + "\nnot a url\n")
        yield UI(base, tmp / "home", tmp / "data")
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        try:
            dev.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)


def _wait(what: str, condition, timeout: float = 300) -> None:
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(3)


def _materialized(instance: dg.DagsterInstance, key: list[str], urls: list[str]) -> bool:
    done = instance.get_materialized_partitions(dg.AssetKey(key))
    return set(urls) <= set(done)


def test_the_ui_shows_groups_profiles_and_bundles_without_js_errors(ui):
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=list(CLOSED_NETWORK_FLAGS))
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
        external: list[str] = []  # the UI asks a few outside hosts (closed network here): not JS errors
        page.on("requestfailed", lambda r: external.append(r.url) if not r.url.startswith(ui.base)
                else None if r.failure == "net::ERR_ABORTED"  # a poll cancelled by the next navigation
                else errors.append(f"failed: {r.url} ({r.failure})"))
        # The first-visit community dialog opens 1 s after a page loads, over whatever is being clicked: the
        # server is told it was seen, and should it open anyway it is skipped before the next action.
        assert ui.graphql("mutation { setNuxSeen }")["setNuxSeen"] is True
        page.add_locator_handler(page.get_by_role("button", name="Skip", exact=True), lambda skip: skip.click())
        page.goto(ui.base + "/asset-groups", wait_until="networkidle", timeout=60_000)
        for group in ("capture", "profiles", "aggregation", "bundles"):
            page.get_by_text(group, exact=True).first.wait_for(timeout=60_000)
        page.screenshot(path=ARTIFACTS / "asset-groups.png")

        page.goto(ui.base + "/assets/profiles/seo_optimizer", wait_until="networkidle", timeout=60_000)
        page.get_by_text("meta_description").first.wait_for(timeout=60_000)  # the column schema
        page.screenshot(path=ARTIFACTS / "profile-seo.png")
        page.goto(ui.base + "/assets/profiles/seo_optimizer?view=partitions", wait_until="networkidle", timeout=60_000)
        page.get_by_text("http://shop.test/", exact=True).first.click(timeout=60_000)
        # One page, one view: the partition's materialization carries that page's own values, not only the batch's.
        page.get_by_text("Northwind Shop — considered goods for work and home").first.wait_for(timeout=60_000)
        for label in ("quality", "quality_reasons", "word_count", "batch_records"):
            page.get_by_text(label, exact=True).first.wait_for(timeout=60_000)
        page.screenshot(path=ARTIFACTS / "profile-partition.png")

        page.goto(ui.base + "/assets/training_bundle?view=partitions", wait_until="networkidle", timeout=60_000)
        page.get_by_text("seo_optimization").first.click(timeout=60_000)
        page.get_by_text("average_quality").first.wait_for(timeout=60_000)  # the bundle's materialization metadata
        page.get_by_text("recommendations").first.wait_for(timeout=60_000)
        page.locator("tr", has_text="plot_coverage").get_by_text("[Show Markdown]").click()  # the coverage chart
        plot = page.get_by_role("dialog").locator('img[src^="data:image/png;base64,"]')
        plot.wait_for(timeout=60_000)
        assert plot.evaluate("img => img.naturalWidth") > 300  # decoded: a real picture, not a broken image
        page.screenshot(path=ARTIFACTS / "training-bundle-plot.png")
        page.get_by_role("dialog").get_by_role("button", name="Close").click()

        # Pages that were not captured fail their partition's `captured` check, with the reason.
        page.goto(ui.base + "/assets/page_capture?view=checks", wait_until="networkidle", timeout=60_000)
        page.get_by_text("captured", exact=True).first.wait_for(timeout=60_000)
        page.get_by_text("Partitions", exact=True).last.click()  # the check's own partitions tab
        page.get_by_text(REFUSED).first.click(timeout=60_000)
        page.get_by_text("[refused]").first.wait_for(timeout=60_000)  # the evaluation says why
        page.screenshot(path=ARTIFACTS / "capture-checks.png")
        checks = ui.graphql("""{ assetNodeOrError(assetKey: {path: ["page_capture"]}) { ... on AssetNode {
            assetChecksOrError { ... on AssetChecks { checks { name partitionStatuses {
              ... on AssetCheckDefaultPartitionStatuses { failedPartitions succeededPartitions } } } } } } } }""")
        (captured,) = checks["assetNodeOrError"]["assetChecksOrError"]["checks"]
        assert captured["name"] == "captured"
        assert set(captured["partitionStatuses"]["failedPartitions"]) == {REFUSED, ROBOTS}
        assert set(MINED) <= set(captured["partitionStatuses"]["succeededPartitions"])
        # Lineage as the data flows: profiles -> aggregation -> bundles.
        graph = ui.graphql("""{ assetNodeOrError(assetKey: {path: ["training_bundle"]}) { ... on AssetNode {
            dependencyKeys { path } } } }""")
        upstream = {"/".join(k["path"]) for k in graph["assetNodeOrError"]["dependencyKeys"]}
        assert "attribute_catalog" in upstream and "profiles/seo_optimizer" in upstream

        # A backfill of the registered-but-unmined URLs, launched and followed from the UI.
        page.goto(ui.base + "/assets/page_capture", wait_until="networkidle", timeout=60_000)
        page.get_by_role("button", name="Materialize…").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("button", name="Missing", exact=True).click()
        dialog.get_by_text(f"{len(FOR_UI_BACKFILL)} partitions").wait_for(timeout=30_000)
        dialog.get_by_role("button", name="Launch backfill").click()
        page.get_by_text("Created backfill").wait_for(timeout=30_000)
        page.get_by_role("link", name="View").or_(page.get_by_role("button", name="View")).first.click()
        page.wait_for_url("**/runs/b/**", timeout=30_000)
        for url in FOR_UI_BACKFILL:
            page.get_by_text(url).first.wait_for(timeout=30_000)
        page.get_by_text("100% completed").wait_for(timeout=300_000)  # the page polls the backfill's progress
        page.screenshot(path=ARTIFACTS / "backfill.png")
        browser.close()
    resource_noise = [e for e in errors if e.startswith("console: Failed to load resource: net::ERR_NAME_NOT_RESOLVED")]
    assert len(resource_noise) <= len(external), (errors, external)
    assert not [e for e in errors if e not in resource_noise], errors


def test_the_backfill_from_the_ui_captured_its_urls_and_profiles_followed_by_automation(ui):
    instance = ui.instance()

    def launched() -> list:
        return [b for b in instance.get_backfills() if b.asset_selection == [dg.AssetKey("page_capture")]]

    # The UI shows 100% once the runs are done; the daemon marks the backfill complete on its next iteration.
    _wait("the UI's backfill to complete", lambda: [b.status.value for b in launched()] != ["REQUESTED"])
    assert [b.status.value for b in launched()] == ["COMPLETED_SUCCESS"]
    assert _materialized(instance, ["page_capture"], FOR_UI_BACKFILL)
    # Nobody asked for the profiles: their eager AutomationCondition, evaluated by the running automation sensor, did.
    _wait("the profiles of the UI-backfilled URLs", lambda: _materialized(instance, ["profiles", "seo_optimizer"], FOR_UI_BACKFILL))


def test_the_url_file_sensor_ticks_under_the_daemon_and_its_runs_mine_the_new_urls(ui):
    instance = ui.instance()
    _wait("the sensor's URLs captured and profiled",
          lambda: _materialized(instance, ["profiles", "workflow_predictor"], FOR_SENSOR), timeout=300)

    def runs() -> list[dg.DagsterRun]:
        return instance.get_runs(filters=dg.RunsFilter(tags={"dagster/sensor_name": "url_file_sensor"}))

    # Its materializations are written before the run's own end: wait for the run to finish.
    _wait("the sensor's run to finish", lambda: all(r.is_finished for r in runs()))
    assert [r.status for r in runs()] == [dg.DagsterRunStatus.SUCCESS]  # two URLs: one batch, one run
    assert set(FOR_SENSOR) <= set(instance.get_dynamic_partitions("urls"))
    ticks = ui.graphql("""{ sensorOrError(sensorSelector: {repositoryLocationName: "minedag", repositoryName: "__repository__",
        sensorName: "url_file_sensor"}) { ... on Sensor { sensorState { ticks(limit: 20) { status runIds logEvents { events { message } } } } } } }""")
    ticks = ticks["sensorOrError"]["sensorState"]["ticks"]
    requested = [t for t in ticks if t["status"] == "SUCCESS"]
    assert len(requested) == 1 and requested[0]["runIds"] == [runs()[0].run_id]
    notes = " ".join(e["message"] for t in requested for e in t["logEvents"]["events"])
    assert "incoming.txt: +2 new" in notes and "1 rejected" in notes, notes
