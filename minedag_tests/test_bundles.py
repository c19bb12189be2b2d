"""Training bundles: deterministic versions, domain-disjoint splits, exclusions, checks that block publishing."""

import json
import os

import dagster as dg
import pandas as pd
import pyarrow as pa
import pytest

from minedag.bundles import build_bundle, latest_version
from minedag.bundles.build import split_by_domain
from minedag.bundles.links import aggregate_links
from minedag.bundles.overview import bundle_diff, diff_text
from minedag.functionalities import FUNCTIONALITIES, get_functionality
from minedag.profiles import all_profiles, extract_record
from minedag.store import Store
from minedag_tests.conftest import stored_records


@pytest.fixture()
def store(captures, tmp_path):
    """Records of every profile for the session's sample captures, in a fresh store."""
    return stored_records(captures, tmp_path / "store")


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
    assert {"url", "quality", "schema_linker__table_links"} <= set(train.columns)
    assert isinstance(train["schema_linker__table_links"].dropna().iloc[0][0], dict)  # objects, not JSON text
    jsonl = [json.loads(line) for line in (result.path / "jsonl" / "train.jsonl").read_text().splitlines()]
    assert sorted(r["url"] for r in jsonl) == sorted(train["url"])
    # Its declared targets are heuristics nobody measured on real pages yet: input columns, and no chat format.
    assert result.manifest["targets"] == [] and "schema_linker.table_links" in result.manifest["unmeasured_targets"]
    assert not (result.path / "chat").exists() and "no target to train on" in (result.path / "README.md").read_text()
    a11y = build_bundle(get_functionality("accessibility_improvement"), store, tmp_path)
    chat = json.loads((a11y.path / "chat" / "train.jsonl").read_text().splitlines()[0])
    assert [m["role"] for m in chat["messages"]] == ["system", "user", "assistant"]
    answer = json.loads(chat["messages"][2]["content"])
    assert isinstance(answer["accessibility_analyzer__violations"], list)  # encoded once, not JSON in JSON
    assert set(answer) == {"accessibility_analyzer__violation_rules", "accessibility_analyzer__violations",
                           "accessibility_analyzer__review_rules"}
    assert split_by_domain(["a", "b", "c", "d", "e"]) == split_by_domain(["e", "d", "c", "b", "a"])


