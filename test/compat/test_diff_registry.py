"""The model registry answers as MLflow's own server does: each scenario runs against a real `mlflow server`
and against Flowgate, and the answers must agree (ids and timestamps aside; see differential.py)."""
import pytest

from conftest import MLFLOW_MAJOR


def _run(c, exp_key="exp"):
    exp = c.post("experiments/create", {"name": c.name(exp_key)})["experiment_id"]
    return c.post("runs/create", {"experiment_id": exp, "run_name": "r", "start_time": 1})["run"]["info"]["run_id"]


def _model(c, key="model"):
    c.post("registered-models/create", {"name": c.name(key)})
    return c.name(key)


GHOST_RUN = "0123456789abcdef0123456789abcdef"


def _source(c, run):
    """A source every MLflow version accepts: the request's own run, by reference."""
    return {"source": f"runs:/{run}/model", "run_id": run}


def test_a_runs_source_is_stored_as_sent_even_when_the_run_does_not_exist(mlflow_pair):
    def scenario(c):
        name = _model(c)
        c.post("model-versions/create", {"name": name, "source": f"runs:/{GHOST_RUN}/model", "run_id": GHOST_RUN})
        c.get("model-versions/get", {"name": name, "version": "1"})
        c.get("model-versions/get-download-uri", {"name": name, "version": "1"})

    mlflow_pair.assert_same(scenario)


def test_a_runs_source_that_is_not_the_request_run_is_a_reference_too(mlflow_pair):
    """MLflow 2 stores these as sent, and so does Flowgate; MLflow 3.17 refuses them (README, Differences)."""

    def scenario(c):
        run_a, run_b = _run(c, "a"), _run(c, "b")
        name = _model(c)
        c.post("model-versions/create", {"name": name, "source": f"runs:/{run_b}/model", "run_id": run_a})
        c.post("model-versions/create", {"name": name, "source": f"runs:/{GHOST_RUN}/model"})
        c.get("model-versions/get-download-uri", {"name": name, "version": "1"})

    if MLFLOW_MAJOR < 3:
        mlflow_pair.assert_same(scenario)
        return
    ref, ours, _ = mlflow_pair.run(scenario)
    assert [r["status"] for r in ref[-3:]] == [400, 400, 404]
    assert [r["status"] for r in ours[-3:]] == [200, 200, 200]
    assert ours[-3]["body"]["model_version"]["source"].endswith("/model")
    assert ours[-1]["body"]["artifact_uri"] == ours[-3]["body"]["model_version"]["source"]


def test_download_uri_of_a_runs_source_is_the_source(mlflow_pair):
    def scenario(c):
        run = _run(c)
        name = _model(c)
        c.post("model-versions/create", {"name": name, "source": f"runs:/{run}/model", "run_id": run})
        c.get("model-versions/get-download-uri", {"name": name, "version": "1"})
        c.get("model-versions/get-download-uri", {"name": name, "version": "2"})

    mlflow_pair.assert_same(scenario)


def test_a_copied_version_keeps_the_original_source(mlflow_pair):
    def scenario(c):
        run = _run(c)
        src, dst = _model(c, "src"), _model(c, "dst")
        c.post("model-versions/create", {"name": src, "source": f"runs:/{run}/model", "run_id": run})
        # With the original's run_id: MLflow 3 takes it from the original, MLflow 2 stores what is sent.
        c.post("model-versions/create", {"name": dst, "source": f"models:/{src}/1", "run_id": run})
        c.get("model-versions/get-download-uri", {"name": dst, "version": "1"})

    mlflow_pair.assert_same(scenario)


@pytest.mark.skipif(MLFLOW_MAJOR < 3, reason="logged models are MLflow 3")
def test_logged_model_with_an_unknown_source_run(mlflow_pair):
    def scenario(c):
        exp = c.post("experiments/create", {"name": c.name("exp")})["experiment_id"]
        c.post("logged-models", {"experiment_id": exp, "name": "m",
                                 "source_run_id": "0123456789abcdef0123456789abcdef"})

    mlflow_pair.assert_same(scenario, ignore={"artifact_uri"})


@pytest.mark.skipif(MLFLOW_MAJOR < 3, reason="logged models are MLflow 3")
def test_registering_a_logged_model_tags_it_with_its_versions_as_python_writes_json(mlflow_pair):
    def scenario(c):
        exp = c.post("experiments/create", {"name": c.name("exp")})["experiment_id"]
        model_id = c.post("logged-models", {"experiment_id": exp, "name": "m"})["model"]["info"]["model_id"]
        name = _model(c)
        c.post("model-versions/create", {"name": name, "source": f"models:/{model_id}", "model_id": model_id})
        c.post("model-versions/create", {"name": name, "source": f"models:/{model_id}", "model_id": model_id})
        c.get(f"logged-models/{model_id}")

    mlflow_pair.assert_same(scenario)


