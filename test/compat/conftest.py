"""Compatibility tests: the real `mlflow` client against a real Flowgate server.

`npm test` runs this directory once per venv (MLflow 3.x and 2.x) and per back end (FLOWGATE_COMPAT_BACKEND
= sqlite | postgresql; PostgreSQL at FLOWGATE_TEST_PG_URL). One Flowgate server is started per test module
on a free port, with a fresh store and artifact root, and MLFLOW_TRACKING_URI points the client at it.
"""
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fresh_backend_uri(tmp: Path) -> str:
    backend = os.environ.get("FLOWGATE_COMPAT_BACKEND", "sqlite")
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'flowgate.db'}"
    base = os.environ["FLOWGATE_TEST_PG_URL"]
    name = "c_" + secrets.token_hex(6)
    # Create the database through psql-free means: the server's own driver cannot create databases, so use
    # a tiny SQL call over the postgres maintenance DB with the `pg8000`-free approach of `createdb` via node.
    subprocess.run(
        ["node", "-e", f"const pg=require('pg');const c=new pg.Client('{base}/postgres');"
         f"c.connect().then(()=>c.query('CREATE DATABASE {name}')).then(()=>c.end())"],
        check=True, cwd=ROOT,
    )
    return f"{base}/{name}"


class FlowgateServer:
    def __init__(self, url: str, artifact_root: Path, process: subprocess.Popen, log_path: Path):
        self.url = url
        self.artifact_root = artifact_root
        self.process = process
        self.log_path = log_path


def start_server(tmp: Path, extra_args=(), env=None) -> FlowgateServer:
    port = _free_port()
    artifact_root = tmp / "artifacts"
    log_path = tmp / "server.log"
    log = open(log_path, "wb")
    process = subprocess.Popen(
        ["node", str(ROOT / "bin" / "flowgate.js"), "server", "--port", str(port),
         "--backend-store-uri", _fresh_backend_uri(tmp), "--artifacts-destination", str(artifact_root),
         *extra_args],
        stdout=log, stderr=subprocess.STDOUT, cwd=tmp,
        # The client's own Python serves the max_latency gate's smoke benchmarks (sklearn → ONNX, pyfunc).
        env={"FLOWGATE_PYTHON": sys.executable, **os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"flowgate server exited: {log_path.read_text()}")
        try:
            if requests.get(f"{url}/health", timeout=1).status_code == 200:
                return FlowgateServer(url, artifact_root, process, log_path)
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"flowgate server did not start: {log_path.read_text()}")


@pytest.fixture(scope="module")
def flowgate(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("flowgate")
    server = start_server(tmp)
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


@pytest.fixture()
def tracking_uri(flowgate, monkeypatch):
    """Points the real mlflow client at the Flowgate server, with no retries so failures show at once."""
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", flowgate.url)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    mlflow.set_tracking_uri(flowgate.url)
    yield flowgate.url
    if mlflow.active_run() is not None:
        mlflow.end_run()


MLFLOW_MAJOR = int(__import__("mlflow").__version__.split(".")[0])


# An auth-enabled server (`flowgate server --auth`) whose first admin comes from the environment.
AUTH_ADMIN = ("gov-admin", "Kettle-Sunrise-4417-blue")


@pytest.fixture(scope="module")
def flowgate_auth(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("flowgate-auth")
    server = start_server(
        tmp,
        ["--auth"],
        {"FLOWGATE_ADMIN_USERNAME": AUTH_ADMIN[0], "FLOWGATE_ADMIN_PASSWORD": AUTH_ADMIN[1]},
    )
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


# The differential harness (differential.py): a real `mlflow server` beside Flowgate, one pair per session
# and artifact mode, so MLflow's start-up (~15 s) is paid once.
@pytest.fixture(scope="session")
def mlflow_pair(tmp_path_factory):
    """Proxied artifacts (`mlflow-artifacts:/`), MLflow's default."""
    from differential import Pair, ReferenceServer

    ref_tmp = tmp_path_factory.mktemp("mlflow-ref")
    ref = ReferenceServer(ref_tmp, ["--artifacts-destination", str(ref_tmp / "artifacts")])
    ours = start_server(tmp_path_factory.mktemp("flowgate-diff"))
    yield Pair(ref.url, ours.url)
    ref.stop()
    ours.process.terminate()
    ours.process.wait(timeout=10)


@pytest.fixture(scope="session")
def mlflow_file_pair(tmp_path_factory):
    """`--default-artifact-root file:///… --no-serve-artifacts`: clients read and write the files themselves."""
    from differential import Pair, ReferenceServer

    ref_tmp = tmp_path_factory.mktemp("mlflow-ref-file")
    ref_root = ref_tmp / "mlruns"
    ref = ReferenceServer(ref_tmp, ["--default-artifact-root", ref_root.as_uri(), "--no-serve-artifacts"])
    our_tmp = tmp_path_factory.mktemp("flowgate-diff-file")
    our_root = our_tmp / "mlruns"
    ours = start_server(our_tmp, ["--default-artifact-root", our_root.as_uri(), "--no-serve-artifacts"])
    pair = Pair(ref.url, ours.url, roots=[(ref_root.as_uri(), our_root.as_uri(), "<root>"),
                                          (str(ref_root), str(our_root), "<root-dir>")])
    pair.reference_root, pair.flowgate_root = ref_root, our_root
    yield pair
    ref.stop()
    ours.process.terminate()
    ours.process.wait(timeout=10)