def test_exclusions_are_kept_with_their_reason(store, tmp_path, options):
    from minedag.capture import PageCapture, capture_urls

    # A 404 and a PDF, captured; pages the guard or robots.txt refused are failed captures like these
    # (test_guard and test_politeness show them being refused).
    refused = [PageCapture(url=url, captured_at="2026-12-01T00:00:00+00:00").fail(kind, why)
               for url, kind, why in (("http://people.test/refused", "refused", "127.0.0.1 is not public"),
                                      ("http://people.test/robots", "robots", "disallowed by robots.txt"))]
    for cap in capture_urls(["http://app.test/missing", "http://lab.test/pdf"], options) + refused:
        capture_id = store.put_capture(cap)
        for profile in all_profiles().values():
            store.write_records(profile.name, [extract_record(profile, cap, capture_id)], profile.schema)
    result = build_bundle(get_functionality("seo_optimization"), store, tmp_path)
    excluded = [json.loads(line) for line in (result.path / "exclusions.jsonl").read_text().splitlines()]
    reasons = {e["url"]: e["reason"] for e in excluded}
    assert len(excluded) == result.manifest["counts"]["excluded"]
    assert result.manifest["counts"]["members"] + len(excluded) == result.manifest["counts"]["total_urls"]
    assert all(r.split(":")[0] in ("failed capture", "HTTP error", "below quality floor", "duplicate content of http")
               for r in reasons.values())
    assert reasons["http://people.test/refused"] == "failed capture: 127.0.0.1 is not public"
    assert reasons["http://people.test/robots"] == "failed capture: disallowed by robots.txt"
    assert reasons["http://lab.test/pdf"].startswith("failed capture: not HTML")
    assert reasons["http://app.test/missing"] == "HTTP error: 404"
    assert set(result.manifest["excluded_by_reason"]) <= {"failed capture", "HTTP error", "below quality floor",
                                                          "duplicate content"}
    members = pd.concat(pd.read_parquet(result.path / split) for split in ("train", "validation", "test"))
    constant = result.manifest["columns"]["constant_columns"]
    assert "ok" not in members and constant["ok"] is True  # only usable pages train: ok on every row, so left out
    assert (members["status"] < 400).all() if "status" in members else constant["status"] < 400
    readme = (result.path / "README.md").read_text()
    assert "split **by domain**" in readme and "seo_optimizer__word_count" in readme


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
                          jobs=[dg.define_asset_job(name, selection=dg.AssetSelection.groups(group), executor_def=dg.in_process_executor)
                                for name, group in (("aggregate", "aggregation"), ("bundle", "bundles"))],
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
        row["word_count"] = None
    store.write_records("seo_optimizer", rows, profile.schema)
    bad = build_bundles(instance, defs, ["seo_optimization"])["seo_optimization"]
    failed = {c.check_name for c in bad.get_asset_check_evaluations() if not c.passed}
    assert "required_attributes_present" in failed and not bad.success
    assert latest_version(bundles_dir(), "seo_optimization") == published
    versions = sorted(p.name for p in (bundles_dir() / "seo_optimization").iterdir() if not p.name.startswith(("latest", ".")))
    assert len(versions) == 2  # the failing version exists (immutable) but is not latest
    diff = bundle_diff(bundles_dir(), "seo_optimization", published, next(v for v in versions if v != published))
    assert diff["coverage_changes"]["seo_optimizer.word_count"]["to"] == 0.0
    counts = {url: c["seo_optimizer__word_count"] for url, c in diff["changed"].items() if "seo_optimizer__word_count" in c}
    before = pd.concat(pd.read_parquet(bundles_dir() / "seo_optimization" / published / s) for s in ("train", "validation", "test"))
    assert set(counts) == set(before.loc[before["seo_optimizer__word_count"].notna(), "url"]) - set(diff["removed"])
    assert counts and all(c["from"] and c["to"] is None for c in counts.values())  # value by value
    assert "seo_optimizer__word_count" in diff_text(diff) and "-> null" in diff_text(diff)
    assert os.readlink(bundles_dir() / "seo_optimization" / "latest") == published


def test_every_bundle_loads_with_hugging_face_datasets_as_typed_features(store, tmp_path, monkeypatch):
    """The issue's bar: load_dataset gives typed features (no JSON text, ints as ints, classes named, no dots),
    the card's front matter is what the Hub reads and points at files that exist."""
    import pyarrow.parquet as pq
    import yaml

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets  # an optional extra for users; `make test` installs it, so this never skips

    for f in FUNCTIONALITIES:
        result = build_bundle(f, store, tmp_path / "bundles")
        loaded = datasets.load_dataset("parquet", data_dir=str(result.path), cache_dir=str(tmp_path / "cache"))
        assert set(loaded) == {"train", "validation", "test"}
        assert loaded["train"].num_rows == result.manifest["counts"]["splits"]["train"]
        features = loaded["train"].features
        assert not [c for c in features if "." in c], f.name
        texts = [c for c, v in features.items() if isinstance(v, datasets.Value) and v.dtype == "string"]
        for column in texts:  # a string column holds text, never a JSON document
            values = [v for v in loaded["train"][column] if v]
            assert not any(v.lstrip().startswith(("{", "[")) for v in values), (f.name, column)
        for a in result.manifest["attributes"]:
            attr = f.attribute(a["name"])
            if a["column"] in result.manifest["columns"]["constant_columns"]:
                continue
            feature = features[a["column"]]
            if attr.classes:
                inner = feature.feature if isinstance(feature, datasets.List) else feature
                assert isinstance(inner, datasets.ClassLabel) and inner.names == list(attr.classes), (f.name, a["name"])
            elif attr.type == "int64":
                assert feature == datasets.Value("int64"), (f.name, a["name"], feature)
        assert result.manifest["columns"]["values_not_matching_their_type"] == {}, f.name

        card = (result.path / "README.md").read_text()
        meta = yaml.safe_load(card.split("---\n")[1])
        assert {"license", "task_categories", "size_categories", "configs", "dataset_info", "pretty_name"} <= set(meta)
        assert meta["task_categories"] and meta["size_categories"][0] == "n<1K"
        for data in meta["configs"][0]["data_files"]:
            assert list(result.path.glob(data["path"])), data
        assert datasets.Features._from_yaml_list(meta["dataset_info"]["features"]) == features
        schema = pq.read_schema(next((result.path / "train").glob("*.parquet")))
        assert datasets.Features.from_arrow_schema(schema) == features
        # The Hub's way too: the folder as a dataset repository, read through its card.
        as_repo = datasets.load_dataset(str(result.path), cache_dir=str(tmp_path / "cache-repo"))
        assert as_repo["test"].num_rows == result.manifest["counts"]["splits"]["test"]

    ux = pd.read_parquet(tmp_path / "bundles" / "ux_pattern_recognition" / latest_or_only(tmp_path, "ux_pattern_recognition") / "train")
    hierarchy = ux["ux_pattern_analyzer__visual_hierarchy"].dropna().iloc[0]
    assert set(hierarchy) == {"h1_is_largest_text", "heading_sizes"}  # pandas gets objects too


