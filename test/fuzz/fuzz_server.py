"""Schemathesis against a live Flowgate server: every operation of GET /api/openapi.json, generated cases
checked for server errors (any 5xx but the deliberate 501s of multipart uploads and presigned URLs), for
responses that break their documented schema, and for statuses the document does not declare.

Usage (from the repo root, after `npm run build`): .venvs/fuzz/bin/python test/fuzz/fuzz_server.py
  --backend sqlite|postgresql   (PostgreSQL at FLOWGATE_TEST_PG_URL)
  --max-examples N              examples per operation in the generating phases (default 3)
Two servers on the back end, auth off and auth on; three runs at once: anonymous (auth off), the first
admin, and a user granted `data-scientist` on one experiment. Prints each run's generated-case count and ends with
one "N passed, N failed" line (one test per run, one more if a server stopped answering).
"""
import argparse
import base64
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]

ADMIN = ("fuzzadmin", "Kettle-Sunrise-4417-blue")
SCOPED = ("fuzzscoped", "Harbor-Lantern-8823-green")
# Left out: routes declined on purpose with 501 (the client then uses plain PUT/GET), and the UI's
# upload-artifact, whose success is an empty body typed application/json, as MLflow answers it (schemathesis
# reads that as broken JSON).
EXCLUDED = r"mlflow-artifacts/(mpu|presigned)/|/upload-artifact$"


def start_server(tmp, backend, extra_args, env):
    """The built server (bin/flowgate.js) on a free port with a fresh store, as the compat suite starts it."""
    import socket
    import time
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    if backend == "sqlite":
        store = f"sqlite:///{tmp / 'flowgate.db'}"
    else:
        base = os.environ["FLOWGATE_TEST_PG_URL"]
        name = "fuzz_" + secrets.token_hex(6)
        subprocess.run(["node", "-e", f"const pg=require('pg');const c=new pg.Client('{base}/postgres');"
                        f"c.connect().then(()=>c.query('CREATE DATABASE {name}')).then(()=>c.end())"],
                       check=True, cwd=ROOT)
        store = f"{base}/{name}"
    log_path = tmp / "server.log"
    process = subprocess.Popen(
        ["node", str(ROOT / "bin" / "flowgate.js"), "server", "--port", str(port), "--backend-store-uri", store,
         "--artifacts-destination", str(tmp / "artifacts"), *extra_args],
        stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, cwd=tmp, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"flowgate server exited: {log_path.read_text()}")
        try:
            if requests.get(f"{url}/health", timeout=1).status_code == 200:
                process.url = url
                return process
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"flowgate server did not start: {log_path.read_text()}")


def basic(user):
    return "Basic " + base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()


def seed(url, auth_header):
    """A little data so that generated ids sometimes hit something: an experiment, a run, a model version."""
    h = {"content-type": "application/json", **({"authorization": auth_header} if auth_header else {})}
    post = lambda p, b: requests.post(f"{url}{p}", headers=h, data=json.dumps(b), timeout=30)
    exp = post("/api/2.0/mlflow/experiments/create", {"name": "fuzz-seed"}).json()["experiment_id"]
    run = post("/api/2.0/mlflow/runs/create", {"experiment_id": exp}).json()["run"]["info"]["run_id"]
    post("/api/2.0/mlflow/runs/log-metric", {"run_id": run, "key": "m", "value": 1, "timestamp": 1})
    post("/api/2.0/mlflow/registered-models/create", {"name": "fuzz-model"})
    post("/api/2.0/mlflow/model-versions/create", {"name": "fuzz-model", "source": f"runs:/{run}/model", "run_id": run})
    return exp


def schemathesis(url, header, max_examples, phases, label):
    """Starts one schemathesis run (a process of its own: runs go in parallel on separate cores)."""
    report = Path(tempfile.mkdtemp(prefix="fuzz-report-"))
    cmd = [
        str(ROOT / ".venvs" / "fuzz" / "bin" / "schemathesis"), "run", f"{url}/api/openapi.json",
        "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance",
        "--exclude-path-regex", EXCLUDED,
        "--max-examples", str(max_examples),
        # One worker: hypothesis describes lambdas by parsing their source, which CPython 3.11 cannot do
        # from two threads at once (SystemError: AST constructor recursion depth mismatch).
        "--workers", "1",
        "--phases", phases,
        "--request-timeout", "30",
        "--continue-on-failure",
        "--suppress-health-check", "all",
        "--generation-allow-x00", "true",
        "--report", "ndjson", "--report-dir", str(report),
        "--warnings", "off",
        "--seed", "1",
    ]
    if header:
        cmd += ["--header", f"Authorization: {header}"]
    out = tempfile.TemporaryFile(mode="w+")
    return label, subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, text=True), out


def finish(run):
    label, proc, out = run
    code = proc.wait()
    out.seek(0)
    text = out.read()
    m = re.search(r"Test cases:\s*([\d,]+)\s+generated", text)
    cases = int(m.group(1).replace(",", "")) if m else 0
    ok = code == 0
    print(f"[{label}] {cases} generated cases; {'no failures' if ok else 'FAILURES'}", flush=True)
    if not ok:
        print(text[-30000:], flush=True)
    return ok, cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--max-examples", type=int, default=3)
    args = ap.parse_args()
    servers = []
    passed = failed = total = 0
    try:
        open_server = start_server(Path(tempfile.mkdtemp(prefix="flowgate-fuzz-")), args.backend, [], {})
        servers.append(open_server)
        auth_server = start_server(
            Path(tempfile.mkdtemp(prefix="flowgate-fuzz-")), args.backend, ["--auth"],
            {"FLOWGATE_ADMIN_USERNAME": ADMIN[0], "FLOWGATE_ADMIN_PASSWORD": ADMIN[1]},
        )
        servers.append(auth_server)
        seed(open_server.url, None)
        exp = seed(auth_server.url, basic(ADMIN))
        h = {"content-type": "application/json", "authorization": basic(ADMIN)}
        requests.post(f"{auth_server.url}/api/flowgate/v1/users", headers=h, timeout=30,
                      data=json.dumps({"username": SCOPED[0], "password": SCOPED[1]})).raise_for_status()
        requests.post(f"{auth_server.url}/api/flowgate/v1/users/{SCOPED[0]}/grants", headers=h, timeout=30,
                      data=json.dumps({"role": "data-scientist", "scope_type": "experiment", "scope_id": exp})
                      ).raise_for_status()
        every = "examples,coverage,fuzzing,stateful"
        runs = [
            schemathesis(open_server.url, None, args.max_examples, every, f"{args.backend} auth=off"),
            schemathesis(auth_server.url, basic(ADMIN), args.max_examples, every, f"{args.backend} auth=on admin"),
            schemathesis(auth_server.url, basic(SCOPED), args.max_examples, every,
                         f"{args.backend} auth=on experiment-scoped data-scientist"),
        ]
        for run in runs:
            ok, cases = finish(run)
            total += cases
            passed += 1 if ok else 0
            failed += 0 if ok else 1
        for server in servers:
            if requests.get(f"{server.url}/health", timeout=5).status_code != 200:
                failed += 1
                print(f"server {server.url} not answering /health after fuzzing", flush=True)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    print(f"generated cases ({args.backend}): {total}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
