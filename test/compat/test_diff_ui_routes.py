"""The routes MLflow's web UI (and newer clients) call besides the REST API answer as MLflow's own server does:
POST /graphql, metrics/get-history-bulk(-interval), experiments/search-datasets, logged-model files and
server-info (see differential.py).

Chart sampling (get-history-bulk-interval with fewer points asked than logged) is compared with MLflow's
step sampling, which its handler used through 2.x and its stores' shared implementation still uses (a
3.17 server on a file store shows it): steps 0-9 with max_results=5 give 0,2,4,6,8,9. MLflow 3.17's SQL
store samples rows instead (0,2,4,6,9); see the README's "Differences from MLflow".
"""
import os
import subprocess
import sys

import pytest
import requests
from differential import Pair, free_port, wait_healthy

INTERVAL = "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval"
BULK = "/ajax-api/2.0/mlflow/metrics/get-history-bulk"
DATASETS = "/ajax-api/2.0/mlflow/experiments/search-datasets"
MLFLOW_MAJOR = int(__import__("mlflow").__version__.split(".")[0])
needs_mlflow3 = pytest.mark.skipif(MLFLOW_MAJOR < 3, reason="MLflow 2's server has neither GraphQL fields nor server-info")


def _run_with_loss(c, steps=10, exp=None):
    exp = exp or c.post("experiments/create", {"name": c.name("exp")})["experiment_id"]
    run = c.post("runs/create", {"experiment_id": exp, "run_name": "r", "start_time": 1})["run"]["info"]["run_id"]
    metrics = [{"key": "loss", "value": float(i), "timestamp": 1000 + i, "step": i} for i in range(steps)]
    c.post("runs/log-batch", {"run_id": run, "metrics": metrics})
    return exp, run


def test_bulk_interval_checks_arguments_before_runs_and_returns_what_mlflow_returns(mlflow_pair):
    def scenario(c):
        exp, a = _run_with_loss(c)
        _, b = _run_with_loss(c, steps=4, exp=exp)
        missing = "f" * 32
        c.get(INTERVAL, {"run_ids": [a, b], "metric_key": "loss"})
        c.get(INTERVAL, {"run_ids": [a], "metric_key": "loss", "max_results": 10})
        c.get(INTERVAL, {"run_ids": [a], "metric_key": "loss", "start_step": 3, "end_step": 6, "max_results": 4})
        c.get(INTERVAL, {"run_ids": [missing], "metric_key": "loss"})
        c.get(INTERVAL, {"run_ids": [missing], "metric_key": "loss", "start_step": 5, "end_step": 1})
        c.get(INTERVAL, {"run_ids": [missing], "metric_key": "loss", "start_step": 5})
        c.get(INTERVAL, {"run_ids": [a], "metric_key": "loss", "max_results": 0})
        c.get(INTERVAL, {"run_ids": [a], "metric_key": "loss", "max_results": 2501})
        c.get(INTERVAL, {"metric_key": "loss"})
        c.get(INTERVAL, {"run_ids": [a]})
        c.get(INTERVAL, {"run_ids": [f"r{i}" for i in range(101)], "metric_key": "loss"})

    mlflow_pair.assert_same(scenario)


def test_get_history_bulk_answers_as_mlflow(mlflow_pair):
    orders = {}

    def scenario(c):
        exp, a = _run_with_loss(c)
        _, b = _run_with_loss(c, steps=3, exp=exp)
        c.get(BULK, {"run_id": [a, "f" * 32], "metric_key": "loss"})
        c.get(BULK, {"run_id": [a], "metric_key": "loss", "max_results": 4})
        c.get(BULK, {"metric_key": "loss"})
        c.get(BULK, {"run_id": [a]})
        c.get(BULK, {"run_id": [f"r{i}" for i in range(101)], "metric_key": "loss"})
        # Two runs come back in run-id order: ids differ between the servers, so each side is checked alone.
        both = c.get(BULK, {"run_id": [b, a], "metric_key": "loss"}, record=False)["metrics"]
        orders[c.label] = [m["run_id"] for m in both] == sorted(m["run_id"] for m in both) and len(both) == 13

    mlflow_pair.assert_same(scenario)
    assert orders == {"mlflow": True, "flowgate": True}


