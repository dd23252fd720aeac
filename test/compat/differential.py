"""A differential harness: the same requests sent to a real `mlflow server` and to Flowgate, answers compared.

A scenario is a function of one `Side` (a client bound to one server). It runs once against MLflow's own
server (the reference, from the same venv as the client) and once against Flowgate, each time in that
server's own store, so ids the scenario reads from one answer are that server's own. Every answer is
recorded; the two records are then compared after the values that are bound to differ (ids, timestamps,
page tokens, the artifact root) are replaced by placeholders, in order of first appearance.

Error messages compare as "Flowgate's starts with MLflow's": Flowgate may add a hint after MLflow's text
(two exceptions, see _messages_agree: MLflow's Python-set key lists and its "supplied:" hints).
"""
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ID_KEYS = {"experiment_id", "run_id", "run_uuid", "model_id", "source_run_id", "dataset_digest"}
TIME_KEYS = {
    "creation_timestamp", "last_updated_timestamp", "start_time", "end_time", "creation_time",
    "last_update_time", "last_updated_time", "creation_timestamp_ms", "last_updated_timestamp_ms",
}
TOKEN_KEYS = {"next_page_token"}
# Fields that MLflow 3 added: Flowgate sends them to every client, MLflow 2's server does not know them.
MLFLOW3_FIELDS = {"workspace", "outputs"}
MLFLOW_MAJOR = int(__import__("mlflow").__version__.split(".")[0])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, log_path: Path, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-4000:]}")
        try:
            if requests.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still loading its app
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start: {log_path.read_text()[-4000:]}")


