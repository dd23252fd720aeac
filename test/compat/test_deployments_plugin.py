"""Flowgate deployments from the tools MLflow users already know: the `flowgate` deployments plugin
(python/flowgate_deployments, installed into both venvs by scripts/setup-python.sh) through the real
`mlflow deployments` CLI and `mlflow.deployments.get_deploy_client("flowgate")`, against a Flowgate server,
with model versions registered by the real mlflow client.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from mlflow.exceptions import MlflowException, RestException
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from conftest import AUTH_ADMIN, MLFLOW_MAJOR, ROOT, _free_port

MODEL = "fraud-detector"
MLFLOW_CLI = str(Path(sys.executable).parent / "mlflow")


@pytest.fixture(scope="module")
def versions(flowgate):
    """Two versions of one model, logged and registered the way users do it; version 1 is the champion."""
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(flowgate.url)
    mlflow.set_experiment("deployments-plugin")
    X, y = load_iris(return_X_y=True, as_frame=True)
    for c in (0.1, 1.0):
        with mlflow.start_run():
            kwargs = {"name": "model"} if MLFLOW_MAJOR >= 3 else {"artifact_path": "model"}
            mlflow.sklearn.log_model(LogisticRegression(C=c, max_iter=300).fit(X, y),
                                     registered_model_name=MODEL, **kwargs)
    MlflowClient(flowgate.url).set_registered_model_alias(MODEL, "champion", "1")
    return ["1", "2"]


def mlflow_deployments(flowgate, *args):
    """`mlflow deployments <args>` as a user runs it, with MLFLOW_TRACKING_URI set to the server."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": flowgate.url, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}
    return subprocess.run([MLFLOW_CLI, "deployments", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def native(flowgate, path):
    response = requests.get(f"{flowgate.url}/api/flowgate/v1/deployments/{path}", timeout=10)
    return response.status_code, response.json()


def test_mlflow_finds_the_flowgate_target_and_explains_it(flowgate):
    res = mlflow_deployments(flowgate, "help", "-t", "flowgate")
    assert res.returncode == 0, res.stderr
    assert "flowgate:/http://host:port" in res.stdout
    assert "models:/<name>/<version>" in res.stdout
    assert "reason=<text>" in res.stdout


def test_create_get_list_update_and_delete_through_the_mlflow_cli(flowgate, versions):
    res = mlflow_deployments(flowgate, "create", "-t", "flowgate", "-m", f"models:/{MODEL}/1", "--name", "fraud")
    assert res.returncode == 0, res.stderr
    assert "python_function deployment fraud is created" in res.stdout
    status, body = native(flowgate, "fraud")
    assert status == 200
    assert (body["deployment"]["model"], body["deployment"]["spec"]["primary"]) == (MODEL, "1")
    assert [(r["version"], r["weight"]) for r in body["deployment"]["routing"]["routes"]] == [("1", 100)]

    res = mlflow_deployments(flowgate, "get", "-t", "flowgate", "--name", "fraud")
    assert res.returncode == 0, res.stderr
    assert "name: fraud" in res.stdout
    assert f"model: {MODEL}" in res.stdout

    res = mlflow_deployments(flowgate, "list", "-t", "flowgate")
    assert res.returncode == 0, res.stderr
    assert "'name': 'fraud'" in res.stdout

    res = mlflow_deployments(flowgate, "update", "-t", "flowgate", "--name", "fraud", "-m", f"models:/{MODEL}/2",
                             "-C", "shadow=1:20", "-C", "reason=version 2 passed offline evaluation")
    assert res.returncode == 0, res.stderr
    assert "Deployment fraud is updated (with flavor python_function)" in res.stdout
    status, body = native(flowgate, "fraud/revisions")
    assert status == 200
    newest, first = body["revisions"]
    assert (newest["revision"], newest["spec"]["primary"], newest["spec"]["shadow"]) == (
        2, "2", {"version": "1", "percent": 20})
    assert newest["reason"] == "version 2 passed offline evaluation"
    assert first["reason"] == f"mlflow deployments create fraud -m models:/{MODEL}/1"

    res = mlflow_deployments(flowgate, "delete", "-t", "flowgate", "--name", "fraud")
    assert res.returncode == 0, res.stderr
    assert "Deployment fraud is deleted" in res.stdout
    assert native(flowgate, "fraud")[0] == 404


def test_the_cli_reports_a_refusal_in_mlflow_s_words(flowgate, versions):
    res = mlflow_deployments(flowgate, "create", "-t", "flowgate", "-m", "runs:/0123/model", "--name", "x")
    assert res.returncode != 0
    assert "Flowgate deploys registered model versions, not 'runs:/0123/model'" in res.stderr


@pytest.fixture()
def deploy_client(tracking_uri):
    from mlflow.deployments import get_deploy_client

    return get_deploy_client("flowgate")


def test_get_deploy_client_creates_a_canary_from_an_alias_pinned_at_write_time(deploy_client, versions):
    created = deploy_client.create_deployment(
        "fraud-canary", f"models:/{MODEL}@champion",
        config={"canary": "2", "steps": "10,pause,50,100", "warm": "1", "reason": "ramp version 2"})
    assert created["name"] == "fraud-canary"
    assert created["flavor"] == "python_function"
    got = deploy_client.get_deployment("fraud-canary")
    spec = got["spec"]
    # The alias is resolved once, when the revision is written: the deployment pins version 1.
    assert spec["primary"] == "1"
    assert spec["warm"] == 1
    assert spec["strategy"] == {"canary": {"version": "2", "steps": [
        {"setWeight": 10}, {"pause": {}}, {"setWeight": 50}, {"setWeight": 100}]}}
    assert "fraud-canary" in [d["name"] for d in deploy_client.list_deployments()]
    deploy_client.delete_deployment("fraud-canary", config={"reason": "done"})
    assert "fraud-canary" not in [d["name"] for d in deploy_client.list_deployments()]
    # MLflow's interface asks deletion to be idempotent: deleting it again succeeds.
    deploy_client.delete_deployment("fraud-canary")


def test_update_is_a_read_modify_write_refused_when_the_revision_moved(deploy_client, versions):
    deploy_client.create_deployment("fraud-rmw", f"models:/{MODEL}/1")
    with pytest.raises(RestException) as stale:
        deploy_client.update_deployment("fraud-rmw", f"models:/{MODEL}/2", config={"expected_revision": "7"})
    assert stale.value.error_code == "INVALID_STATE"
    updated = deploy_client.update_deployment("fraud-rmw", f"models:/{MODEL}/2",
                                              config={"steps": "25,100", "reason": "canary v2"})
    assert updated["revision"] == 2
    assert updated["spec"]["primary"] == "1"
    assert updated["spec"]["strategy"]["canary"]["version"] == "2"


def test_a_target_uri_names_the_server_without_mlflow_tracking_uri(flowgate, versions, monkeypatch):
    from mlflow.deployments import get_deploy_client

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    client = get_deploy_client(f"flowgate:/{flowgate.url}")
    client.create_deployment("fraud-target", f"models:/{MODEL}/2", config={"shadow": "1"})
    assert client.get_deployment("fraud-target")["spec"]["shadow"] == {"version": "1", "percent": 100}


def test_what_the_target_cannot_do_is_said_plainly(deploy_client, versions):
    with pytest.raises(MlflowException, match="Unknown config colour for the flowgate target"):
        deploy_client.create_deployment("x", f"models:/{MODEL}/1", config={"colour": "blue"})
    with pytest.raises(MlflowException, match="Flowgate serves the python_function flavor, not 'onnx'"):
        deploy_client.create_deployment("x", f"models:/{MODEL}/1", flavor="onnx")
    with pytest.raises(MlflowException, match="predict needs the serving process of deployment 'x'"):
        deploy_client.predict("x", {"inputs": [[1, 2, 3, 4]]})
    with pytest.raises(MlflowException, match="Flowgate does not compute explanations") as explained:
        deploy_client.explain("x", None)
    assert explained.value.error_code == "NOT_IMPLEMENTED"
    with pytest.raises(RestException) as missing:
        deploy_client.get_deployment("no-such-deployment")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_the_mlflow_client_s_credentials_sign_the_plugin_s_calls(flowgate_auth, monkeypatch):
    import mlflow
    from mlflow import MlflowClient
    from mlflow.deployments import get_deploy_client

    monkeypatch.setenv("MLFLOW_TRACKING_URI", flowgate_auth.url)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", AUTH_ADMIN[0])
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", AUTH_ADMIN[1])
    mlflow.set_tracking_uri(flowgate_auth.url)
    with mlflow.start_run(experiment_id="0") as run:
        mlflow.log_text("artifact body", "model/MLmodel")
    registry = MlflowClient(flowgate_auth.url)
    registry.create_registered_model("auth-model")
    registry.create_model_version("auth-model", f"{run.info.artifact_uri}/model", run_id=run.info.run_id)

    created = get_deploy_client("flowgate").create_deployment("auth-fraud", "models:/auth-model/1",
                                                              config={"reason": "first deployment"})
    assert created["createdBy"] == AUTH_ADMIN[0]
    token = requests.post(f"{flowgate_auth.url}/api/flowgate/v1/tokens", json={"name": "plugin"},
                          auth=AUTH_ADMIN, timeout=30).json()["token"]
    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME")
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", token)
    assert get_deploy_client("flowgate").get_deployment("auth-fraud")["spec"]["primary"] == "1"
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN")
    with pytest.raises(RestException) as anonymous:
        get_deploy_client("flowgate").get_deployment("auth-fraud")
    assert anonymous.value.error_code == "UNAUTHENTICATED"


def test_run_local_serves_the_model_with_flowgate_models_serve_and_predict_scores_there(flowgate, versions, tmp_path):
    shim = tmp_path / "flowgate"
    shim.write_text(f'#!/bin/sh\nexec node {ROOT / "bin" / "flowgate.js"} "$@"\n')
    shim.chmod(0o755)
    port = _free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": flowgate.url, "FLOWGATE_CLI": str(shim),
           "FLOWGATE_PYTHON": sys.executable, "FLOWGATE_CACHE_DIR": str(tmp_path / "cache")}
    # Its own process group: run-local runs `flowgate models serve` in the foreground, and both must stop.
    process = subprocess.Popen(
        [MLFLOW_CLI, "deployments", "run-local", "-t", "flowgate", "--name", "local", "-m", f"models:/{MODEL}/1",
         "-C", f"port={port}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        while time.time() < deadline and process.poll() is None:
            try:
                if requests.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        assert process.poll() is None, process.stdout.read().decode()
        X, _ = load_iris(return_X_y=True, as_frame=True)
        answer = requests.post(f"{url}/invocations", json={"dataframe_split": X.head(2).to_dict(orient="split")},
                               timeout=30)
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["predictions"]) == 2
        # predict scores on the serving process the target names (a DataFrame goes as dataframe_split).
        from mlflow.deployments import get_deploy_client

        scored = get_deploy_client(f"flowgate:/{flowgate.url}?serving_url={url}").predict("local", X.head(3))
        assert scored.get_predictions().shape[0] == 3
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
