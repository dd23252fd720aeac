"""A `file://` artifact root (`--default-artifact-root file:///… --no-serve-artifacts`, MLflow's own test setup):
the client writes and reads the files itself, the server lists them and checks sources under its root, and
never anywhere else. Each check runs against a real `mlflow server` in the same mode and against Flowgate."""
import warnings

import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

from conftest import MLFLOW_MAJOR


def _client_story(url, root, name):
    """Tree models logged, registered and loaded back by the real client; what it saw, root made relative."""
    import mlflow
    from mlflow import MlflowClient

    warnings.filterwarnings("ignore")
    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    X, y = make_classification(n_samples=80, n_features=5, random_state=3)
    seen = {}
    mlflow.set_experiment(name)
    for family, model in [("rf", RandomForestClassifier(n_estimators=5, random_state=3)),
                          ("gb", GradientBoostingClassifier(n_estimators=5, random_state=3))]:
        model.fit(X, y)
        with mlflow.start_run() as run:
            mlflow.log_text("notes", "reports/notes.txt")
            where = {"name": "model"} if MLFLOW_MAJOR >= 3 else {"artifact_path": "model"}
            mlflow.sklearn.log_model(model, registered_model_name=f"{name}-{family}",
                                     pip_requirements=["scikit-learn"], **where)
        loaded = mlflow.pyfunc.load_model(f"models:/{name}-{family}/1")
        seen[family] = {
            "same_predictions": bool((loaded.predict(X) == model.predict(X)).all()),
            "artifact_uri": run.info.artifact_uri.replace(root, "<root>").replace(run.info.run_id, "<run>"),
            "listing": sorted(f.path for f in client.list_artifacts(run.info.run_id)),
            "reports": [(f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run.info.run_id, "reports")],
            "download_uri_under_root": client.get_model_version_download_uri(f"{name}-{family}", "1").startswith(root),
        }
    return seen


def test_the_real_client_logs_registers_and_loads_tree_models_as_with_mlflow(mlflow_file_pair):
    pair = mlflow_file_pair
    ref = _client_story(pair.reference_url, pair.reference_root.as_uri(), "file-story")
    ours = _client_story(pair.flowgate_url, pair.flowgate_root.as_uri(), "file-story")
    assert ours == ref
    assert all(v["same_predictions"] and v["download_uri_under_root"] for v in ours.values())


def _run(c):
    exp = c.post("experiments/create", {"name": c.name("exp")})["experiment_id"]
    return c.post("runs/create", {"experiment_id": exp, "run_name": "r", "start_time": 1})["run"]


def test_listing_and_registering_under_the_root(mlflow_file_pair):
    pair = mlflow_file_pair

    def scenario(c):
        run = _run(c)
        run_id, artifact_uri = run["info"]["run_id"], run["info"]["artifact_uri"]
        c.get("experiments/get-by-name", {"experiment_name": c.name("exp")})
        c.get("artifacts/list", {"run_id": run_id})
        c.get("artifacts/list", {"run_id": run_id, "path": "model"})
        name = c.name("model")
        c.post("registered-models/create", {"name": name})
        c.post("model-versions/create", {"name": name, "source": f"{artifact_uri}/model", "run_id": run_id})
        c.get("model-versions/get-download-uri", {"name": name, "version": "1"})
        c.post("model-versions/create", {"name": name, "source": f"runs:/{run_id}/model", "run_id": run_id})
        c.get("model-versions/get-download-uri", {"name": name, "version": "2"})

    pair.assert_same(scenario)


def test_sources_outside_the_root_or_its_run_are_refused(mlflow_file_pair):
    pair = mlflow_file_pair

    def scenario(c):
        run = _run(c)
        run_id = run["info"]["run_id"]
        name = c.name("model")
        c.post("registered-models/create", {"name": name})
        c.post("model-versions/create", {"name": name, "source": "file:///etc/passwd", "run_id": run_id})
        c.post("model-versions/create", {"name": name, "source": "/etc", "run_id": run_id})
        c.post("model-versions/create", {"name": name, "source": f"{run['info']['artifact_uri']}/../../..",
                                         "run_id": run_id})
        c.get("registered-models/get", {"name": name})

    pair.assert_same(scenario)


@pytest.mark.skipif(MLFLOW_MAJOR < 3, reason="logged models are MLflow 3")
def test_a_logged_model_lists_its_directory_under_the_root(mlflow_file_pair):
    pair = mlflow_file_pair

    def scenario(c):
        exp = c.post("experiments/create", {"name": c.name("exp")})["experiment_id"]
        model = c.post("logged-models", {"experiment_id": exp, "name": "m"})["model"]
        c.get(f"logged-models/{model['info']['model_id']}/artifacts/directories")

    pair.assert_same(scenario)


def test_with_proxied_artifacts_too(mlflow_pair):
    """The same story with MLflow's default mode (`mlflow-artifacts:/`, files through the server)."""
    ref = _client_story(mlflow_pair.reference_url, "mlflow-artifacts:", "proxied-story")
    ours = _client_story(mlflow_pair.flowgate_url, "mlflow-artifacts:", "proxied-story")
    assert ours == ref
    assert all(v["same_predictions"] and v["download_uri_under_root"] for v in ours.values())