def test_search_datasets_answers_as_mlflow(mlflow_pair):
    def scenario(c):
        exp, run = _run_with_loss(c)
        for context in ("train", "eval"):
            dataset = {"name": "iris", "digest": "d1", "source_type": "local", "source": "{}"}
            tags = [{"key": "mlflow.data.context", "value": context}]
            c.post("runs/log-inputs", {"run_id": run, "datasets": [{"dataset": dataset, "tags": tags}]})
        c.post(DATASETS, {"experiment_ids": [exp]})
        c.post(DATASETS, {"experiment_ids": ["0"]})
        c.post(DATASETS, {})
        c.post(DATASETS, {"experiment_ids": [str(i) for i in range(21)]})

    ref, ours, diffs = mlflow_pair.run(scenario)
    summaries = lambda records: sorted(map(str, records[-4]["body"]["dataset_summaries"]))  # noqa: E731
    assert summaries(ref) == summaries(ours)
    assert not [d for d in diffs if "#" + str(len(ref) - 4) not in d], diffs


def _graphql(c, query, variables=None):
    body = {"query": query} if variables is None else {"query": query, "variables": variables}
    return c.post("/graphql", body)


@needs_mlflow3
def test_graphql_answers_as_mlflow(mlflow_pair):
    def scenario(c):
        exp, run = _run_with_loss(c)
        c.post("runs/log-batch", {"run_id": run, "metrics": [{"key": "odd", "value": "NaN", "timestamp": 5, "step": 0}],
                                   "params": [{"key": "p", "value": "1"}], "tags": [{"key": "t", "value": "v"}]})
        name = c.name("model")
        c.post("registered-models/create", {"name": name})
        c.post("model-versions/create", {"name": name, "source": f"runs:/{run}/model", "run_id": run})
        _graphql(c, f'''query {{ mlflowGetRun(input: {{runId: "{run}"}}) {{ run {{
            info {{ runId runUuid runName status lifecycleStage userId }}
            data {{ metrics {{ key value step }} params {{ key value }} tags {{ key value }} }}
            inputs {{ datasetInputs {{ dataset {{ name }} }} modelInputs {{ modelId }} }}
            outputs {{ modelOutputs {{ modelId }} }}
            experiment {{ name lifecycleStage tags {{ key value }} workspace }}
            modelVersions {{ name version source currentStage description runLink aliases status tags {{ key }} }}
        }} apiError {{ code }} }} }}''')
        _graphql(c, 'query { mlflowGetRun(input: {runId: "nope"}) { run { info { runId } } } }')
        _graphql(c, "query q($id: String) { mlflowGetExperiment(input: {experimentId: $id}) { experiment { name lifecycleStage } } }",
                 {"id": exp})
        _graphql(c, 'query { mlflowGetExperiment(input: {experimentId: "999999"}) { experiment { name } } }')
        for op in ("query", "mutation"):
            _graphql(c, f'{op} {{ mlflowSearchRuns(input: {{experimentIds: ["{exp}"], filter: "params.p = \'1\'", maxResults: 5}}) {{ runs {{ info {{ runName }} }} nextPageToken }} }}')
        _graphql(c, f'query {{ mlflowListArtifacts(input: {{runId: "{run}"}}) {{ files {{ path }} nextPageToken }} }}')
        _graphql(c, f'query {{ mlflowGetMetricHistoryBulkInterval(input: {{runIds: ["{run}"], metricKey: "loss", maxResults: 3, startStep: 1, endStep: 4}}) {{ metrics {{ key value step timestamp }} }} }}')
        _graphql(c, f'query {{ mlflowGetMetricHistoryBulkInterval(input: {{runIds: ["{run}"], metricKey: "odd"}}) {{ metrics {{ value step }} }} }}')
        _graphql(c, f'query {{ mlflowSearchModelVersions(input: {{filter: "name=\'{name}\'"}}) {{ modelVersions {{ name version }} nextPageToken }} }}')
        _graphql(c, f'mutation {{ mlflowSearchDatasets(input: {{experimentIds: ["{exp}"]}}) {{ datasetSummaries {{ name }} }} }}')
        _graphql(c, "mutation { mlflowSearchDatasets(input: {experimentIds: []}) { datasetSummaries { name } } }")
        _graphql(c, 'query { test(inputString: "hi") { output } }')
        _graphql(c, "query { " + " ".join(f'a{i}: test(inputString: "x") {{ output }}' for i in range(11)) + " }")
        _graphql(c, f'query {{ mlflowGetRun(input: {{runId: "{run}"}}) {{ run {{ info {{ '
                 + " ".join(f"x{i}: runName" for i in range(11)) + " } } } }")

    mlflow_pair.assert_same(scenario)