class ReferenceServer:
    """MLflow's own tracking server, from the venv that runs the tests (always on SQLite: it is the oracle)."""

    def __init__(self, tmp: Path, artifacts_args):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "mlflow-server.log"
        mlflow_bin = Path(sys.executable).parent / "mlflow"
        self.process = subprocess.Popen(
            [str(mlflow_bin), "server", "--backend-store-uri", f"sqlite:///{tmp / 'mlflow.db'}",
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1", *artifacts_args],
            stdout=open(self.log_path, "wb"), stderr=subprocess.STDOUT, cwd=tmp,
            env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
            # Its own process group: `mlflow server` starts gunicorn or uvicorn, which outlive a plain
            # terminate of the CLI; stop() ends the whole group.
            start_new_session=True,
        )
        try:
            wait_healthy(self.url, self.process, self.log_path)
        except Exception:
            self.stop()
            raise

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


class Side:
    """One server as a scenario sees it: `call` records each answer, `name` gives names shared by both sides."""

    def __init__(self, label: str, url: str, names: dict):
        self.label = label
        self.url = url
        self.records = []
        self._names = names

    def name(self, key: str) -> str:
        """The same unique name on both servers (each has its own store, so clashes are per test only)."""
        return self._names.setdefault(key, f"{key}-{secrets.token_hex(4)}")

    def call(self, method: str, path: str, body=None, params=None, api="2.0", record=True, raw=None,
             headers=None):
        url = f"{self.url}/api/{api}/mlflow/{path}" if not path.startswith("/") else f"{self.url}{path}"
        if raw is not None:
            res = requests.request(method, url, data=raw, params=params, headers=headers, timeout=60)
        else:
            res = requests.request(method, url, json=body, params=params, headers=headers, timeout=60)
        try:
            answer = res.json()
        except ValueError:
            answer = {"<text>": res.text[:200]}
        if record:
            self.records.append({"request": f"{method} {path}", "status": res.status_code, "body": answer})
        return answer

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def get(self, path, params=None, **kw):
        return self.call("GET", path, params=params, **kw)


class Normalizer:
    """Replaces the values that differ between two servers by construction, the same way on each side."""

    def __init__(self, roots):
        self.ids = {}
        self.roots = roots

    def _id(self, value: str) -> str:
        return self.ids.setdefault(value, f"<id{len(self.ids) + 1}>")

    def collect(self, obj, key=None):
        if isinstance(obj, dict):
            for k, v in obj.items():
                self.collect(v, k)
        elif isinstance(obj, list):
            for v in obj:
                self.collect(v, key)
        elif isinstance(obj, str) and key in ID_KEYS and obj not in ("", "0"):
            self._id(obj)

    def apply(self, obj, key=None):
        if isinstance(obj, dict):
            return {k: self.apply(v, k) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.apply(v, key) for v in obj]
        if key in TIME_KEYS and isinstance(obj, (int, str)) and obj not in ("", None):
            return "<time>"
        if key in TOKEN_KEYS and isinstance(obj, str):
            return "<token>"
        if isinstance(obj, str):
            for root, placeholder in self.roots:
                obj = obj.replace(root, placeholder)
            # Longest first, so an id that contains another is replaced whole. Short ids (experiment ids
            # such as "1") only as a whole value or a whole path segment, never inside other text.
            for value in sorted(self.ids, key=len, reverse=True):
                if obj == value:
                    obj = self.ids[value]
                elif len(value) >= 8:
                    obj = obj.replace(value, self.ids[value])
                else:
                    obj = re.sub(rf"(?<=[:/]){re.escape(value)}(?=/|$)", self.ids[value], obj)
        return obj


def normalize(records, roots=()):
    n = Normalizer(roots)
    for r in records:
        n.collect(r["body"])
    return [{**r, "body": n.apply(r["body"])} for r in records]


SUPPLIED = re.compile(r"^Invalid value .* for parameter '([^']+)' supplied:")


def _messages_agree(ref, ours) -> bool:
    if not (isinstance(ref, str) and isinstance(ours, str)):
        return False
    # MLflow prints its valid keys as a Python set, whose order changes from one process to the next, and
    # some messages end in its database driver's error and SQL text.
    ref = ref.split(" Valid keys are")[0].split(" Error: (")[0]
    # After "supplied:" MLflow prints its validator's hint and the value as its JSON parser saw it.
    supplied = SUPPLIED.match(ref)
    if supplied:
        ours_supplied = SUPPLIED.match(ours)
        return ours_supplied is not None and ours_supplied.group(1) == supplied.group(1)
    return ours.startswith(ref.rstrip("."))


def differences(ref_records, our_records, ignore=()):
    """Human-readable differences; empty when Flowgate answered as MLflow did."""
    out = []
    if len(ref_records) != len(our_records):
        return [f"{len(ref_records)} answers from MLflow, {len(our_records)} from Flowgate"]
    for i, (ref, ours) in enumerate(zip(ref_records, our_records)):
        where = f"#{i} {ref['request']}"
        if ref["status"] != ours["status"]:
            out.append(f"{where}: status MLflow {ref['status']} {ref['body']} / Flowgate {ours['status']} {ours['body']}")
            continue
        _diff(where, ref["body"], ours["body"], out, ignore)
    return out


# Lists whose order is MLflow's database row order, not part of its contract (the client makes dicts of
# them): compared as sets. A metric history is ordered by step in Flowgate and by insertion in MLflow.
UNORDERED = {"tags", "params", "metrics", "aliases"}


def _key(item):
    return json.dumps(item, sort_keys=True)


def _diff(where, ref, ours, out, ignore):
    last = where.rsplit(".", 1)[-1]
    if last in UNORDERED and isinstance(ref, list) and isinstance(ours, list):
        ref, ours = sorted(ref, key=_key), sorted(ours, key=_key)
    if isinstance(ref, dict) and isinstance(ours, dict):
        if "message" in ref and "error_code" in ref:
            if ref.get("error_code") != ours.get("error_code"):
                out.append(f"{where}: error_code {ref.get('error_code')} / {ours.get('error_code')}")
            if not _messages_agree(ref.get("message"), ours.get("message")):
                out.append(f"{where}: message\n    MLflow:   {ref.get('message')!r}\n    Flowgate: {ours.get('message')!r}")
            return
        for k in sorted(set(ref) | set(ours)):
            if k in ignore:
                continue
            if k not in ours:
                out.append(f"{where}.{k}: missing in Flowgate (MLflow: {ref[k]!r})")
            elif k not in ref:
                if _tolerated_extra(k, ours[k]):
                    continue
                out.append(f"{where}.{k}: extra in Flowgate ({ours[k]!r})")
            else:
                _diff(f"{where}.{k}", ref[k], ours[k], out, ignore)
    elif isinstance(ref, list) and isinstance(ours, list):
        if len(ref) != len(ours):
            out.append(f"{where}: {len(ref)} items in MLflow {ref!r}, {len(ours)} in Flowgate {ours!r}")
            return
        for i, (a, b) in enumerate(zip(ref, ours)):
            _diff(f"{where}[{i}]", a, b, out, ignore)
    elif ref != ours:
        out.append(f"{where}: MLflow {ref!r} / Flowgate {ours!r}")


# What Flowgate sends beyond MLflow 3.17 (README, "Differences from MLflow"): a version's logged model and a
# logged model's registrations, which MLflow's protos have but its server leaves unset.
FLOWGATE_EXTRAS = {"model_id", "registrations"}


def _tolerated_extra(key, value) -> bool:
    if key in FLOWGATE_EXTRAS:
        return True
    return MLFLOW_MAJOR < 3 and key in MLFLOW3_FIELDS


class Pair:
    """A reference MLflow server and a Flowgate server started with the same artifact configuration."""

    def __init__(self, reference_url: str, flowgate_url: str, roots=()):
        self.reference_url = reference_url
        self.flowgate_url = flowgate_url
        self.roots = roots

    def run(self, scenario, ignore=()):
        """Runs `scenario(side)` on both servers; returns (MLflow's records, Flowgate's records, differences)."""
        names = {}
        ref = Side("mlflow", self.reference_url, names)
        ours = Side("flowgate", self.flowgate_url, names)
        scenario(ref)
        scenario(ours)
        ref_n = normalize(ref.records, [(r[0], r[2]) for r in self.roots])
        our_n = normalize(ours.records, [(r[1], r[2]) for r in self.roots])
        return ref_n, our_n, differences(ref_n, our_n, ignore)

    def assert_same(self, scenario, ignore=()):
        ref, ours, diffs = self.run(scenario, ignore)
        assert not diffs, "Flowgate differs from MLflow:\n  " + "\n  ".join(diffs)
        return ref, ours