def latest_or_only(root, functionality):
    (version,) = [p.name for p in (root / "bundles" / functionality).iterdir() if not p.name.startswith(".")]
    return version


def test_split_ratios_are_asked_per_functionality_and_reported_honestly(store, tmp_path):
    import dataclasses

    sites = [f"site{i}.test" for i in range(200)]
    for ratios in ((0.8, 0.1, 0.1), (0.6, 0.2, 0.2), (0.9, 0.1, 0.0)):
        splits = split_by_domain(sites, ratios)
        for name, ratio in zip(("train", "validation", "test"), ratios, strict=True):
            share = sum(1 for s in splits.values() if s == name) / len(sites)
            assert abs(share - ratio) < 0.08, (ratios, name, share)
    assert split_by_domain(sites, (0.6, 0.2, 0.2)) == split_by_domain(list(reversed(sites)), (0.6, 0.2, 0.2))
    with pytest.raises(ValueError, match="sum"):
        dataclasses.replace(get_functionality("seo_optimization"), splits=(0.5, 0.2, 0.2))
    f = dataclasses.replace(get_functionality("seo_optimization"), splits=(0.5, 0.5, 0.0))
    result = build_bundle(f, store, tmp_path)
    assert result.manifest["counts"]["splits"]["test"] == 0 and result.manifest["split_ratios"]["test"] == 0.0
    assert "few sites" in result.manifest["split_note"]  # the sample site has 5: the card says the shares are off
    assert result.manifest["split_note"] in (result.path / "README.md").read_text()


def test_discovery_reads_coverage_and_samples_from_the_latest_bundle(store, tmp_path):
    from minedag.bundles import publish
    from minedag.discover import bundle_coverage

    result = build_bundle(get_functionality("seo_optimization"), store, tmp_path)
    assert bundle_coverage(tmp_path, "seo_optimization") == {}  # nothing published yet
    publish(tmp_path, "seo_optimization", result.version)
    coverage = bundle_coverage(tmp_path, "seo_optimization")
    words = coverage["seo_optimizer.word_count"]
    assert words["coverage"] == 1.0 and words["samples"] and words["source"] == f"bundle seo_optimization/{result.version}"


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


def test_a_build_clears_what_a_killed_build_left_and_spares_one_in_progress(store, tmp_path):
    import os
    import time

    folder = tmp_path / "seo_optimization"
    abandoned, running, stale_link = folder / ".0123456789abcdef.k1ll3d", folder / ".fedcba9876543210.busy", folder / ".latest.999"
    for path in (abandoned / "rows", running / "rows"):
        path.mkdir(parents=True)
    stale_link.symlink_to("nowhere")
    day_ago = time.time() - 86400
    for path in (abandoned, stale_link):
        os.utime(path, (day_ago, day_ago), follow_symlinks=False)
    result = build_bundle(get_functionality("seo_optimization"), store, tmp_path)
    assert not abandoned.exists() and not stale_link.is_symlink()
    assert running.exists()  # younger than an hour: perhaps another process is writing it
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [result.version]


