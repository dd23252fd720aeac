"""`mlflow run` of a local MLproject with parameters (env_manager=local) against Flowgate: the project's runs
carry the parameters, metrics, project tags and a model, and the same parameters reproduce the same metrics."""
import os
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).parent / "fixtures" / "mlproject"


@pytest.fixture()
def project_env(tracking_uri, monkeypatch):
    # env_manager=local runs the entry point's `python` from PATH: the test's own venv.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return tracking_uri


def _run(params):
    import mlflow

    submitted = mlflow.projects.run(str(PROJECT), parameters=params, env_manager="local",
                                    experiment_name="mlproject-compat", synchronous=True)
    assert submitted.get_status() == "FINISHED"
    return mlflow.MlflowClient().get_run(submitted.run_id)


def test_mlflow_run_records_parameters_metrics_project_tags_and_model(project_env):
    from mlflow import MlflowClient

    run = _run({"n_estimators": 12, "max_depth": 4})
    assert run.info.status == "FINISHED"
    assert run.data.params == {"n_estimators": "12", "max_depth": "4", "seed": "1"}
    assert set(run.data.metrics) == {"train_accuracy", "test_accuracy"}
    assert run.data.tags["mlflow.project.entryPoint"] == "main"
    assert run.data.tags["mlflow.source.type"] == "PROJECT"
    history = MlflowClient().get_metric_history(run.info.run_id, "train_accuracy")
    assert [m.step for m in history] == [1, 2, 3]
    model_dirs = [f.path for f in MlflowClient().list_artifacts(run.info.run_id)]
    if not model_dirs:  # 3.x logs the model as a logged model of the run
        model_dirs = [o.model_id for o in run.outputs.model_outputs]
    assert model_dirs


def test_the_same_parameters_reproduce_the_same_metrics(project_env):
    first = _run({"n_estimators": 8, "max_depth": 3, "seed": 7})
    second = _run({"n_estimators": 8, "max_depth": 3, "seed": 7})
    other = _run({"n_estimators": 8, "max_depth": 3, "seed": 8})
    assert first.info.run_id != second.info.run_id
    assert first.data.metrics == second.data.metrics
    assert first.data.params == second.data.params
    assert other.data.params["seed"] == "8"
