"""The registry workflow a team runs, with the real mlflow client (3.x and 2.x) against Flowgate.

Train a scikit-learn classifier, register three versions through log_model, search, promote through
Staging and Production with archive_existing_versions, describe and tag, roll back by promoting the newest
Archived version, move aliases, load the model by version, stage and alias (same predictions as the trained
model), get_latest_versions, rename and delete. Error cases answer with MLflow's codes.
"""
import warnings

import numpy as np
import pytest
import requests
from mlflow.exceptions import MlflowException, RestException
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from conftest import MLFLOW_MAJOR

NAME = "iris-classifier"


def _train_and_register(mlflow, c):
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(C=c, max_iter=500).fit(X, y)
    with mlflow.start_run() as run:
        mlflow.log_param("data_version", "v2024-01-15")
        mlflow.log_metric("accuracy", float(model.score(X, y)))
        kwargs = {"name": "model"} if MLFLOW_MAJOR >= 3 else {"artifact_path": "model"}
        mlflow.sklearn.log_model(model, registered_model_name=NAME, input_example=X.head(3), **kwargs)
    return model, X, run.info.run_id


def _stage_of(client, version):
    return client.get_model_version(NAME, str(version)).current_stage


@pytest.fixture(scope="module")
def registered(flowgate):
    """Three versions of one model, each from its own run, logged the way users do it."""
    import mlflow

    mlflow.set_tracking_uri(flowgate.url)
    mlflow.set_experiment("registry-compat")
    trained = [_train_and_register(mlflow, c) for c in (0.01, 1.0, 100.0)]
    return trained


def test_log_model_registers_consecutive_ready_versions(tracking_uri, registered):
    from mlflow import MlflowClient

    client = MlflowClient()
    versions = sorted(client.search_model_versions(f"name = '{NAME}'"), key=lambda v: int(v.version))
    assert [v.version for v in versions] == ["1", "2", "3"]
    assert all(v.status == "READY" for v in versions)
    assert [v.run_id for v in versions] == [run_id for _, _, run_id in registered]


def test_search_models_and_versions(tracking_uri, registered):
    from mlflow import MlflowClient

    client = MlflowClient()
    # The 3.x client ANDs the prompt filter onto this search; our models carry no prompt tag.
    found = client.search_registered_models(filter_string=f"name = '{NAME}'")
    assert [m.name for m in found] == [NAME]
    assert [m.name for m in client.search_registered_models(filter_string="name LIKE 'iris%'")] == [NAME]
    run_id = registered[1][2]
    assert [v.version for v in client.search_model_versions(f"run_id = '{run_id}'")] == ["2"]


def test_stages_archive_describe_tag_and_roll_back(tracking_uri, registered):
    from mlflow import MlflowClient

    client = MlflowClient()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stages are deprecated in 3.x, still supported
        client.transition_model_version_stage(NAME, "1", "Staging")
        client.transition_model_version_stage(NAME, "1", "Production", archive_existing_versions=True)
        client.transition_model_version_stage(NAME, "2", "production", archive_existing_versions=True)
        assert _stage_of(client, 1) == "Archived"
        assert _stage_of(client, 2) == "Production"
        client.transition_model_version_stage(NAME, "3", "Staging")

        client.update_registered_model(NAME, description="Iris species classifier")
        client.update_model_version(NAME, "2", description="C=1.0")
        client.set_registered_model_tag(NAME, "team", "botany")
        client.set_model_version_tag(NAME, "2", "validated", "true")
        client.set_model_version_tag(NAME, "2", "temp", "x")
        client.delete_model_version_tag(NAME, "2", "temp")
        model = client.get_registered_model(NAME)
        assert model.description == "Iris species classifier"
        assert model.tags == {"team": "botany"}
        v2 = client.get_model_version(NAME, "2")
        assert v2.description == "C=1.0"
        assert v2.tags == {"validated": "true"}

        # Roll back: promote the newest Archived version, archiving the current Production one.
        archived = [v for v in client.search_model_versions(f"name = '{NAME}'") if v.current_stage == "Archived"]
        newest = max(archived, key=lambda v: int(v.version))
        assert newest.version == "1"
        client.transition_model_version_stage(NAME, newest.version, "Production", archive_existing_versions=True)
        assert _stage_of(client, 1) == "Production"
        assert _stage_of(client, 2) == "Archived"
        assert _stage_of(client, 3) == "Staging"

        latest = client.get_latest_versions(NAME, stages=["Production"])
        assert [v.version for v in latest] == ["1"]
        by_stage = {v.current_stage: v.version for v in client.get_latest_versions(NAME)}
        assert by_stage == {"Production": "1", "Staging": "3", "Archived": "2"}