def test_every_bundle_file_is_strict_json_and_integers_stay_integers(store, tmp_path):
    import pyarrow.parquet as pq

    from minedag.bundles import publish
    from minedag.bundles.publish import list_versions

    def no_constants(name):
        raise ValueError(f"{name} is not JSON")

    result = build_bundle(get_functionality("seo_optimization"), store, tmp_path)
    files = [p for p in result.path.rglob("*") if p.suffix in (".json", ".jsonl")]
    assert {p.name for p in files} >= {"manifest.json", "exclusions.jsonl", "train.jsonl"}
    for path in files:
        lines = path.read_text().splitlines() if path.suffix == ".jsonl" else [path.read_text()]
        for line in lines:
            json.loads(line, parse_constant=no_constants)
    schema = pq.read_schema(next((result.path / "train").glob("*.parquet")))
    constant = result.manifest["columns"]["constant_columns"]
    for column in ("seo_optimizer__word_count", "status", "quality"):
        if column in constant:  # one value on every row: left out, its value in the manifest
            assert isinstance(constant[column], int), (column, constant[column])
        else:
            assert schema.field(column).type == "int64", (column, schema.field(column).type)
    publish(tmp_path, "seo_optimization", result.version)
    assert [v for v, _ in list_versions(tmp_path, "seo_optimization")] == [result.version]  # not the latest link too


def test_re_mining_an_unchanged_site_gives_the_same_bundle_versions(site, data):
    from minedag.mining import mine
    from minedag_tests.test_dagster import local_defs

    urls = ["http://shop.test/", "http://shop.test/products/terra-mug", "http://blog.test/about",
            "http://people.test/users/ada", "http://app.test/missing", "http://lab.test/pdf"]
    instance, defs, store = dg.DagsterInstance.ephemeral(), local_defs(site, data), Store(data / "store")
    versions = []
    for _ in range(2):  # the 404 and the PDF are fetched again the second time; nothing a user gets changes
        (result,) = mine(instance, urls, defs=defs)
        assert result.success
        versions.append({f: build_bundle(get_functionality(f), store, data / "bundles").version
                         for f in ("seo_optimization", "workflow_prediction", "ux_pattern_recognition")})
    assert versions[0] == versions[1]


def test_diff_names_added_columns_and_says_nothing_changed_between_equal_rows(store, tmp_path):
    import dataclasses

    f = get_functionality("performance_optimization")
    narrow = dataclasses.replace(f, optional=tuple(q for q in f.optional if q != "performance_optimizer.layer_count"))
    before, after = build_bundle(narrow, store, tmp_path), build_bundle(f, store, tmp_path)
    diff = bundle_diff(tmp_path, f.name, before.version, after.version)
    assert diff["columns_added"] == ["performance_optimizer__layer_count"] and not diff["columns_removed"]
    assert diff["changed"] == {} and not diff["added"] and not diff["removed"]  # same rows: only a column more
    assert "column added: performance_optimizer__layer_count" in diff_text(diff)


def test_raw_material_by_option_screenshot_html_text_and_article(store, tmp_path, monkeypatch):
    import dataclasses
    import io

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets
    from PIL import Image

    ux = build_bundle(get_functionality("ux_pattern_recognition"), store, tmp_path / "bundles")  # screenshot by default
    loaded = datasets.load_dataset("parquet", data_dir=str(ux.path), cache_dir=str(tmp_path / "cache"))
    assert isinstance(loaded["train"].features["screenshot"], datasets.Image)
    assert loaded["train"][0]["screenshot"].size == (1280, 800)  # the viewport PNG, decoded
    seo = get_functionality("seo_optimization")
    seo_train = pd.read_parquet(build_bundle(seo, store, tmp_path / "bundles").path / "train")
    assert seo.raw == ("html",) and "html" in seo_train and "screenshot" not in seo_train  # what each asks for, no more

    rich = dataclasses.replace(seo, raw=("html", "text", "article"))  # more by option
    result = build_bundle(rich, store, tmp_path / "bundles")
    rows = pd.concat(pd.read_parquet(result.path / s) for s in ("train", "validation", "test")).set_index("url")
    post = rows.loc["http://blog.test/posts/accessible-forms"]
    assert "<html" in post["html"][:100].lower() and "Accessible forms in practice" in post["html"]  # rendered HTML
    assert "Accessible forms in practice" in post["content_extractor__main_text"]
    constant = result.manifest["columns"]["constant_columns"]
    assert post.get("content_extractor__language", constant.get("content_extractor__language")) == "en"  # all "en": constant
    assert post["content_extractor__author"]
    assert set(post["content_extractor__media"]) == {"images", "audio", "video"}  # a struct, not JSON text
    roles = {a["name"]: a["role"] for a in result.manifest["attributes"]}
    assert roles["content_extractor.main_text"] == "input"  # raw material is never a target
    assert Image.open(io.BytesIO(pq_first_screenshot(ux.path))).format == "PNG"  # pandas/pyarrow users get the PNG bytes
    with pytest.raises(ValueError, match="unknown raw material"):
        dataclasses.replace(seo, raw=("video",))