def test_empty_fields_of_models_and_versions(mlflow_pair):
    def scenario(c):
        name = _model(c)
        c.post("model-versions/create", {"name": name, **_source(c, _run(c))})
        c.get("registered-models/get", {"name": name})
        c.get("model-versions/get", {"name": name, "version": "1"})
        c.post("registered-models/get-latest-versions", {"name": name})
        c.get("registered-models/search", {"filter": f"name = '{name}'"})
        c.get("model-versions/search", {"filter": f"name = '{name}'"})

    mlflow_pair.assert_same(scenario)


def test_model_lifecycle_tags_aliases_stages_rename_delete(mlflow_pair):
    def scenario(c):
        name = c.name("life")
        c.post("registered-models/create", {"name": name, "description": "d",
                                            "tags": [{"key": "t", "value": "1"}]})
        c.post("registered-models/create", {"name": name})
        for i in range(3):
            c.post("model-versions/create", {"name": name, **_source(c, _run(c, f"r{i}")),
                                             "description": f"v{i}", "tags": [{"key": "k", "value": str(i)}]})
        c.call("PATCH", "registered-models/update", {"name": name, "description": "new"})
        c.call("PATCH", "model-versions/update", {"name": name, "version": "2", "description": "two"})
        c.post("registered-models/set-tag", {"name": name, "key": "a", "value": "b"})
        c.call("DELETE", "registered-models/delete-tag", {"name": name, "key": "t"})
        c.call("DELETE", "registered-models/delete-tag", {"name": name, "key": "missing"})
        c.post("model-versions/set-tag", {"name": name, "version": "1", "key": "x", "value": "y"})
        c.call("DELETE", "model-versions/delete-tag", {"name": name, "version": "1", "key": "k"})
        c.post("registered-models/alias", {"name": name, "alias": "champion", "version": "2"})
        c.post("registered-models/alias", {"name": name, "alias": "backup", "version": "1"})
        c.get("registered-models/alias", {"name": name, "alias": "champion"})
        c.get("registered-models/alias", {"name": name, "alias": "nope"})
        c.post("model-versions/transition-stage", {"name": name, "version": "1", "stage": "Staging",
                                                   "archive_existing_versions": False})
        c.post("model-versions/transition-stage", {"name": name, "version": "2", "stage": "production",
                                                   "archive_existing_versions": False})
        c.post("model-versions/transition-stage", {"name": name, "version": "3", "stage": "Production",
                                                   "archive_existing_versions": True})
        c.post("model-versions/transition-stage", {"name": name, "version": "3", "stage": "Bogus",
                                                   "archive_existing_versions": False})
        c.post("registered-models/get-latest-versions", {"name": name})
        c.post("registered-models/get-latest-versions", {"name": name, "stages": ["Production"]})
        c.get("registered-models/get", {"name": name})
        c.call("DELETE", "registered-models/alias", {"name": name, "alias": "backup"})
        c.call("DELETE", "model-versions/delete", {"name": name, "version": "1"})
        c.get("model-versions/get", {"name": name, "version": "1"})
        c.post("registered-models/rename", {"name": name, "new_name": name + "-2"})
        c.get("registered-models/get", {"name": name})
        c.get("model-versions/search", {"filter": f"name = '{name}-2'", "order_by": ["version_number ASC"]})
        c.call("DELETE", "registered-models/delete", {"name": name + "-2"})
        c.get("registered-models/get", {"name": name + "-2"})

    mlflow_pair.assert_same(scenario)


