"""The max_latency gate through the real client: `log_model(..., registered_model_name=...)` then
`transition_model_version_stage(..., "Production")`. Flowgate runs a serving smoke benchmark of the version first;
a version within the p99 limit gets in and loads by stage, a slower one is refused with INVALID_STATE and the
measured latency."""
import mlflow
import numpy as np
import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from conftest import MLFLOW_MAJOR


def _register(name):
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    mlflow.set_experiment("compat-latency")
    with mlflow.start_run():
        key = {"name": "model"} if MLFLOW_MAJOR >= 3 else {"artifact_path": "model"}
        mlflow.sklearn.log_model(model, input_example=X.head(3), registered_model_name=name, **key)
    return model, X


def _policy(url, name, p99_ms):
    document = (
        "protected: {stages: [Production]}\n"
        "require_reason: false\n"
        f"gates: [{{name: p99-budget, type: max_latency, p99_ms: {p99_ms}}}]\n"
    )
    res = requests.put(f"{url}/api/flowgate/v1/models/{name}/policy", json={"document": document}, timeout=30)
    assert res.status_code == 200, res.text


def test_a_version_within_the_latency_limit_reaches_production(tracking_uri):
    model, X = _register("latency-ok")
    _policy(tracking_uri, "latency-ok", 10_000)
    MlflowClient().transition_model_version_stage("latency-ok", "1", "Production")
    loaded = mlflow.pyfunc.load_model("models:/latency-ok/Production")
    np.testing.assert_array_equal(np.asarray(loaded.predict(X)), model.predict(X))
    evaluations = requests.get(
        f"{tracking_uri}/api/flowgate/v1/models/latency-ok/versions/1/gate-evaluations", timeout=30
    ).json()["evaluations"]
    assert evaluations[0]["passed"] is True
    assert 0 < evaluations[0]["inputs"]["p99_ms"] <= 10_000


def test_a_version_slower_than_the_limit_is_refused_with_the_measurement(tracking_uri):
    _register("latency-strict")
    _policy(tracking_uri, "latency-strict", 0.0001)
    with pytest.raises(MlflowException) as err:
        MlflowClient().transition_model_version_stage("latency-strict", "1", "Production")
    assert err.value.error_code == "INVALID_STATE"
    assert "gate 'p99-budget': serving p99 latency" in str(err.value)
    assert "exceeds the limit 0.0001 ms" in str(err.value)
    assert MlflowClient().get_model_version("latency-strict", "1").current_stage == "None"