def pq_first_screenshot(path):
    import pyarrow.parquet as pq

    shots = [s for s in pq.read_table(path / "train", columns=["screenshot"]).column("screenshot").to_pylist() if s]
    return shots[0]["bytes"]


def test_near_duplicate_main_texts_are_excluded_with_the_page_they_copy(store, captures, tmp_path):
    import dataclasses

    from minedag.bundles.near_duplicates import near_duplicates

    original = captures["http://blog.test/posts/accessible-forms"]
    html = original.rendered_html.replace("Northwind", "Mirrorland")  # the same article in another site's template
    mirror = dataclasses.replace(original, url="http://mirror.test/forms", raw_html=html, rendered_html=html,
                                 content_hash="0" * 64, screenshot=None)
    capture_id = store.put_capture(mirror)
    for profile in all_profiles().values():
        store.write_records(profile.name, [extract_record(profile, mirror, capture_id)], profile.schema)
    f = get_functionality("seo_optimization")
    result = build_bundle(f, store, tmp_path)
    reasons = {e["url"]: e["reason"] for e in map(json.loads, (result.path / "exclusions.jsonl").read_text().splitlines())}
    assert reasons["http://mirror.test/forms"].startswith("near-duplicate text of http://blog.test/posts/accessible-forms")
    assert result.manifest["near_duplicates"]["excluded"] == 1 and result.manifest["excluded_by_reason"]["near-duplicate text"] == 1
    assert "http://blog.test/posts/accessible-forms" not in reasons  # the first of the group stays
    off = build_bundle(dataclasses.replace(f, near_duplicate_threshold=None), store, tmp_path)
    assert "http://mirror.test/forms" not in {json.loads(x)["url"] for x in (off.path / "exclusions.jsonl").read_text().splitlines()}

    words = "the quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill".split()
    long_text = " ".join(words * 5)
    other = " ".join(reversed(words * 5)) + " and something else entirely about rivers mountains and trains"
    found = near_duplicates({"b": long_text + " today", "a": long_text, "c": other, "d": "short"}, 0.9)
    assert set(found) == {"b"} and found["b"][0] == "a" and found["b"][1] >= 0.9  # "a" sorts first: it stays


