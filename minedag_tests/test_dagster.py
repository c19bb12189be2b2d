"""Real Dagster: in-process materialisations, the URL-file sensor against an instance, the CLI end to end."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from minedag.defs.automation import url_file_sensor
from minedag.defs.capture import page_capture
from minedag.defs.jobs import mine_job
from minedag.defs.partitions import url_partitions
from minedag.defs.profiles import mining_profiles
from minedag.defs.resources import BrowserResource, StoreResource
from minedag.mining import mine
from minedag.store import Store

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

URLS = ["http://shop.test/", "http://shop.test/products/terra-mug", "http://blog.test/posts/design-tokens",
        "http://people.test/users/grace", "http://docs.test/guides/orders-api", "http://app.test/missing", "http://lab.test/pdf"]
REPO = Path(__file__).resolve().parents[1]


def local_defs(site, data):
    return dg.Definitions(
        assets=[page_capture, mining_profiles], jobs=[mine_job],
        resources={"browser": BrowserResource(host_rules=site.host_rules, allow_hosts=["*.test"]),
                   "store": StoreResource(root=str(data / "store"))},
    )


def test_mine_job_materialises_capture_and_profiles_for_a_batch_of_partitions(site, data):
    instance = dg.DagsterInstance.ephemeral()
    (result,) = mine(instance, URLS, defs=local_defs(site, data))
    assert result.success
    assert sorted(instance.get_dynamic_partitions("urls")) == sorted(URLS)
    mats = result.asset_materializations_for_node("page_capture")
    assert sorted(m.partition for m in mats) == sorted(URLS)
    checks = {c.partition: c for c in result.get_asset_check_evaluations() if c.partition and c.check_name == "captured"}
    assert sorted(checks) == sorted(URLS)
    assert not checks["http://lab.test/pdf"].passed and "not HTML" in checks["http://lab.test/pdf"].description
    missing = checks["http://app.test/missing"]
    assert not missing.passed and missing.severity == dg.AssetCheckSeverity.WARN and missing.metadata["status"].value == 404
    assert checks["http://shop.test/"].passed and checks["http://shop.test/"].metadata["capture_id"].value
    records = {(c.asset_key.path[-1], c.partition): c for c in result.get_asset_check_evaluations()
               if c.check_name == "record" and c.partition}
    # A page with no data is a failed check on its profile partitions, never a silent green; good pages cost no event.
    assert not records[("seo_optimizer", "http://lab.test/pdf")].passed and "not HTML" in records[("seo_optimizer", "http://lab.test/pdf")].description
    assert ("seo_optimizer", "http://shop.test/") not in records and len({p for _, p in records}) == 1
    store = Store(data / "store")
    for name in ("seo_optimizer", "schema_linker"):
        table = store.read_records(name, URLS)
        assert sorted(table.column("url").to_pylist()) == sorted(URLS)
    seo = {r["url"]: r for r in store.read_records("seo_optimizer", URLS).to_pylist()}
    assert seo["http://lab.test/pdf"]["quality"] == 0 and seo["http://shop.test/"]["quality"] > 80
    observations = [e.asset_observation_data.asset_observation for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION"]
    charts = {o.asset_key.path[-1]: o.metadata for o in observations if o.partition is None}
    assert not [o for o in observations if o.partition]  # few partitions: each page's values ride on its materialization
    pages = {m.partition: m.metadata for m in result.asset_materializations_for_node("mining_profiles")
             if m.asset_key.path[-1] == "seo_optimizer"}
    assert sorted(pages) == sorted(URLS)
    shop = pages["http://shop.test/"]
    assert shop["title"].value == seo["http://shop.test/"]["title"] and shop["quality"].value == seo["http://shop.test/"]["quality"]
    assert shop["ok"].value is True and shop["word_count"].value == seo["http://shop.test/"]["word_count"]
    assert shop["batch_records"].value == len(URLS)  # the batch's figures stay alongside
    pdf = pages["http://lab.test/pdf"]
    assert pdf["ok"].value is False and pdf["quality"].value == 0 and "not HTML" in pdf["error"].value
    shown = charts["seo_optimizer"]  # what the UI shows for the batch: coverage per attribute and the quality histogram
    assert "| `title` | yes |" in shown["coverage"].value and "%" in shown["coverage"].value
    assert shown["quality_histogram"].value.startswith("![quality histogram](data:image/png;base64,iVBORw0KGgo")


def test_a_profile_change_re_extracts_from_stored_captures_without_browsing(site, data):
    instance = dg.DagsterInstance.ephemeral()
    url = "http://blog.test/posts/design-tokens"
    mine(instance, [url], defs=local_defs(site, data))
    hits_before = sum(site.hits.values())
    result = dg.materialize([mining_profiles], partition_key=url, instance=instance,
                            resources={"store": StoreResource(root=str(data / "store"))})
    assert result.success
    assert sum(site.hits.values()) == hits_before  # no page was loaded again
    assert {m.partition for m in result.get_asset_materialization_events()} == {url}


def test_page_values_go_on_observations_or_nowhere_when_configured(site, data):
    instance = dg.DagsterInstance.ephemeral()
    defs = local_defs(site, data)
    for url, where in (("http://shop.test/", "observation"), ("http://blog.test/about", "off")):
        instance.add_dynamic_partitions(url_partitions.name, [url])
        result = dg.materialize([page_capture, mining_profiles], partition_key=url, instance=instance, resources=defs.resources,
                                run_config={"ops": {"mining_profiles": {"config": {"page_values": where}}}})
        assert result.success and Store(data / "store").read_records("seo_optimizer", [url]).num_rows == 1
        observed = [e.asset_observation_data.asset_observation for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION"]
        assert {o.asset_key.path[-1] for o in observed if o.partition is None} >= {"seo_optimizer", "schema_linker"}  # charts
        pages = {o.asset_key.path[-1]: o.metadata for o in observed if o.partition == url}
        mats = {m.asset_key.path[-1]: m.metadata for m in result.asset_materializations_for_node("mining_profiles")}
        assert "quality" not in mats["seo_optimizer"]
        if where == "observation":
            assert pages["seo_optimizer"]["title"].value and pages["schema_linker"]["link_count"].value >= 0
        else:
            assert not pages


def test_url_file_sensor_adds_partitions_and_requests_batched_runs(data):
    (data / "urls").mkdir(parents=True)
    lines = [f"http://shop.test/item/{i}" for i in range(120)] + ["http://shop.test/item/3", "not a url", "# comment"]
    (data / "urls" / "batch.txt").write_text("\n".join(lines) + "\n")
    from minedag.definitions import defs

    with dg.instance_for_test() as instance:
        ctx = dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def())
        result = url_file_sensor(ctx)
        assert len(result.dynamic_partitions_requests[0].partition_keys) == 120
        assert len(result.run_requests) == 3  # 120 URLs in batches of 50, not 120 runs
        first = result.run_requests[0].tags
        assert first["dagster/asset_partition_range_start"] == "http://shop.test/item/0"
        assert first["dagster/asset_partition_range_end"] == "http://shop.test/item/49"
        instance.add_dynamic_partitions(url_partitions.name, result.dynamic_partitions_requests[0].partition_keys)
        again = url_file_sensor(dg.build_sensor_context(instance=instance, cursor=result.cursor,
                                                        repository_def=defs.get_repository_def()))
        assert not again.run_requests and "no new URLs" in again.skip_reason.skip_message


def test_url_file_sensor_reads_by_position_rejects_bad_lines_and_survives_rewrites(data):
    from minedag.definitions import defs

    (data / "urls").mkdir(parents=True)
    path = data / "urls" / "feed.txt"
    path.write_bytes(b"\xef\xbb\xbfhttp://shop.test/a\nhttp://[2001:db8::1]/\nhttp://sh\x00op.test/\nhttp://shop.test/b\nhttp://shop.test/partial")
    with dg.instance_for_test() as instance:
        def tick(cursor):
            result = url_file_sensor(dg.build_sensor_context(instance=instance, cursor=cursor,
                                                             repository_def=defs.get_repository_def()))
            added = result.dynamic_partitions_requests[0].partition_keys if result.dynamic_partitions_requests else []
            instance.add_dynamic_partitions(url_partitions.name, added)
            return result.cursor, added

        cursor, added = tick(None)  # the NUL line is a reject; the line still being written waits
        assert added == ["http://shop.test/a", "http://[2001:db8::1]/", "http://shop.test/b"]
        with path.open("ab") as handle:
            handle.write(b"-done\n")
        cursor, added = tick(cursor)
        assert added == ["http://shop.test/partial-done"]
        path.write_text("http://shop.test/c\nhttp://shop.test/a\nhttp://shop.test/d\nhttp://shop.test/e\n"
                        "http://shop.test/f\nhttp://shop.test/g\nhttp://shop.test/h\n")  # rewritten: 6 new URLs
        cursor, added = tick(cursor)
        assert added == [f"http://shop.test/{c}" for c in "cdefgh"]
        cursor, added = tick(cursor)
        assert added == []
        assert len(instance.get_dynamic_partitions(url_partitions.name)) == 10  # each URL once


def test_definitions_load_cleanly():
    from minedag.definitions import defs

    dg.Definitions.validate_loadable(defs)  # what `dagster dev` checks: unique op and job names...
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {"page_capture", "profiles/seo_optimizer", "profiles/ux_pattern_analyzer", "campaigns/product_price",
            "crawl_frontier"} <= keys
    assert defs.resolve_job_def("mine") is not None


def test_cli_demo_end_to_end(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("http://shop.test/\nhttp://blog.test/about\nhttp://lab.test/image.png\n")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "MINEDAG_DATA": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-m", "minedag.cli", "demo", "--json", "--urls", str(urls)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    summary = json.loads(out.stdout)  # stdout is exactly one JSON object; progress went to stderr
    assert summary["captured"] == 2 and summary["failed"] == [{"url": "http://lab.test/image.png", "kind": "not_html",
                                                               "reason": "not HTML: image/png"}]
    assert summary["not_captured"] == 1 and summary["failed_by_kind"] == {"not_html": 1}
    assert summary["dagster_runs"]["mining_succeeded"] and summary["dagster_runs"]["bundle"] == 8
    # Two pages on two sites cannot make domain-disjoint splits: the blocking check holds every bundle back.
    assert summary["bundles"]["seo_optimization"]["latest"] is None and "seo_optimization" in summary["dagster_runs"]["bundles_not_published"]
    assert "pages captured: 3/3" in out.stderr and "training bundles built and checked: 8/8" in out.stderr
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:  # aggregated once, not once per bundle
        coverage = instance.fetch_materializations(dg.AssetKey("attribute_coverage"), limit=10).records
        assert len(coverage) == 1
    assert "\x1b[" not in out.stdout + out.stderr  # not a terminal: no colour codes, no live bars
    status = subprocess.run([sys.executable, "-m", "minedag.cli", "status", "--json"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    summary = json.loads(status.stdout)
    assert summary["captures"] == {"ok": 2, "failed": 1} and summary["records"]["seo_optimizer"] == 3


def test_cli_demo_that_captures_nothing_says_so_and_builds_no_bundle(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("http://127.0.0.1:9/\nhttp://10.1.2.3/\nhttp://169.254.169.254/latest/meta-data/\n")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "MINEDAG_DATA": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-m", "minedag.cli", "demo", "--urls", str(urls)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 1
    assert "0/3 captured, 3 refused" in out.stdout and "--allow-hosts" in out.stdout
    assert "none built: nothing was captured" in out.stdout and "Sample site" not in out.stdout
    assert not (tmp_path / "data" / "bundles").exists()


def test_every_cli_command_has_help():
    from minedag.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert sub.description, name
        assert subprocess.run([sys.executable, "-m", "minedag.cli", name, "--help"], capture_output=True, cwd=REPO).returncode == 0


def test_stale_remine_schedule_requests_the_stale_partitions_in_batches(data):
    from datetime import UTC, datetime

    from minedag.capture import PageCapture
    from minedag.defs.automation import stale_remine_schedule

    urls = [f"http://shop.test/p/{i}" for i in range(60)]
    store = Store(data / "store")
    for i, url in enumerate(urls):  # half were captured long ago, half yesterday
        when = "2026-01-01T00:00:00+00:00" if i % 2 == 0 else "2026-11-22T00:00:00+00:00"
        store.put_capture(PageCapture(url=url, ok=True, status=200, captured_at=when))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("urls", urls + ["http://shop.test/never-captured"])
        ctx = dg.build_schedule_context(instance=instance, scheduled_execution_time=datetime(2026, 11, 23, 3, tzinfo=UTC),
                                        resources={"store": StoreResource(root=str(data / "store"))})
        requests = list(stale_remine_schedule(ctx))
        order = instance.get_dynamic_partitions("urls")
    requested = set()
    for r in requests:
        start, end = r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"]
        requested |= set(order[order.index(start): order.index(end) + 1])
    # Every stale URL, in two runs of at most 50 partitions (not 31 runs of one): the fresh pages in between
    # are re-checked too, which costs them a 304.
    assert set(urls[::2]) | {"http://shop.test/never-captured"} <= requested and len(requests) == 2
    assert all(order.index(r.tags["dagster/asset_partition_range_end"]) - order.index(r.tags["dagster/asset_partition_range_start"]) < 50
               for r in requests)


def test_retry_sensor_backs_off_retries_transient_failures_and_gives_up_with_the_reason(data):
    from datetime import UTC, datetime, timedelta

    from minedag.capture import PageCapture
    from minedag.defs.automation import MAX_RETRIES, RETRY_BASE_MINUTES, retry_failed_sensor

    store = Store(data / "store")
    now = datetime.now(UTC)

    def fail(url: str, kind: str, minutes_ago: float) -> None:
        when = (now - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")
        store.put_capture(PageCapture(url=url, captured_at=when).fail(kind, f"{kind} on {url} at {when}"))

    flaky, fresh, pdf = "http://shop.test/flaky", "http://shop.test/just-failed", "http://lab.test/pdf"
    fail(flaky, "timeout", RETRY_BASE_MINUTES + 1)  # its back-off has passed
    fail(fresh, "crash", 1)  # still backing off
    fail(pdf, "not_html", 60)  # permanent: would fail the same way
    store.put_capture(PageCapture(url="http://shop.test/", ok=True, status=200, captured_at=now.isoformat()))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("urls", [flaky, "http://shop.test/", fresh, pdf])
        order = instance.get_dynamic_partitions("urls")

        def tick(cursor):
            return retry_failed_sensor(dg.build_sensor_context(instance=instance, cursor=cursor,
                                                               resources={"store": StoreResource(root=str(data / "store"))}))

        first = tick(None)
        (request,) = first.run_requests
        start, end = request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]
        assert start == end == flaky  # one batch; the crash waits, the PDF is never retried
        assert isinstance(tick(first.cursor), dg.SkipReason)  # the retry is queued: not requested twice
        cursor = first.cursor
        for retry in range(1, MAX_RETRIES):
            fail(flaky, "timeout", RETRY_BASE_MINUTES * 2**retry - 1)  # failed again, back-off doubled: not yet due
            assert isinstance(tick(cursor), dg.SkipReason)
            fail(flaky, "timeout", RETRY_BASE_MINUTES * 2**retry + 1)  # now due
            result = tick(cursor)
            assert [r.tags["dagster/asset_partition_range_start"] for r in result.run_requests] == [flaky]
            cursor = result.cursor
        fail(flaky, "timeout", 10_000)  # the last retry failed too: it stays failed, with its reason
        final = tick(cursor)
        assert isinstance(final, dg.SkipReason) and "1 given up" in final.skip_message
        assert store.latest(flaky).error.startswith("timeout on http://shop.test/flaky") and order.index(flaky) == 0


def test_a_new_profile_fills_its_partitions_from_stored_captures_by_automation():
    """A profile added to a running deployment: its first automation tick requests every partition whose capture
    exists, without a manual backfill; pages never captured are left alone."""
    from minedag.defs.profiles import build_profile_assets
    from minedag.profiles import get_profile

    captured, never = ["http://a.test/1", "http://a.test/2"], "http://a.test/not-yet"
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("urls", [*captured, never])
        for url in captured:
            for key in ("page_capture", "profiles/seo_optimizer"):
                instance.report_runless_asset_event(dg.AssetMaterialization(dg.AssetKey.from_user_string(key), partition=url))
        resources = {"browser": BrowserResource(), "store": StoreResource()}
        before = dg.Definitions(assets=[page_capture, build_profile_assets([get_profile("seo_optimizer")])], resources=resources)
        first = dg.evaluate_automation_conditions(defs=before, instance=instance)
        assert first.total_requested == 0  # everything there is already materialised
        after = dg.Definitions(assets=[page_capture, build_profile_assets([get_profile("seo_optimizer"),
                                                                           get_profile("content_extractor")])],
                               resources=resources)
        second = dg.evaluate_automation_conditions(defs=after, instance=instance, cursor=first.cursor)
        new = dg.AssetKey(["profiles", "content_extractor"])
        assert set(second.get_requested_partitions(new)) == set(captured)
        assert not second.get_requested_partitions(dg.AssetKey(["profiles", "seo_optimizer"]))


def test_auto_page_values_move_to_observations_above_the_partition_threshold():
    from minedag.defs.profiles import MATERIALIZATION_UP_TO, page_values_target

    with dg.instance_for_test() as instance:
        context = dg.build_asset_context(instance=instance)
        instance.add_dynamic_partitions(url_partitions.name, [f"http://shop.test/{i}" for i in range(MATERIALIZATION_UP_TO)])
        assert page_values_target(context, "auto") == "materialization"
        instance.add_dynamic_partitions(url_partitions.name, ["http://shop.test/one-more"])
        assert page_values_target(context, "auto") == "observation"
        assert page_values_target(context, "off") == "off"


def test_the_deployment_sets_the_page_values_default_for_daemon_runs_and_a_typo_is_a_clear_error():
    code = "from minedag.defs.profiles import ProfilesConfig; print(ProfilesConfig().page_values)"
    run = lambda value: subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,  # noqa: E731
                                       env={**os.environ, "MINEDAG_PAGE_VALUES": value})
    assert run("off").stdout.strip() == "off"
    typo = run("of")
    assert typo.returncode != 0 and "MINEDAG_PAGE_VALUES='of': use one of auto, materialization, observation, off" in typo.stderr


def test_the_deployment_sets_urls_per_mining_run_and_a_bad_value_is_a_clear_error():
    code = ("from minedag.definitions import defs; import dagster as dg; "
            "print(defs.resolve_assets_def(dg.AssetKey('page_capture')).backfill_policy.max_partitions_per_run)")
    run = lambda value: subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,  # noqa: E731
                                       env={**os.environ, "MINEDAG_BATCH": value})
    assert run("120").stdout.strip() == "120"
    bad = run("lots")
    assert bad.returncode != 0 and "MINEDAG_BATCH='lots': give a whole number of URLs per mining run" in bad.stderr
