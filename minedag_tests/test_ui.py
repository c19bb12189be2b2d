"""The Dagster UI as users meet it: `dagster dev` on the mined sample site, driven in a real Chromium."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from minedag.capture.chromium import find_chromium, launch_args

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ui")
    env = {**os.environ, "DAGSTER_HOME": str(tmp / "home"), "MINEDAG_DATA": str(tmp / "data")}
    (tmp / "home").mkdir()
    urls = tmp / "urls.txt"
    urls.write_text("http://shop.test/\nhttp://blog.test/posts/design-tokens\nhttp://people.test/signup\n"
                    "http://docs.test/\nhttp://app.test/pricing\n")
    demo = subprocess.run([sys.executable, "-m", "minedag.cli", "demo", "--urls", str(urls)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout + demo.stderr
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
        yield base
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        try:
            dev.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)


def test_the_ui_shows_groups_profiles_and_bundles_without_js_errors(ui):
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=launch_args())
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
        external: list[str] = []  # the UI asks a few outside hosts (closed network here): not JS errors
        page.on("requestfailed", lambda r: external.append(r.url) if not r.url.startswith(ui) else errors.append(f"failed: {r.url}"))
        page.goto(ui + "/asset-groups", wait_until="networkidle", timeout=60_000)
        skip = page.get_by_role("button", name="Skip")  # the first-visit community dialog
        if skip.count():
            skip.first.click()
        for group in ("capture", "profiles", "aggregation", "bundles"):
            page.get_by_text(group, exact=True).first.wait_for(timeout=60_000)
        page.screenshot(path=ARTIFACTS / "asset-groups.png")

        page.goto(ui + "/assets/profiles/seo_optimizer", wait_until="networkidle", timeout=60_000)
        page.get_by_text("meta_description").first.wait_for(timeout=60_000)  # the column schema
        page.screenshot(path=ARTIFACTS / "profile-seo.png")
        page.goto(ui + "/assets/profiles/seo_optimizer?view=partitions", wait_until="networkidle", timeout=60_000)
        page.get_by_text("http://shop.test/").first.wait_for(timeout=60_000)

        page.goto(ui + "/assets/training_bundle?view=partitions", wait_until="networkidle", timeout=60_000)
        page.get_by_text("seo_optimization").first.click(timeout=60_000)
        page.get_by_text("average_quality").first.wait_for(timeout=60_000)  # the bundle's materialization metadata
        page.get_by_text("recommendations").first.wait_for(timeout=60_000)
        page.screenshot(path=ARTIFACTS / "training-bundle.png")
        browser.close()
    resource_noise = [e for e in errors if e.startswith("console: Failed to load resource: net::ERR_NAME_NOT_RESOLVED")]
    assert len(resource_noise) <= len(external), (errors, external)
    assert not [e for e in errors if e not in resource_noise], errors