def test_the_example_baseline_trains_on_the_bundles_and_beats_a_trivial_one(store, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "train_baseline.py"
    results = {}
    for f in FUNCTIONALITIES:
        bundle = build_bundle(f, store, tmp_path).path
        out = subprocess.run([sys.executable, str(example), str(bundle)], capture_output=True, text=True, timeout=300)
        results[f.name] = out.stdout + out.stderr
        assert out.returncode == 0 or any(why in out.stderr for why in ("this tabular baseline does not apply",
                                                                        "no measured target yet", "not enough rows with")), results[f.name]
    assert any("-> beats the trivial baseline" in text for text in results.values()), results
    assert "predict performance_optimizer__" in results["performance_optimization"]  # inputs and a declared target only


def test_a_leaking_configuration_is_refused_and_the_registered_ones_do_not_leak(store, tmp_path):
    import dataclasses

    from minedag.bundles.build import LeakingConfiguration

    assert {f.name: f.leaks() for f in FUNCTIONALITIES} == {f.name: [] for f in FUNCTIONALITIES}
    ux = get_functionality("ux_pattern_recognition")
    leaking = dataclasses.replace(ux, optional=(*ux.optional, "ux_pattern_analyzer.dark_pattern_count"))
    with pytest.raises(LeakingConfiguration, match="dark_pattern_count <-> ux_pattern_analyzer.dark_patterns"):
        build_bundle(leaking, store, tmp_path)
    assert not (tmp_path / ux.name).exists()  # refused before anything was written


def test_the_leak_check_finds_an_input_that_alone_determines_a_target():
    from minedag.bundles.checks import inputs_that_predict_a_target

    kinds = ["article", "product", "home"] * 10
    rows = pd.DataFrame({"site": [f"site{i % 5}.test" for i in range(30)],
                         "template": [f"tpl-{k}" for k in kinds],  # one template per page type on every site: a leak
                         "words": [100 + i for i in range(30)],  # unique per row: a lookup table, not evidence
                         "lang": ["en", "de"] * 15, "page_type": kinds})
    assert inputs_that_predict_a_target(rows, ["template", "words", "lang"], ["page_type"]) == ["template -> page_type"]
    assert inputs_that_predict_a_target(rows.head(12), ["template"], ["page_type"]) == []  # too few rows to tell
    per_site = rows.assign(site=[f"site-{k}" for k in kinds])  # each template on one site only: the site, not a leak
    assert inputs_that_predict_a_target(per_site, ["template"], ["page_type"]) == []


def test_a_page_missing_one_profiles_record_is_excluded_with_the_reason_not_a_crash(tmp_path):
    """A quarantined batch leaves holes: pandas turns them into NaN through the outer join; the build names them."""
    import pyarrow.compute as pc

    from minedag_tests.goldens import golden_captures

    store = stored_records(golden_captures(), tmp_path / "store")
    seo = get_functionality("seo_optimization")
    holes = sorted(store.read_records("seo_optimizer").column("url").to_pylist())[:3]
    table = store.read_records("seo_optimizer")
    for path in (tmp_path / "store" / "records" / "seo_optimizer").glob("*.parquet"):
        path.unlink()
    store.write_records("seo_optimizer", table.filter(pc.invert(pc.is_in(table["url"], value_set=pa.array(holes)))).to_pylist(),
                        all_profiles()["seo_optimizer"].schema)
    result = build_bundle(seo, store, tmp_path / "bundles")
    excluded = {json.loads(line)["url"]: json.loads(line)["reason"]
                for line in (result.path / "exclusions.jsonl").read_text().splitlines()}
    for url in holes:
        assert excluded[url].startswith("missing record: seo_optimizer"), excluded[url]
    members = pd.read_parquet(result.path / "train").url.tolist() if (result.path / "train").is_dir() else []
    assert not set(holes) & set(members) and result.manifest["counts"]["excluded"] >= 3


def test_the_leak_check_ignores_chance_collisions_of_near_unique_inputs():
    """As on 167 real articles: a near-unique input and a target that is one class on almost every row."""
    from minedag.bundles.checks import inputs_that_predict_a_target

    n = 167
    kinds = ["article"] * 159 + ["listing"] * 8
    fold = [f"{i % 122}" for i in range(159)] + [f"x{i}" for i in range(8)]  # 130 distinct values in 167 rows
    rows = pd.DataFrame({"site": [f"site{i % 40}.test" for i in range(n)], "above_the_fold": fold, "page_type": kinds})
    groups = rows.groupby("above_the_fold")
    assert rows["above_the_fold"].nunique() == 130 and groups["page_type"].nunique().max() == 1  # "determined"...
    assert (groups["site"].nunique() >= 2).sum() >= 2  # ... across sites: what the check used to call a leak
    assert inputs_that_predict_a_target(rows, ["above_the_fold"], ["page_type"]) == []
    # The same shape with a real derivation still holds a bundle back.
    derived = rows.assign(page_type=[["article", "listing", "product"][i % 3] for i in range(n)],
                          template=[f"tpl-{i % 3}" for i in range(n)])
    assert inputs_that_predict_a_target(derived, ["template"], ["page_type"]) == ["template -> page_type"]


def test_the_card_loads_the_bundle_by_its_version_never_by_latest(tmp_path):
    """`datasets` caches on the path: a card that said "latest" served the previous version's rows after a publish."""
    from minedag_tests.goldens import golden_captures

    store = stored_records(golden_captures(), tmp_path / "store")
    result = build_bundle(get_functionality("seo_optimization"), store, tmp_path / "bundles")
    card = (result.path / "README.md").read_text()
    assert f'data_dir="seo_optimization/{result.version}"' in card
    assert "load_dataset(\"parquet\", data_dir=\".\")" not in card and "/latest" not in card
