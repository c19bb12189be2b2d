"""Labels a model can trust: confidence measured by site-grouped cross-validation, abstention, and labels people
correct (imported with provenance, used first by the next bundle, the least sure exported for review)."""

import json

import pytest

from minedag.bundles import build_bundle
from minedag.bundles.labels import BadLabels, human_labels, import_labels, review_queue
from minedag.cli import main
from minedag.evaluation.confidence import (
    JUDGES,
    Judged,
    cross_validate,
    fit,
    folds_by_site,
    measure,
    policy_for,
)
from minedag.functionalities import get_functionality
from minedag.store import Store
from minedag_tests.conftest import stored_records
from minedag_tests.goldens import golden_captures

UX = "ux_pattern_recognition"


def judged(sites: int, basis: str, right_every: int) -> list[Judged]:
    """One label per site with ``basis``, right except every ``right_every``-th (0: always right)."""
    return [Judged(f"{basis}{i}.example", ((basis, not (right_every and i % right_every == 0)),)) for i in range(sites)]


def test_a_rule_right_on_other_sites_is_kept_and_a_coin_toss_abstains():
    items = judged(40, "declared", 0) + judged(40, "guess", 2)
    policy = fit(items)
    assert policy.keeps(("declared",)) and not policy.keeps(("guess",))
    assert not policy.keeps(("never-seen",))  # a rule no labelled page showed is not trusted
    assert measure(policy, items) == {"precision": 1.0, "coverage": 0.5, "pages": 80}
    cv = cross_validate(items)
    assert cv["precision"] == 1.0 and cv["coverage"] == 0.5


def test_cross_validation_never_splits_a_site_and_scores_what_was_not_fitted():
    # One site whose three pages are all wrong with a rule right on 30 other sites. Fitted on every fold that holds
    # that site, the rule misses the goal (27/30 < 0.95) and abstains; fitted without it, the rule is kept and the
    # site's pages, unseen, lower the precision of the fold they are scored in.
    items = judged(30, "rule", 0) + [Judged("bad.example", (("rule", False),)) for _ in range(3)]
    folds = folds_by_site([j.site for j in items])
    held_out = [j for j in items if folds[j.site] == folds["bad.example"]]
    assert sum(j.site == "bad.example" for j in held_out) == 3  # a site is never split
    assert measure(fit(items), items)["coverage"] == 0.0  # tuned on all pages: not sure enough anywhere
    cv = cross_validate(items)
    assert cv["coverage"] == round(len(held_out) / 33, 4)
    assert cv["precision"] == round((len(held_out) - 3) / len(held_out), 4)


def test_a_list_label_is_as_sure_as_its_least_sure_class():
    judge = JUDGES["ux_pattern_analyzer.overlays"]
    assert judge.bases(["cookie-banner"]) == ("cookie-banner:fired", "modal:silent")
    items = [Judged(f"s{i}", (("cookie-banner:fired", True), ("modal:silent", True))) for i in range(30)]
    items += [Judged(f"t{i}", (("cookie-banner:silent", True), ("modal:fired", i % 2 == 0))) for i in range(30)]
    policy = fit(items)
    assert policy.keeps(("cookie-banner:fired", "modal:silent")) and not policy.keeps(("cookie-banner:silent", "modal:fired"))


@pytest.fixture()
def store(tmp_path):
    return stored_records(golden_captures(), tmp_path / "store")


def rows(result) -> dict[str, dict]:
    """url -> the bundle's row, as written (class labels as their indexes, nulls as None)."""
    import pyarrow.parquet as pq

    return {r["url"]: r for s in ("train", "validation", "test") if (result.path / s).is_dir()
            for r in pq.read_table(result.path / s).to_pylist()}


