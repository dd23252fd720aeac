"""Governance through the real mlflow client against `flowgate server --auth`.

Every role × every action, once with HTTP Basic (MLFLOW_TRACKING_USERNAME/PASSWORD) and once with a bearer
token (MLFLOW_TRACKING_TOKEN). Approvals have no MLflow client call: they go through Flowgate's native API with
the same credentials. A refusal must be PERMISSION_DENIED (403), never a 5xx the client would retry.
"""
import base64
import uuid

import pytest
import requests

from conftest import AUTH_ADMIN

ROLES = ["reader", "data-scientist", "ml-engineer", "release-manager", "service", "admin"]
PASSWORD = "Matrix-Passw0rd-for-roles"

# role → allowed?                 reader ds     mle    rm     svc    admin
EXPECTED = {
    "log_run":               [False, True,  True,  True,  False, True],
    "register_version":      [False, False, True,  True,  False, True],
    "transition_staging":    [False, False, True,  True,  False, True],
    "transition_production": [False, False, False, True,  False, True],
    "set_protected_alias":   [False, False, False, True,  False, True],
    "approve_own_request":   [False, False, False, False, False, False],
    "approve_other_request": [False, False, False, True,  False, True],
    # A service account reads released models only: a run's artifacts (runs:/…) are not for it.
    "read_artifacts":        [True,  True,  True,  True,  False, True],
    "delete_model":          [False, False, False, True,  False, True],
}


def _basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


ADMIN_HEADERS = _basic(*AUTH_ADMIN)


def _api(server, method, path, headers, **body):
    res = requests.request(method, f"{server.url}/api/flowgate/v1/{path}", json=body, headers=headers, timeout=30)
    return res


@pytest.fixture(scope="module")
def world(flowgate_auth):
    """Users for every role (password + token), a run with an artifact, and a model with versions."""
    import mlflow
    from mlflow import MlflowClient

    server = flowgate_auth
    users = {}
    for role in ROLES:
        name = f"u-{role}"
        kind = "service" if role == "service" else "user"
        body = {"username": name, "kind": kind, "role": role}
        if kind == "user":
            body["password"] = PASSWORD
        assert _api(server, "POST", "users", ADMIN_HEADERS, **body).status_code == 200
        token = _api(server, "POST", "tokens", ADMIN_HEADERS, name="matrix", username=name).json()["token"]
        users[role] = {"name": name, "token": token}
    # A second release manager, who creates the versions others approve (the creator may not approve).
    assert _api(server, "POST", "users", ADMIN_HEADERS, username="u-author", password=PASSWORD, role="ml-engineer").status_code == 200
    # Admin-created fixtures: one run with an artifact.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", server.url)
        mp.setenv("MLFLOW_TRACKING_USERNAME", AUTH_ADMIN[0])
        mp.setenv("MLFLOW_TRACKING_PASSWORD", AUTH_ADMIN[1])
        mp.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        mlflow.set_tracking_uri(server.url)
        with mlflow.start_run(experiment_id="0") as run:
            mlflow.log_text("artifact body", "model/MLmodel")
            mlflow.log_metric("val_f1", 0.9)
        client = MlflowClient(server.url)
        client.create_registered_model("gov-model")
    return {"users": users, "run_id": run.info.run_id, "artifact_uri": run.info.artifact_uri}


def _as(monkeypatch, server, world, role, via):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    for var in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    user = world["users"][role]
    if via == "token" or role == "service":
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", user["token"])
        return {"Authorization": f"Bearer {user['token']}"}
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", user["name"])
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", PASSWORD)
    return _basic(user["name"], PASSWORD)


