"""Schemathesis against a live `flowgate models serve`: every operation of its GET /openapi.json, with all checks,
on a real scikit-learn model (bench/serving-model.py, saved by the real mlflow client) served by the in-process
ONNX runtime and by the Python worker pool. Afterwards the process must still be alive and answering /ping.

Usage (from the repo root; needs .venvs/mlflow3 and .venvs/fuzz, see scripts/setup-python.sh):
  .venvs/fuzz/bin/python test/fuzz/fuzz_serving.py [--runtime onnx|python|both] [--max-examples N]
Prints each run's generated-case count and ends with one "N passed, N failed" line.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
MLFLOW_PYTHON = ROOT / ".venvs" / "mlflow3" / "bin" / "python"
SCHEMATHESIS = ROOT / ".venvs" / "fuzz" / "bin" / "schemathesis"
# The CLI from source (no build needed), as test/support/cli.ts runs it.
CLI = (
    f"const {{ main }} = await import({str(ROOT / 'src' / 'cli' / 'main.ts')!r}); "
    "await main([process.argv[0], 'flowgate', ...process.argv.slice(1)]);"
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serving(tmp, model_dir, runtime):
    port = free_port()
    log_path = tmp / f"serving-{runtime}.log"
    process = subprocess.Popen(
        ["node", "--import", "tsx", "--input-type=module", "-e", CLI,
         "models", "serve", "-m", str(model_dir), "--port", str(port), "--runtime", runtime,
         "--python", str(MLFLOW_PYTHON), "--workers", "2", "--cache-dir", str(tmp / "cache"),
         # Small enough that generated bodies reach the limit paths too.
         "--max-body-bytes", str(256 * 1024)],
        stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, cwd=ROOT,
        env={**os.environ, "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT": "30"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"models serve exited: {log_path.read_text()[-4000:]}")
        try:
            if requests.get(f"{url}/ping", timeout=1).status_code == 200:
                process.url = url
                process.log_path = log_path
                return process
        except requests.ConnectionError:
            pass
        time.sleep(0.25)
    process.kill()
    raise RuntimeError(f"models serve did not become ready: {log_path.read_text()[-4000:]}")


def schemathesis(url, max_examples, label):
    report = Path(tempfile.mkdtemp(prefix="fuzz-serving-report-"))
    cmd = [
        str(SCHEMATHESIS), "--config-file", str(Path(__file__).with_name("serving-schemathesis.toml")),
        "run", f"{url}/openapi.json",
        "--checks", "all",
        "--max-examples", str(max_examples),
        "--workers", "1",
        "--phases", "examples,coverage,fuzzing",
        "--request-timeout", "60",
        "--continue-on-failure",
        "--suppress-health-check", "all",
        "--generation-allow-x00", "true",
        "--report", "ndjson", "--report-dir", str(report),
        "--warnings", "off",
        "--seed", "1",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    m = re.search(r"Test cases:\s*([\d,]+)\s+generated", out)
    cases = int(m.group(1).replace(",", "")) if m else 0
    ok = proc.returncode == 0
    print(f"[{label}] {cases} generated cases; {'no failures' if ok else 'FAILURES'}", flush=True)
    if not ok:
        print(out[-30000:], flush=True)
    return ok, cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runtime", default="both", choices=["onnx", "python", "both"])
    ap.add_argument("--max-examples", type=int, default=300)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="flowgate-fuzz-serving-"))
    model_dir = tmp / "model"
    subprocess.run([str(MLFLOW_PYTHON), str(ROOT / "bench" / "serving-model.py"), str(model_dir)], check=True)
    runtimes = ["onnx", "python"] if args.runtime == "both" else [args.runtime]
    passed = failed = total = 0
    for runtime in runtimes:
        serving = start_serving(tmp, model_dir, runtime)
        try:
            ok, cases = schemathesis(serving.url, args.max_examples, f"serving runtime={runtime}")
            total += cases
            alive = serving.poll() is None
            try:
                answering = requests.get(f"{serving.url}/ping", timeout=10).status_code == 200
            except requests.RequestException:
                answering = False
            if not (alive and answering):
                ok = False
                print(f"[serving runtime={runtime}] process alive={alive}, /ping answering={answering} after "
                      f"fuzzing; log tail:\n{serving.log_path.read_text()[-4000:]}", flush=True)
            passed += 1 if ok else 0
            failed += 0 if ok else 1
        finally:
            serving.terminate()
            try:
                serving.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serving.kill()
    print(f"generated cases: {total}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
