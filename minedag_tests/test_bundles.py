"""Training bundles: deterministic versions, domain-disjoint splits, exclusions, checks that block publishing."""

import json
import os

import dagster as dg
import pandas as pd
import pytest

from minedag.bundles import build_bundle, latest_version
from minedag.bundles.build import split_by_domain
from minedag.bundles.inspect import bundle_diff
from minedag.bundles.links import aggregate_links
from minedag.functionalities import get_functionality
from minedag.profiles import all_profiles, extract_record
from minedag.profiles.page import PageView
from minedag.store import Store


@pytest.fixture()
def store(captures, tmp_path):
    """Records of every profile for the session's sample captures, in a fresh store."""
    target = Store(tmp_path / "store")
    for cap in captures.values():
        capture_id = target.put_capture(cap)
        view = PageView(cap)
        for profile in all_profiles().values():
            target.write_records(profile.name, [extract_record(profile, cap, capture_id, view=view)], profile.schema)
    return target


def files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_inputs_give_the_same_version_and_byte_identical_files(store, tmp_path):
    f = get_functionality("seo_optimization")
    first = build_bundle(f, store, tmp_path / "a")
    again = build_bundle(f, store, tmp_path / "a")
    elsewhere = build_bundle(f, store, tmp_path / "b")
    assert first.created and not again.created and first.version == again.version == elsewhere.version
    assert files(first.path) == files(elsewhere.path)
    assert sorted(p.name for p in (tmp_path / "a" / f.name).iterdir()) == [first.version]  # nothing new written


def test_splits_are_disjoint_by_domain_and_rows_load_with_pandas(store, tmp_path):
    result = build_bundle(get_functionality("schema_relationship_learning"), store, tmp_path)
    sites = {split: set(pd.read_parquet(result.path / split)["site"]) for split in ("train", "validation", "test")}
    assert all(sites.values())
    assert not (sites["train"] & sites["validation"]) and not (sites["train"] & sites["test"]) and not (sites["validation"] & sites["test"])
    train = pd.read_parquet(result.path / "train")
    assert {"url", "quality", "schema_linker.table_links"} <= set(train.columns)
    jsonl = [json.loads(line) for line in (result.path / "jsonl" / "train.jsonl").read_text().splitlines()]
    assert sorted(r["url"] for r in jsonl) == sorted(train["url"])
    chat = json.loads((result.path / "chat" / "train.jsonl").read_text().splitlines()[0])
    assert [m["role"] for m in chat["messages"]] == ["system", "user", "assistant"]
    assert "schema_linker.table_links" in json.loads(chat["messages"][2]["content"])
    assert split_by_domain(["a", "b", "c", "d", "e"]) == split_by_domain(["e", "d", "c", "b", "a"])


def test_exclusions_are_kept_with_their_reason(store, tmp_path):
    result = build_bundle(get_functionality("seo_optimization"), store, tmp_path)
    excluded = [json.loads(line) for line in (result.path / "exclusions.jsonl").read_text().splitlines()]
    reasons = {e["url"]: e["reason"] for e in excluded}
    assert len(excluded) == result.manifest["counts"]["excluded"]
    assert result.manifest["counts"]["members"] + len(excluded) == result.manifest["counts"]["total_urls"]
    assert all(r.split(":")[0] in ("failed capture", "below quality floor", "duplicate content of http") for r in reasons.values())
    readme = (result.path / "README.md").read_text()
    assert "split **by domain**" in readme and "seo_optimizer.title" in readme


def test_schema_links_found_on_the_sample_sites_data_ids(store):
    agg = aggregate_links(store)
    links = {(x["attribute"], x["table"]): x for x in agg["links"]}
    assert links[("data-user-id", "users")]["confidence"] == 0.9 and links[("data-user-id", "users")]["occurrences"] > 5
    assert links[("data-product-id", "products")]["confidence"] == 0.9
    assert links[("data-order-id", "orders")]["confidence"] == 0.9
    rels = {(r["type"], r["from"], r["to"]) for r in agg["relationships"]}
    assert ("contained-in", "comments", "posts") in rels and ("linked-to", "orders", "users") in rels
    pattern = next(p for p in agg["patterns"] if p["pattern"] == "data-{entity}-id")
    assert pattern["confidence"] > 0.9 and pattern["entities"] >= 4
    assert {"type": "Person", "table": "users"} .items() <= next(s for s in agg["schema_org"] if s["type"] == "Person").items()