def _new_version(server, world, creator=("u-author", PASSWORD)):
    """A fresh version of gov-model, registered by `creator`, with a reason tag for direct promotions."""
    from mlflow import MlflowClient
    import os

    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")}
    os.environ.pop("MLFLOW_TRACKING_TOKEN", None)
    os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"] = creator
    try:
        client = MlflowClient(server.url)
        mv = client.create_model_version("gov-model", f"{world['artifact_uri']}/model", run_id=world["run_id"])
        os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"] = AUTH_ADMIN
        client.set_model_version_tag("gov-model", mv.version, "flowgate.reason", "matrix test")
        return mv.version
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _attempt(action, server, world, role, headers):
    """Runs one action as the current credentials; True when allowed, False on PERMISSION_DENIED."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(server.url)
    try:
        if action == "log_run":
            with mlflow.start_run(experiment_id="0"):
                mlflow.log_metric("m", 1.0)
        elif action == "register_version":
            client.create_model_version("gov-model", f"{world['artifact_uri']}/model", run_id=world["run_id"])
        elif action == "transition_staging":
            client.transition_model_version_stage("gov-model", _new_version(server, world), "Staging")
        elif action == "transition_production":
            client.transition_model_version_stage("gov-model", _new_version(server, world), "Production")
        elif action == "set_protected_alias":
            client.set_registered_model_alias("gov-model", "champion", _new_version(server, world))
        elif action in ("approve_own_request", "approve_other_request"):
            version = _new_version(server, world)
            requester = headers if action == "approve_own_request" else _basic("u-data-scientist", PASSWORD)
            created = _api(server, "POST", "transition-requests", requester,
                           name="gov-model", version=int(version), stage="Production", reason="ready for prod")
            if created.status_code != 200:
                assert created.status_code == 403, created.text
                return False
            res = _api(server, "POST", f"transition-requests/{created.json()['request']['id']}/approve", headers)
            if res.status_code == 403:
                assert res.json()["error_code"] == "PERMISSION_DENIED"
                return False
            assert res.status_code == 200, res.text
            assert res.json()["request"]["status"] == "approved"
            return True
        elif action == "read_artifacts":
            text = mlflow.artifacts.load_text(f"runs:/{world['run_id']}/model/MLmodel")
            assert text == "artifact body"
        elif action == "delete_model":
            name = f"doomed-{uuid.uuid4().hex[:8]}"
            requests.post(f"{server.url}/api/2.0/mlflow/registered-models/create", json={"name": name},
                          headers=ADMIN_HEADERS, timeout=30).raise_for_status()
            client.delete_registered_model(name)
        return True
    except MlflowException as e:
        assert e.error_code == "PERMISSION_DENIED", f"{action} as {role}: {e}"
        return False


@pytest.mark.parametrize("via", ["basic", "token"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(flowgate_auth, world, monkeypatch, role, via):
    headers = _as(monkeypatch, flowgate_auth, world, role, via)
    got = {action: _attempt(action, flowgate_auth, world, role, headers) for action in EXPECTED}
    want = {action: row[ROLES.index(role)] for action, row in EXPECTED.items()}
    assert got == want


def test_anonymous_client_is_refused_with_401(flowgate_auth, monkeypatch):
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    for var in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(MlflowException) as err:
        MlflowClient(flowgate_auth.url).search_experiments()
    assert err.value.error_code == "UNAUTHENTICATED"


def test_promotion_below_gate_is_refused_with_the_gate_and_shortfall(flowgate_auth, world, monkeypatch):
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    policy = {"gates": [{"name": "f1-floor", "type": "metric", "check": "val_f1 >= 0.95"}]}
    assert _api(flowgate_auth, "PUT", "models/gov-model/policy", ADMIN_HEADERS, policy=policy).status_code == 200
    try:
        version = _new_version(flowgate_auth, world)
        _as(monkeypatch, flowgate_auth, world, "release-manager", "basic")
        with pytest.raises(MlflowException) as err:
            MlflowClient(flowgate_auth.url).transition_model_version_stage("gov-model", version, "Production")
        assert err.value.error_code == "INVALID_STATE"
        assert "gate 'f1-floor'" in str(err.value) and "off by 0.05" in str(err.value)
        assert MlflowClient(flowgate_auth.url).get_model_version("gov-model", version).current_stage == "None"
    finally:
        _api(flowgate_auth, "DELETE", "models/gov-model/policy", ADMIN_HEADERS)


def test_every_mutating_call_leaves_exactly_one_audit_record(flowgate_auth, world, monkeypatch):
    import mlflow

    def count():
        res = requests.get(f"{flowgate_auth.url}/api/flowgate/v1/audit", params={"max_results": 1000}, headers=ADMIN_HEADERS, timeout=30)
        return len(res.json()["events"])

    _as(monkeypatch, flowgate_auth, world, "admin", "basic")
    mlflow.set_tracking_uri(flowgate_auth.url)
    steps = [
        lambda c: c.create_experiment(f"aud-{uuid.uuid4().hex[:6]}"),
        lambda c: c.create_registered_model(f"aud-{uuid.uuid4().hex[:6]}"),
        lambda c: c.set_registered_model_tag("gov-model", "team", "risk"),
        lambda c: c.update_registered_model("gov-model", description="governed"),
    ]
    from mlflow import MlflowClient

    client = MlflowClient(flowgate_auth.url)
    for step in steps:
        before = count()
        step(client)
        assert count() == before + 1


def test_scoped_callers_see_only_their_grant_through_the_client(flowgate_auth, world, monkeypatch):
    """A model-scoped reader, an experiment-scoped data scientist and a service account on one model, as the
    real client sees them: lists hold only the granted objects, and the service account downloads a released
    version (models:/ URI through the artifact proxy) but not an unreleased one."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    server = flowgate_auth
    tag = uuid.uuid4().hex[:6]
    mine, other = f"scoped-a-{tag}", f"scoped-b-{tag}"
    admin = MlflowClient(server.url)
    _as(monkeypatch, server, world, "admin", "basic")
    for name in (mine, other):
        admin.create_registered_model(name)
        admin.create_model_version(name, f"{world['artifact_uri']}/model", run_id=world["run_id"])
        admin.create_model_version(name, f"{world['artifact_uri']}/model", run_id=world["run_id"])
    released = requests.post(
        f"{server.url}/api/2.0/mlflow/model-versions/transition-stage",
        json={"name": mine, "version": "1", "stage": "Production", "archive_existing_versions": False},
        headers={**ADMIN_HEADERS, "X-Flowgate-Reason": "release"},
        timeout=30,
    )
    assert released.status_code == 200, released.text
    exp_mine = admin.create_experiment(f"scoped-exp-{tag}")
    admin.create_experiment(f"other-exp-{tag}")
    for user, grant in [
        (f"mr-{tag}", {"role": "reader", "scope_type": "registered_model", "scope_id": mine}),
        (f"ds-{tag}", {"role": "data-scientist", "scope_type": "experiment", "scope_id": exp_mine}),
    ]:
        assert _api(server, "POST", "users", ADMIN_HEADERS, username=user, password=PASSWORD).status_code == 200
        assert _api(server, "POST", f"users/{user}/grants", ADMIN_HEADERS, **grant).status_code == 200
    svc = f"svc-{tag}"
    assert _api(server, "POST", "users", ADMIN_HEADERS, username=svc, kind="service").status_code == 200
    assert _api(server, "POST", f"users/{svc}/grants", ADMIN_HEADERS, role="service",
                scope_type="registered_model", scope_id=mine).status_code == 200
    token = _api(server, "POST", "tokens", ADMIN_HEADERS, name="scorer", username=svc).json()["token"]

    def login(user=None, bearer=None):
        for var in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
            monkeypatch.delenv(var, raising=False)
        if bearer is not None:
            monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", bearer)
        else:
            monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", user)
            monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", PASSWORD)
        return MlflowClient(server.url)

    def denied(call):
        with pytest.raises(MlflowException) as err:
            call()
        assert err.value.error_code == "PERMISSION_DENIED", str(err.value)

    reader = login(f"mr-{tag}")
    assert [m.name for m in reader.search_registered_models()] == [mine]
    assert sorted((v.name, v.version) for v in reader.search_model_versions()) == [(mine, "1"), (mine, "2")]
    assert reader.search_model_versions(f"name = '{other}'") == []
    denied(lambda: reader.get_registered_model(other))

    scientist = login(f"ds-{tag}")
    assert [e.experiment_id for e in scientist.search_experiments()] == [exp_mine]
    denied(lambda: scientist.get_experiment_by_name(f"other-exp-{tag}"))
    run = scientist.create_run(exp_mine)
    scientist.log_metric(run.info.run_id, "loss", 0.5)
    assert scientist.get_run(run.info.run_id).data.metrics == {"loss": 0.5}

    service = login(bearer=token)
    assert [v.version for v in service.search_model_versions(f"name = '{mine}'")] == ["1"]
    assert [v.version for v in service.get_latest_versions(mine)] == ["1"]
    mlflow.set_tracking_uri(server.url)
    local = mlflow.artifacts.download_artifacts(f"models:/{mine}/1")
    assert open(f"{local}/MLmodel").read() == "artifact body"
    with pytest.raises(MlflowException) as err:
        mlflow.artifacts.download_artifacts(f"models:/{mine}/2")
    assert err.value.error_code == "PERMISSION_DENIED", str(err.value)
