"""Shared fixtures: the sample site on a local port, capture options for it, and captures made once."""

from __future__ import annotations

import pytest

from minedag.capture import CaptureOptions, PageCapture, capture_urls
from minedag.capture.politeness import PolitenessRules
from minedag.sample_site.server import SiteServer
from minedag.store import Store

# A test that asks for one of these drives a real Chromium (through the sample site): it is `slow`.
_BROWSER_FIXTURES = {"site", "options", "captures"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_dagster_context():
    """Each test starts without a Dagster instance's defs-state storage left current by an earlier test
    (a disposed instance left there makes `resolve_job_def` fail with "undefined DagsterInstance weakref")."""
    from dagster._core.storage.defs_state.base import set_defs_state_storage

    with set_defs_state_storage(None):
        yield


@pytest.fixture()
def data(tmp_path, monkeypatch):
    """A fresh ``MINEDAG_DATA`` folder for one test."""
    monkeypatch.setenv("MINEDAG_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture(scope="session")
def site() -> SiteServer:
    server = SiteServer(slow_seconds=1.0, hang_seconds=30).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def options(site: SiteServer) -> CaptureOptions:
    # robots.txt is ignored here so that the deliberately disallowed sample page can be tested as a page;
    # test_politeness.py covers the polite defaults.
    return CaptureOptions(host_rules=site.host_rules, allow_hosts=("*.test", "*.invalid"), nav_timeout_s=8,
                          capture_timeout_s=25, politeness=PolitenessRules(respect_robots=False))


SAMPLE_PAGES = [
    "http://shop.test/", "http://shop.test/products/terra-mug", "http://shop.test/products/aurora-lamp",
    "http://shop.test/products/atlas-backpack", "http://shop.test/products/pulse-headphones", "http://shop.test/checkout", "http://shop.test/old-catalog",
    "http://shop.test/search", "http://shop.test/products/discontinued-widget",
    "http://blog.test/about", "http://blog.test/posts/accessible-forms", "http://blog.test/posts/structured-data",
    "http://people.test/signup", "http://people.test/users/ada", "http://docs.test/internal/draft",
    "http://docs.test/guides/webhooks", "http://app.test/pricing", "http://app.test/dashboard", "http://app.test/settings",
]


@pytest.fixture(scope="session")
def captures(options: CaptureOptions) -> dict[str, PageCapture]:
    """The sample pages above, captured once for the whole session with one browser."""
    return {c.url: c for c in capture_urls(SAMPLE_PAGES, options)}


def stored_records(captures: dict[str, PageCapture], root) -> Store:  # noqa: ANN001 - a Path
    """A store under ``root`` holding ``captures`` and every profile's record of each (no browser needed)."""
    from minedag.profiles import all_profiles, extract_record
    from minedag.profiles.page import PageView

    store = Store(root)
    for cap in captures.values():
        capture_id = store.put_capture(cap)
        view = PageView(cap)
        for profile in all_profiles().values():
            store.write_records(profile.name, [extract_record(profile, cap, capture_id, view=view)], profile.schema)
    return store