def test_a_failing_blocking_check_keeps_latest_where_it_was(store, tmp_path, monkeypatch):
    monkeypatch.setenv("MINEDAG_DATA", str(tmp_path / "data"))
    from minedag.defs.aggregation import attribute_catalog, attribute_coverage, schema_links
    from minedag.defs.bundles import published_bundle, training_bundle
    from minedag.defs.resources import StoreResource
    from minedag.mining import build_bundles
    from minedag.settings import bundles_dir

    defs = dg.Definitions(assets=[attribute_coverage, schema_links, attribute_catalog, training_bundle, published_bundle],
                          jobs=[dg.define_asset_job("bundle", selection=dg.AssetSelection.groups("aggregation", "bundles"),
                                                    executor_def=dg.in_process_executor)],
                          resources={"store": StoreResource(root=str(store.root))})
    instance = dg.DagsterInstance.ephemeral()
    good = build_bundles(instance, defs, ["seo_optimization"])["seo_optimization"]
    assert good.success
    published = latest_version(bundles_dir(), "seo_optimization")
    assert published and all(c.passed for c in good.get_asset_check_evaluations())
    # Break a required attribute on most pages: the coverage check must fail and block publishing.
    profile = all_profiles()["seo_optimizer"]
    rows = store.read_records("seo_optimizer").to_pylist()
    for row in rows:
        row["title"] = None
    store.write_records("seo_optimizer", rows, profile.schema)
    bad = build_bundles(instance, defs, ["seo_optimization"])["seo_optimization"]
    failed = {c.check_name for c in bad.get_asset_check_evaluations() if not c.passed}
    assert "required_attributes_present" in failed and not bad.success
    assert latest_version(bundles_dir(), "seo_optimization") == published
    versions = sorted(p.name for p in (bundles_dir() / "seo_optimization").iterdir() if not p.name.startswith(("latest", ".")))
    assert len(versions) == 2  # the failing version exists (immutable) but is not latest
    diff = bundle_diff(bundles_dir(), "seo_optimization", published, next(v for v in versions if v != published))
    assert diff["coverage_changes"]["seo_optimizer.title"]["to"] == 0.0
    assert os.readlink(bundles_dir() / "seo_optimization" / "latest") == published


def test_a_bundle_loads_with_hugging_face_datasets(store, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets  # an optional extra for users; `make test` installs it, so this never skips
    result = build_bundle(get_functionality("ux_pattern_recognition"), store, tmp_path / "bundles")
    loaded = datasets.load_dataset("parquet", data_dir=str(result.path), cache_dir=str(tmp_path / "cache"))
    assert set(loaded) == {"train", "validation", "test"}
    assert loaded["train"].num_rows == result.manifest["counts"]["splits"]["train"]
    assert "ux_pattern_analyzer.dark_patterns" in loaded["train"].column_names


def test_discovery_reads_coverage_and_samples_from_the_latest_bundle(store, tmp_path):
    from minedag.bundles import publish
    from minedag.discover import bundle_coverage

    result = build_bundle(get_functionality("seo_optimization"), store, tmp_path)
    assert bundle_coverage(tmp_path, "seo_optimization") == {}  # nothing published yet
    publish(tmp_path, "seo_optimization", result.version)
    coverage = bundle_coverage(tmp_path, "seo_optimization")
    title = coverage["seo_optimizer.title"]
    assert title["coverage"] == 1.0 and title["samples"] and title["source"] == f"bundle seo_optimization/{result.version}"


def test_attribute_coverage_has_distributions_and_samples(store):
    from minedag.attribute_stats import attribute_stats

    stats = attribute_stats(store)
    words = stats["seo_optimizer.word_count"]
    assert words["coverage"] == 1.0 and words["distribution"]["kind"] == "histogram"
    assert sum(words["distribution"]["counts"]) == words["present"]
    rules = stats["accessibility_analyzer.violation_rules"]["distribution"]
    assert rules["kind"] == "top_values" and "color-contrast" in [v["value"] for v in rules["values"]]
    assert stats["seo_optimizer.title"]["samples"]


def test_manifest_names_the_browser_and_axe_versions(store, tmp_path):
    manifest = build_bundle(get_functionality("accessibility_improvement"), store, tmp_path).manifest
    assert manifest["software"]["chromium"] and manifest["software"]["axe_core"].startswith("4.")
    assert manifest["created_at"] == manifest["data_as_of"]


def test_bundle_carries_coverage_and_quality_plots_that_the_card_shows(store, tmp_path):
    from PIL import Image

    result = build_bundle(get_functionality("accessibility_improvement"), store, tmp_path)
    for name in ("coverage", "quality"):
        with Image.open(result.path / "plots" / f"{name}.png") as png:
            assert png.format == "PNG" and png.width > 300 and png.height > 100
        assert f"(plots/{name}.png)" in (result.path / "README.md").read_text()
