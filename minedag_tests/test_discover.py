"""The functionality registry and discovery from plain-words prompts."""

import json
import subprocess
import sys

import pytest

from minedag.discover import DiscoveryError, discover, rank
from minedag.evaluation import gate
from minedag.evaluation.discover_eval import evaluate, load_prompts
from minedag.functionalities import FUNCTIONALITIES, functionalities, validate
from minedag.profiles import all_profiles

NAMES = {"seo_optimization", "component_generation", "workflow_prediction", "accessibility_improvement",
         "ux_pattern_recognition", "schema_relationship_learning", "performance_optimization", "design_system_extraction"}


def test_registry_names_eight_functionalities_whose_attributes_all_exist():
    assert set(functionalities()) == NAMES
    validate()
    profiles = all_profiles()
    for f in FUNCTIONALITIES:
        assert set(f.model_types) <= set(profiles)
        for qualified in f.attributes:
            profile, attr = qualified.split(".")
            assert attr in {a.name for a in profiles[profile].attributes}, qualified


def test_discovery_meets_its_pinned_floor_on_at_least_60_prompts():
    assert len(load_prompts()) >= 60
    report = evaluate()
    assert not gate.check({k: v for k, v in report.items() if k.startswith("discover_")}), report["misses"]


def test_seo_prompt_lists_attributes_with_types_descriptions_and_coverage():
    answer = discover("what should I collect to train an SEO model?", coverage={"seo_optimizer.word_count": {"coverage": 0.5, "samples": ["212"]}})
    best = answer["functionalities"][0]
    assert best["name"] == "seo_optimization" and answer["custom"] is False
    words = next(a for a in best["attributes"] if a["name"] == "seo_optimizer.word_count")
    assert words["type"] == "int64" and words["coverage"] == 0.5 and words["samples"] == ["212"] and words["required"]
    assert "required input" in words["why"]
    other = next(a for a in best["attributes"] if a["name"] == "seo_optimizer.mobile_friendly")
    assert other["coverage"] is None and other["status"] == "not mined yet"


def test_a_multi_goal_prompt_gets_a_custom_attribute_list():
    answer = discover("train a model to spot dark patterns in checkout flows", coverage={})
    assert answer["custom"] is True
    names = [a["name"] for a in answer["custom_attributes"]]
    assert "ux_pattern_analyzer.dark_patterns" in names and any(n.startswith("workflow_predictor.") for n in names)


@pytest.mark.parametrize("prompt, message", [("", "empty"), ("   ", "empty"), ("xyzzy plugh frobnicate", "unknown"), ("xyzzy", "matches"),
                                             ("wie trainiere ich ein Modell für Barrierefreiheit", "English"),
                                             ("日本語でアクセシビリティ", "English")])
def test_unusable_prompts_get_a_clear_message(prompt, message):
    with pytest.raises(DiscoveryError, match=message):
        rank(prompt)


def test_typos_are_tolerated():
    assert rank("acessibilty for blnd users")[0][0] == "accessibility_improvement"


def test_cli_discover_json_is_one_object_ranked_best_first():
    out = subprocess.run([sys.executable, "-m", "minedag.cli", "discover", "make my pages load faster", "--json"],
                         capture_output=True, text=True, timeout=120)
    answer = json.loads(out.stdout)
    assert set(answer) >= {"prompt", "functionalities", "custom"}
    scores = [f["score"] for f in answer["functionalities"]]
    assert scores == sorted(scores, reverse=True) and answer["functionalities"][0]["name"] == "performance_optimization"
    assert {"name", "type", "description", "coverage"} <= set(answer["functionalities"][0]["attributes"][0])
