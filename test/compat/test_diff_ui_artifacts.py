"""The artifact routes MLflow's web UI calls outside the REST API answer as MLflow's own server does:
`POST /ajax-api/2.0/mlflow/upload-artifact` (the file's bytes as the body, labelled JSON by the UI's fetch
helper), `GET /get-artifact` and `GET /model-versions/get-artifact` (see differential.py)."""

UPLOAD = "/ajax-api/2.0/mlflow/upload-artifact"
# What MLflow's UI sends (its fetch helper labels every body application/json).
AS_THE_UI_SENDS = {"Content-Type": "application/json; charset=utf-8"}


def _run_info(c):
    exp = c.post("experiments/create", {"name": c.name("exp")})["experiment_id"]
    return c.post("runs/create", {"experiment_id": exp, "run_name": "r", "start_time": 1})["run"]["info"]


def _run(c):
    return _run_info(c)["run_id"]


def _upload(c, params, data):
    return c.call("POST", UPLOAD, params=params, raw=data, headers=AS_THE_UI_SENDS)


def test_a_file_uploaded_as_the_ui_does_is_listed_and_read_back(mlflow_pair):
    def scenario(c):
        run = _run(c)
        _upload(c, {"run_uuid": run, "path": "ui/notes.txt"}, b'{"kept": "as sent"}')
        _upload(c, {"run_uuid": run, "path": "top.txt"}, b"top level")
        c.get("artifacts/list", {"run_id": run})
        c.get("artifacts/list", {"run_id": run, "path": "ui"})
        c.get("/get-artifact", {"path": "ui/notes.txt", "run_uuid": run})
        c.get("/get-artifact", {"path": "top.txt", "run_id": run})

    mlflow_pair.assert_same(scenario)


def test_upload_artifact_refuses_what_mlflow_refuses(mlflow_pair):
    def scenario(c):
        run = _run(c)
        _upload(c, {"path": "x.txt"}, b"x")
        _upload(c, {"run_uuid": run}, b"x")
        _upload(c, {"run_uuid": run, "path": "empty.txt"}, b"")
        _upload(c, {"run_uuid": run, "path": "big.bin"}, b"\0" * (10 * 1024 * 1024 + 1))
        c.get("artifacts/list", {"run_id": run})

    mlflow_pair.assert_same(scenario)


def test_traversal_is_refused_by_both(mlflow_pair):
    def scenario(c):
        run = _run(c)
        _upload(c, {"run_uuid": run, "path": "../escape.txt"}, b"x")
        c.get("/get-artifact", {"path": "../../etc/passwd", "run_uuid": run})
        c.get("/get-artifact", {"path": "/etc/passwd", "run_uuid": run})

    ref, ours, _ = mlflow_pair.run(scenario)
    for r, o in zip(ref[-3:], ours[-3:]):
        assert (r["status"], r["body"]["error_code"]) == (o["status"], o["body"]["error_code"]) == (
            400,
            "INVALID_PARAMETER_VALUE",
        ), (r, o)


def test_a_model_versions_file_is_read_from_its_source(mlflow_pair):
    # MLflow 3.17's own server answers 500 for a `runs:/` source here (its RunsArtifactRepository wants an
    # http tracking URI); Flowgate serves those too (test/api/mlflow/ui-artifacts.routes.test.ts).
    def scenario(c):
        info = _run_info(c)
        run = info["run_id"]
        _upload(c, {"run_uuid": run, "path": "model/MLmodel"}, b"artifact_path: model\n")
        name = c.name("model")
        c.post("registered-models/create", {"name": name})
        source = f"{info['artifact_uri']}/model"
        c.post("model-versions/create", {"name": name, "source": source, "run_id": run})
        c.get("/model-versions/get-artifact", {"path": "MLmodel", "name": name, "version": "1"})

    mlflow_pair.assert_same(scenario)