def test_registry_search_filters_order_and_paging(mlflow_pair):
    def scenario(c):
        prefix = c.name("srch")
        for i, tag in enumerate(["x", "y", "x"]):
            c.post("registered-models/create", {"name": f"{prefix}-{i}", "tags": [{"key": "team", "value": tag}]})
            c.post("model-versions/create", {"name": f"{prefix}-{i}", **_source(c, _run(c, f"s{i}")),
                                             "tags": [{"key": "team", "value": tag}]})
        c.get("registered-models/search", {"filter": f"name LIKE '{prefix}-%'", "order_by": ["name DESC"]})
        c.get("registered-models/search", {"filter": f"name LIKE '{prefix}-%' AND tags.team = 'x'"})
        c.get("registered-models/search", {"filter": f"name ILIKE '{prefix.upper()}-%'", "max_results": 2,
                                           "order_by": ["name"]})
        c.get("registered-models/search", {"max_results": 100000})
        c.get("registered-models/search", {"order_by": ["bogus"]})
        c.get("model-versions/search", {"filter": f"name LIKE '{prefix}-%' AND tags.team = 'y'"})
        c.get("model-versions/search", {"filter": f"name = '{prefix}-0' AND version_number > 0"})
        c.get("model-versions/search", {"filter": "run_id = 'abc'"})
        c.get("model-versions/search", {"filter": "source_path = 'x'"})
        c.get("model-versions/search", {"filter": "bogus = 'x'"})
        c.get("model-versions/search", {"order_by": ["bogus"]})
        c.get("registered-models/search", {"filter": "bogus = 'x'"})
        c.get("registered-models/search", {"filter": "name > 'x'"})
        if MLFLOW_MAJOR >= 3:  # MLflow 2 answers an empty page
            c.get("model-versions/search", {"filter": "version_number = 'x'"})
        c.get("model-versions/search", {"max_results": 300000})
        c.get("registered-models/search", {"max_results": 0})
        c.get("registered-models/search", {"max_results": 0, "filter": "bogus = 'x'"})
        c.get("model-versions/search", {"max_results": 0})
        c.get("model-versions/search", {"max_results": 0, "filter": "bogus = 'x'"})
        c.get("model-versions/search", {"max_results": -1})
        c.post("registered-models/alias", {"name": f"{prefix}-0", "alias": "a b", "version": "1"})

    mlflow_pair.assert_same(scenario)


def test_registry_errors(mlflow_pair):
    def scenario(c):
        name = _model(c)
        c.post("registered-models/create", {})
        c.post("registered-models/create", {"name": ""})
        c.get("registered-models/get", {"name": "does-not-exist"})
        c.get("model-versions/get", {"name": name, "version": "abc"})
        c.get("model-versions/get", {"name": name, "version": "7"})
        c.get("model-versions/get", {"name": "does-not-exist", "version": "1"})
        c.post("model-versions/create", {"name": name})
        c.post("model-versions/create", {"source": "runs:/abc/model"})
        c.post("model-versions/create", {"name": "does-not-exist", "source": "runs:/abc/model", "run_id": "abc"})
        c.post("model-versions/create", {"name": name, "source": "/etc/passwd"})
        c.post("model-versions/create", {"name": name, "source": "mlflow-artifacts:/0/../../etc", "run_id": "abc"})
        c.post("registered-models/alias", {"name": name, "alias": "latest", "version": "1"})
        c.post("registered-models/alias", {"name": name, "alias": "v1", "version": "1"})
        c.post("registered-models/alias", {"name": name, "alias": "ok", "version": "9"})
        c.post("registered-models/rename", {"name": name})
        c.post("registered-models/rename", {"name": name, "new_name": name})
        c.call("DELETE", "registered-models/delete", {"name": "does-not-exist"})
        c.post("model-versions/transition-stage", {"name": name, "version": "1", "stage": "Staging"})
        c.post("registered-models/get-latest-versions", {"name": "does-not-exist"})
        c.post("registered-models/set-tag", {"name": "does-not-exist", "key": "k", "value": "v"})
        c.post("registered-models/alias", {"name": "does-not-exist", "alias": "a", "version": "1"})
        c.post("registered-models/alias", {"name": name, "alias": "a b", "version": "1"})
        c.call("PATCH", "registered-models/update", {"name": "does-not-exist", "description": "x"})
        c.call("DELETE", "model-versions/delete", {"name": name, "version": "5"})
        c.post("model-versions/set-tag", {"name": name, "version": "5", "key": "k", "value": "v"})

    mlflow_pair.assert_same(scenario)


@pytest.mark.skipif(MLFLOW_MAJOR < 3, reason="logged models are MLflow 3")
def test_logged_model_lifecycle_fields(mlflow_pair):
    def scenario(c):
        exp = c.post("experiments/create", {"name": c.name("exp")})["experiment_id"]
        run = c.post("runs/create", {"experiment_id": exp, "run_name": "r", "start_time": 1})["run"]["info"]["run_id"]
        model = c.post("logged-models", {"experiment_id": exp, "name": "m", "source_run_id": run,
                                         "model_type": "sklearn", "params": [{"key": "alpha", "value": "0.1"}],
                                         "tags": [{"key": "t", "value": ""}]})["model"]["info"]["model_id"]
        c.call("PATCH", f"logged-models/{model}/tags", {"tags": [{"key": "k", "value": "v"}]})
        c.call("PATCH", f"logged-models/{model}", {"model_id": model, "status": "LOGGED_MODEL_READY"})
        c.get(f"logged-models/{model}")
        c.post("logged-models/search", {"experiment_ids": [exp], "max_results": 10})
        c.call("DELETE", f"logged-models/{model}/tags/k")
        c.call("DELETE", f"logged-models/{model}")
        c.get(f"logged-models/{model}")

    mlflow_pair.assert_same(scenario)