@needs_mlflow3
def test_server_info_has_mlflows_keys_and_no_login(mlflow_pair):
    ref = requests.get(f"{mlflow_pair.reference_url}/api/3.0/mlflow/server-info", timeout=10).json()
    ours = requests.get(f"{mlflow_pair.flowgate_url}/api/3.0/mlflow/server-info", timeout=10).json()
    assert set(ours) == set(ref)
    assert ours["store_type"] == ref["store_type"] == "SqlStore"
    assert ours["multipart_uploads_enabled"] == ref["multipart_uploads_enabled"] is False
    assert set(ours["features_enabled"]) == set(ref["features_enabled"])


@needs_mlflow3
def test_logged_model_files_answer_as_mlflow(mlflow_pair):
    def scenario(c):
        model = c.post("logged-models", {"experiment_id": "0", "name": "m"})["model"]["info"]
        root = model["artifact_uri"].removeprefix("mlflow-artifacts:/")
        c.call("PUT", f"/api/2.0/mlflow-artifacts/artifacts/{root}/MLmodel", raw=b"flavors: {}\n", record=False)
        files = f"/ajax-api/2.0/mlflow/logged-models/{model['model_id']}/artifacts/files"
        c.get(files, {"artifact_file_path": "MLmodel"})
        c.get(files, {})

    mlflow_pair.assert_same(scenario)


@pytest.fixture(scope="module")
def mlflow_step_sampling_pair(tmp_path_factory, mlflow_pair):
    """MLflow 3.17 on its file store, whose get_metric_history_bulk_interval is MLflow's step sampling."""
    if MLFLOW_MAJOR < 3:
        pytest.skip(reason="this pair checks MLflow 3.17's file-store step sampling; under MLflow 2.x the SQL-backed pair above is the comparison")
    tmp = tmp_path_factory.mktemp("mlflow-file-store")
    port = free_port()
    log = tmp / "mlflow.log"
    process = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "mlflow"), "server", "--backend-store-uri",
         (tmp / "mlruns").as_uri(), "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--artifacts-destination", str(tmp / "artifacts")],
        stdout=open(log, "wb"), stderr=subprocess.STDOUT, cwd=tmp,
        env={**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, log)
    yield Pair(url, mlflow_pair.flowgate_url)
    process.terminate()
    process.wait(timeout=15)


def test_chart_sampling_is_mlflows_step_sampling(mlflow_step_sampling_pair):
    def scenario(c):
        exp, a = _run_with_loss(c)
        _, b = _run_with_loss(c, steps=4, exp=exp)
        c.get(INTERVAL, {"run_ids": [a], "metric_key": "loss", "max_results": 5})
        c.get(INTERVAL, {"run_ids": [a, b], "metric_key": "loss", "max_results": 2})
        c.get(INTERVAL, {"run_ids": [a], "metric_key": "loss", "max_results": 1})
        c.get(INTERVAL, {"run_ids": [a], "metric_key": "loss", "start_step": 2, "end_step": 7, "max_results": 5})

    # MLflow's file store sends an empty `outputs` in runs/create, its SQL store (and Flowgate) leaves it out.
    ref, ours = mlflow_step_sampling_pair.assert_same(scenario, ignore=("outputs",))
    assert [m["step"] for m in ours[-4]["body"]["metrics"]] == [0, 2, 4, 6, 8, 9]
