"""The server answers the probes the mlflow client makes before anything else."""
import pytest
import requests


def test_health_and_version(flowgate):
    assert requests.get(f"{flowgate.url}/health").text == "OK"
    version = requests.get(f"{flowgate.url}/version").text
    assert version.split(".")[0] in ("2", "3")


def test_max_artifact_bytes_flag_refuses_a_bigger_upload_and_keeps_nothing(tmp_path, monkeypatch):
    """`flowgate server --max-artifact-bytes` as typed: the client's upload beyond it fails, nothing is stored."""
    import mlflow

    from conftest import start_server

    server = start_server(tmp_path, extra_args=("--max-artifact-bytes", "1000"))
    previous_uri = mlflow.get_tracking_uri()
    try:
        monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        mlflow.set_tracking_uri(server.url)
        small, big = tmp_path / "small.txt", tmp_path / "big.bin"
        small.write_bytes(b"x" * 1000)
        big.write_bytes(b"x" * 1001)
        # Experiment "0" explicitly: an earlier test's active experiment lives on another server.
        with mlflow.start_run(experiment_id="0") as run:
            mlflow.log_artifact(str(small))
            # The client surfaces the proxy's 413 as an HTTP error.
            with pytest.raises(Exception, match="413"):
                mlflow.log_artifact(str(big))
        names = sorted(f.path for f in mlflow.MlflowClient().list_artifacts(run.info.run_id))
        assert names == ["small.txt"]
    finally:
        mlflow.set_tracking_uri(previous_uri)
        server.process.terminate()
        server.process.wait(timeout=10)