def test_aliases_set_move_delete(tracking_uri, registered):
    from mlflow import MlflowClient

    client = MlflowClient()
    client.set_registered_model_alias(NAME, "champion", "2")
    client.set_registered_model_alias(NAME, "challenger", "3")
    client.set_registered_model_alias(NAME, "shadow", "3")
    assert client.get_model_version_by_alias(NAME, "champion").version == "2"
    client.set_registered_model_alias(NAME, "champion", "1")  # moves
    assert client.get_model_version_by_alias(NAME, "champion").version == "1"
    assert sorted(client.get_model_version(NAME, "3").aliases) == ["challenger", "shadow"]
    client.delete_registered_model_alias(NAME, "shadow")
    assert client.get_registered_model(NAME).aliases == {"champion": "1", "challenger": "3"}
    with pytest.raises(MlflowException) as err:
        client.get_model_version_by_alias(NAME, "shadow")
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"  # as MLflow answers an unknown alias
    with pytest.raises(MlflowException) as err:
        client.set_registered_model_alias(NAME, "latest", "1")
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"


def test_load_by_version_stage_and_alias_gives_the_trained_predictions(tracking_uri, registered):
    import mlflow

    model, X, _ = registered[0]
    expected = model.predict(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for uri in (f"models:/{NAME}/1", f"models:/{NAME}/Production", f"models:/{NAME}@champion"):
            loaded = mlflow.pyfunc.load_model(uri)
            np.testing.assert_array_equal(np.asarray(loaded.predict(X)), expected, err_msg=uri)


def test_errors_answer_with_mlflow_codes(tracking_uri, registered):
    from mlflow import MlflowClient

    client = MlflowClient()
    with pytest.raises(MlflowException) as err:
        client.create_registered_model(NAME)
    assert err.value.error_code == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(MlflowException) as err:
        client.get_model_version(NAME, "99")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as err:
        client.get_registered_model("no-such-model")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as err:
        client.create_model_version(NAME, "file:///etc/passwd", run_id=registered[0][2])
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(MlflowException) as err:
            client.transition_model_version_stage(NAME, "1", "Archived", archive_existing_versions=True)
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"


def test_rename_then_delete(tracking_uri, registered):
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient()
    client.rename_registered_model(NAME, "iris-species")
    assert [v.version for v in client.search_model_versions("name = 'iris-species'")] != []
    model, X, _ = registered[0]
    loaded = mlflow.pyfunc.load_model("models:/iris-species@champion")
    np.testing.assert_array_equal(np.asarray(loaded.predict(X)), model.predict(X))
    client.delete_model_version("iris-species", "3")
    assert "3" not in [v.version for v in client.search_model_versions("name = 'iris-species'")]
    client.delete_registered_model("iris-species")
    with pytest.raises(RestException) as err:
        client.get_registered_model("iris-species")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_register_model_from_a_runs_uri(tracking_uri, registered):
    """`mlflow.register_model("runs:/<run>/model", …)`: 3.x finds the run's logged model and registers it by
    models:/<model_id>; 2.x registers the run's artifact path. Either way the version loads and predicts."""
    import mlflow
    from mlflow import MlflowClient

    model, X, run_id = registered[2]
    mv = mlflow.register_model(f"runs:/{run_id}/model", "iris-from-run")
    assert mv.version == "1"
    assert mv.run_id == run_id
    if MLFLOW_MAJOR >= 3:
        assert mv.source.startswith("models:/m-")
        # The client's ModelVersion does not read model_id back from the response; the wire carries it.
        raw = requests.get(
            f"{tracking_uri}/api/2.0/mlflow/model-versions/get", params={"name": "iris-from-run", "version": "1"}
        ).json()["model_version"]
        assert raw["model_id"] == mv.source[len("models:/") :]
    client = MlflowClient()
    assert client.get_model_version_download_uri("iris-from-run", "1").startswith("mlflow-artifacts:/")
    loaded = mlflow.pyfunc.load_model("models:/iris-from-run/1")
    np.testing.assert_array_equal(np.asarray(loaded.predict(X)), model.predict(X))
    client.delete_registered_model("iris-from-run")