def test_human_labels_win_in_the_next_bundle_and_say_whose_they_are(store, tmp_path):
    ux = get_functionality(UX)
    before = build_bundle(ux, store, tmp_path / "bundles")
    url, other = sorted(rows(before))[:2]
    labels = tmp_path / "reviewed.csv"
    labels.write_text("url,target,value\n"
                      f"{url},ux_pattern_analyzer.page_type,listing\n"
                      f"{other},ux_pattern_analyzer.overlays,cookie-banner|modal\n")
    assert import_labels(store, labels) == {"imported": 2, "replaced": 0, "total": 2}
    after = build_bundle(ux, store, tmp_path / "bundles")
    assert after.version != before.version  # the rows changed: a new version
    second = rows(after)
    classes = {a["name"]: a["classes"] for a in after.manifest["attributes"]}
    assert classes["ux_pattern_analyzer.page_type"][second[url]["ux_pattern_analyzer__page_type"]] == "listing"
    assert second[url]["label_sources"]["ux_pattern_analyzer__page_type"] == "human"
    overlays = [classes["ux_pattern_analyzer.overlays"][i] for i in second[other]["ux_pattern_analyzer__overlays"]]
    assert sorted(overlays) == ["cookie-banner", "modal"]
    assert second[other]["label_sources"]["ux_pattern_analyzer__overlays"] == "human"
    account = after.manifest["labels"]
    assert account["ux_pattern_analyzer.page_type"]["human"] == 1 and account["ux_pattern_analyzer.overlays"]["human"] == 1
    assert "`ux_pattern_analyzer.page_type` | 1 |" in (after.path / "README.md").read_text()
    # A later label of the same page and target replaces the earlier; the stored file stays one line per pair.
    labels.write_text(f"url,target,value\n{url},ux_pattern_analyzer.page_type,docs\n")
    assert import_labels(store, labels)["replaced"] == 1
    assert human_labels(store)[url, "ux_pattern_analyzer.page_type"]["value"] == "docs"


def test_heuristic_labels_are_kept_only_where_their_confidence_reaches_the_threshold(store, tmp_path):
    ux = get_functionality(UX)
    result = build_bundle(ux, store, tmp_path / "bundles")
    records = {r["url"]: r for r in store.read_records("ux_pattern_analyzer").to_pylist()}
    policy = policy_for("ux_pattern_analyzer.page_type")
    assert policy is not None, "minedag eval --corpus ../shared/corpus --pin writes evaluation/confidence.json"
    kept = abstained = 0
    for url, row in rows(result).items():
        source = row["label_sources"]["ux_pattern_analyzer__page_type"]
        sure = policy.keeps((records[url]["page_type_basis"],))
        assert source == ("heuristic" if sure else "abstained"), (url, records[url]["page_type_basis"])
        assert (row["ux_pattern_analyzer__page_type"] is None) == (not sure)
        kept, abstained = kept + sure, abstained + (not sure)
    assert kept and abstained  # the sample site has pages of both kinds: the check above saw each
    assert result.manifest["labels"]["ux_pattern_analyzer.page_type"].get("heuristic", 0) == kept
    assert result.manifest["labels"]["ux_pattern_analyzer.page_type"].get("abstained", 0) == abstained
    chat = [json.loads(line) for s in ("train", "validation", "test") for line in (result.path / "chat" / f"{s}.jsonl").read_text().splitlines()]
    answers = [json.loads(c["messages"][-1]["content"]) for c in chat]
    assert all(any(v is not None for v in a.values()) for a in answers)  # no example without any answer


def test_a_bad_label_file_is_refused_whole_naming_each_line(store, tmp_path):
    labels = tmp_path / "bad.csv"
    url = sorted(golden_captures())[0]
    labels.write_text("url,target,value\n"
                      f"{url},ux_pattern_analyzer.page_type,article\n"
                      f"{url},ux_pattern_analyzer.page_kind,article\n"
                      f"{url},ux_pattern_analyzer.page_type,blog\n"
                      f"not a url,ux_pattern_analyzer.page_type,article\n")
    with pytest.raises(BadLabels) as caught:
        import_labels(store, labels)
    message = str(caught.value)
    assert "line 3: unknown target 'ux_pattern_analyzer.page_kind'" in message
    assert "line 4: ['blog'] not among" in message and "line 5:" in message and "line 2" not in message
    assert human_labels(store) == {}  # nothing of it was imported
    labels.write_text("address,label\nx,y\n")
    with pytest.raises(BadLabels, match="columns url, target, value"):
        import_labels(store, labels)


def test_export_writes_the_least_sure_labels_first_and_imports_back(store, tmp_path, monkeypatch):
    monkeypatch.setenv("MINEDAG_DATA", str(tmp_path))  # the CLI's store is <data>/store: the fixture's
    queue = tmp_path / "review.jsonl"
    assert main(["labels", "export", str(queue), "--target", "ux_pattern_analyzer.page_type"]) == 0
    exported = [json.loads(line) for line in queue.read_text().splitlines()]
    assert len(exported) == len(golden_captures())
    assert [r["confidence"] for r in exported] == sorted(r["confidence"] for r in exported)
    assert exported == review_queue(Store(tmp_path / "store"), ["ux_pattern_analyzer.page_type"])
    assert main(["labels", "import", str(queue)]) == 0  # the export is itself an importable file
    assert len(human_labels(store)) == len(exported)
    assert review_queue(store, ["ux_pattern_analyzer.page_type"]) == []  # reviewed pages leave the queue
    assert main(["labels", "export", str(queue), "--target", "seo_optimizer.seo_audits"]) == 2  # no confidence there
