"""The whole Dagster chain from kept captures, no browser: capture -> profiles -> aggregation -> a checked and
published bundle, in seconds (``SnapshotResource`` serves the golden captures as ``page_capture``'s pages)."""

import json

import dagster as dg

from minedag.bundles.publish import latest_version
from minedag.defs.aggregation import attribute_catalog, attribute_coverage, schema_links
from minedag.defs.bundles import published_bundle, training_bundle
from minedag.defs.capture import page_capture
from minedag.defs.jobs import mine_job
from minedag.defs.profiles import mining_profiles
from minedag.defs.resources import SnapshotResource, StoreResource
from minedag.mining import mine
from minedag.store import Store
from minedag_tests.goldens import GOLDEN_DIR, SAMPLE_GOLDENS


def test_kept_captures_run_the_whole_chain_to_a_published_bundle_without_a_browser(data):
    resources = {"browser": SnapshotResource(folder=str(GOLDEN_DIR)), "store": StoreResource(root=str(data / "store"))}
    defs = dg.Definitions(assets=[page_capture, mining_profiles], jobs=[mine_job], resources=resources)
    instance = dg.DagsterInstance.ephemeral()
    missing = "http://shop.test/never-kept"
    (run,) = mine(instance, [*SAMPLE_GOLDENS, missing], defs=defs)
    assert run.success
    store = Store(data / "store")
    assert store.latest(missing).error == f"no kept capture of {missing} in {GOLDEN_DIR}"  # failed with its reason
    assert len(store.read_records("ux_pattern_analyzer").to_pylist()) == len(SAMPLE_GOLDENS) + 1
    assert dg.materialize([attribute_coverage, schema_links, attribute_catalog], instance=instance, resources=resources).success
    for name in ("seo_optimization", "ux_pattern_recognition"):
        built = dg.materialize([training_bundle, published_bundle], partition_key=name, instance=instance, resources=resources)
        assert built.success
        version = latest_version(data / "bundles", name)
        manifest = json.loads((data / "bundles" / name / version / "manifest.json").read_text())
        assert manifest["counts"]["members"] >= 10 and all(c["passed"] for c in manifest["checks"])
        assert any(e["reason"].startswith("failed capture: no kept capture") for e in
                   map(json.loads, (data / "bundles" / name / version / "exclusions.jsonl").read_text().splitlines()))
