"""Deployment configs are checked with Dagster's own config validation: the Kubernetes instance
(dagster-k8s run launcher) and the per-step pod config, the Celery worker config, the PostgreSQL instance."""

from pathlib import Path

import dagster as dg
import yaml
from dagster._config import validate_config  # Dagster's own validator (what instance loading runs)
from dagster._core.instance.config import dagster_instance_config

REPO = Path(__file__).resolve().parents[1]


def _errors(result) -> list[str]:
    return [e.message for e in result.errors or []]


def test_kubernetes_instance_config_is_valid_for_dagster_k8s(monkeypatch):
    from dagster_k8s import K8sRunLauncher

    for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"):
        monkeypatch.setenv(name, "x")
    config, _ = dagster_instance_config(str(REPO / "deploy" / "k8s"))  # the whole dagster.yaml schema
    launcher = config["run_launcher"]
    assert launcher["class"] == "K8sRunLauncher"
    result = validate_config(K8sRunLauncher.config_type(), launcher["config"])
    assert result.success, _errors(result)
    bad = validate_config(K8sRunLauncher.config_type(), {**launcher["config"], "resources": {"request": {}}})
    assert not bad.success  # the check can fail: a misspelt key is caught


def test_per_step_pod_config_validates_against_the_k8s_job_executor():
    from dagster_k8s import k8s_job_executor

    from minedag.definitions import defs

    job = dg.define_asset_job("mine_k8s", selection=dg.AssetSelection.groups("capture", "profiles"), executor_def=k8s_job_executor)
    resolved = dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def("mine_k8s")
    run_config = yaml.safe_load((REPO / "deploy" / "k8s" / "run-k8s-executor.yaml").read_text())
    dg.validate_run_config(resolved, run_config)  # raises DagsterInvalidConfigError when wrong
    try:
        dg.validate_run_config(resolved, {"execution": {"config": {"max_concurent": 8}}})
    except dg.DagsterInvalidConfigError:
        pass
    else:
        raise AssertionError("a misspelt executor key was accepted")


def test_celery_worker_config_validates_against_the_celery_executor():
    from dagster_celery import celery_executor

    config = yaml.safe_load((REPO / "deploy" / "celery" / "celery.yaml").read_text())["execution"]["config"]
    result = validate_config(celery_executor.config_schema.config_type, config)
    assert result.success, _errors(result)
