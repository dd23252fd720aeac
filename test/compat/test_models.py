"""`log_model` without registration and loading it back with the real client: 3.x logged models
(`name=`, `models:/<model_id>`, READY and searchable) and the 2.x path (`artifact_path=`, runs/log-model)."""
import json

import mlflow
import numpy as np
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from conftest import MLFLOW_MAJOR


def _trained():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=500).fit(X, y), X


def _log(model, X):
    if MLFLOW_MAJOR >= 3:
        return mlflow.sklearn.log_model(model, name="model", input_example=X.head(3))
    return mlflow.sklearn.log_model(model, artifact_path="model", input_example=X.head(3))


def test_sklearn_log_model_then_load_from_runs_uri_predicts_the_same(tracking_uri):
    model, X = _trained()
    mlflow.set_experiment("compat-models")
    with mlflow.start_run() as run:
        info = _log(model, X)
    loaded = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(np.asarray(loaded.predict(X)), model.predict(X))
    sk = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(sk.predict(X), model.predict(X))

    if MLFLOW_MAJOR >= 3:
        model_id = info.model_id
        assert model_id.startswith("m-")
        by_id = mlflow.pyfunc.load_model(f"models:/{model_id}")
        np.testing.assert_array_equal(np.asarray(by_id.predict(X)), model.predict(X))
        logged = mlflow.get_logged_model(model_id)
        assert str(logged.status) in ("READY", "LoggedModelStatus.READY")
        assert logged.source_run_id == run.info.run_id
        assert logged.artifact_location.endswith(f"/models/{model_id}/artifacts")
        found = mlflow.search_logged_models(
            experiment_ids=[run.info.experiment_id],
            filter_string="name = 'model'",
            output_format="list",
        )
        assert model_id in [m.model_id for m in found]
        # The run records the model as its output, so runs/get must carry it.
        outputs = MlflowClient().get_run(run.info.run_id).outputs
        assert [o.model_id for o in outputs.model_outputs] == [model_id]
    else:
        tags = MlflowClient().get_run(run.info.run_id).data.tags
        history = json.loads(tags["mlflow.log-model.history"])
        assert history[0]["artifact_path"] == "model"
        assert "sklearn" in history[0]["flavors"]


if MLFLOW_MAJOR >= 3:  # logged models exist only in 3.x clients

    def test_logged_model_metrics_params_and_search(tracking_uri):
        model, X = _trained()
        mlflow.set_experiment("compat-models-search")
        with mlflow.start_run() as run:
            mlflow.log_param("max_iter", 500)
            info = _log(model, X)
            mlflow.log_metric("accuracy", float(model.score(X, model.predict(X))), model_id=info.model_id)
        client = MlflowClient()
        logged = client.get_logged_model(info.model_id)
        assert logged.params.get("max_iter") == "500"
        assert [m.key for m in logged.metrics] == ["accuracy"]
        found = mlflow.search_logged_models(
            experiment_ids=[run.info.experiment_id],
            filter_string="metrics.accuracy > 0.5 AND params.max_iter = '500'",
            output_format="list",
        )
        assert [m.model_id for m in found] == [info.model_id]
        client.set_logged_model_tags(info.model_id, {"stage": "candidate"})
        assert client.get_logged_model(info.model_id).tags["stage"] == "candidate"
        client.delete_logged_model_tag(info.model_id, "stage")
        assert "stage" not in client.get_logged_model(info.model_id).tags
