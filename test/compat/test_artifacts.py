"""Artifacts through the proxy with the real client: files, nested directories, a 50 MB file, listing, and
downloads that are byte-identical to what was uploaded."""
import hashlib
import os
from pathlib import Path

import mlflow
from mlflow import MlflowClient


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tree(root: Path) -> dict:
    return {
        str(p.relative_to(root)): _sha256(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_log_list_and_download_artifacts_byte_identical(tracking_uri, flowgate, tmp_path):
    src = tmp_path / "src"
    (src / "plots" / "deep").mkdir(parents=True)
    (src / "notes.txt").write_text("hello artifacts\n")
    (src / "config.json").write_text('{"lr": 0.1}')
    (src / "plots" / "curve.csv").write_text("x,y\n1,2\n")
    (src / "plots" / "deep" / "weights.bin").write_bytes(os.urandom(300_000))
    single = tmp_path / "single.yaml"
    single.write_text("a: 1\n")
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        for _ in range(50):
            f.write(os.urandom(1 << 20))

    mlflow.set_experiment("compat-artifacts")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(single))
        mlflow.log_artifacts(str(src), artifact_path="bundle")
        mlflow.log_artifact(str(big), artifact_path="large")
    run_id = run.info.run_id
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/")

    client = MlflowClient()
    root = {f.path: f for f in client.list_artifacts(run_id)}
    assert set(root) == {"single.yaml", "bundle", "large"}
    assert root["bundle"].is_dir and not root["single.yaml"].is_dir
    assert root["single.yaml"].file_size == single.stat().st_size
    nested = {f.path: f.is_dir for f in client.list_artifacts(run_id, "bundle/plots")}
    assert nested == {"bundle/plots/curve.csv": False, "bundle/plots/deep": True}
    large = client.list_artifacts(run_id, "large")
    assert [(f.path, f.file_size) for f in large] == [("large/big.bin", 50 << 20)]

    (tmp_path / "out").mkdir()
    out = Path(client.download_artifacts(run_id, "", str(tmp_path / "out")))
    assert _tree(out / "bundle") == _tree(src)
    assert _sha256(out / "large" / "big.bin") == _sha256(big)
    assert _sha256(out / "single.yaml") == _sha256(single)

    # The bytes sit under the server's artifact root, where the run's artifact_uri says.
    exp_id = run.info.experiment_id
    stored = flowgate.artifact_root / exp_id / run_id / "artifacts" / "large" / "big.bin"
    assert _sha256(stored) == _sha256(big)


def test_download_of_a_single_artifact_file(tracking_uri, tmp_path):
    payload = tmp_path / "model.txt"
    payload.write_bytes(b"\x00\x01binary\xff" * 1000)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(payload), artifact_path="a/b")
    (tmp_path / "dl").mkdir()
    got = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="a/b/model.txt", dst_path=str(tmp_path / "dl")
    )
    assert Path(got).read_bytes() == payload.read_bytes()
