"""The real mlflow client tracks experiments, runs, params, metrics and tags on Flowgate, and searches them."""
import math
import time
import uuid

import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException

import mlflow


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_default_experiment_exists(tracking_uri):
    experiment = MlflowClient().get_experiment("0")
    assert experiment.name == "Default"
    assert experiment.artifact_location == "mlflow-artifacts:/0"


def test_set_experiment_creates_then_finds_it(tracking_uri):
    name = unique("set-exp")
    created = mlflow.set_experiment(name)
    again = mlflow.set_experiment(name)
    assert created.experiment_id == again.experiment_id
    assert mlflow.get_experiment_by_name(name).experiment_id == created.experiment_id
    assert mlflow.get_experiment_by_name(unique("missing")) is None


def test_create_experiment_duplicate_raises_already_exists(tracking_uri):
    client = MlflowClient()
    name = unique("dup")
    client.create_experiment(name)
    with pytest.raises(MlflowException) as err:
        client.create_experiment(name)
    assert err.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_search_experiments_with_filter_and_order_by(tracking_uri):
    client = MlflowClient()
    prefix = unique("sx")
    for i, suffix in enumerate(["b", "a", "c"]):
        client.create_experiment(f"{prefix}-{suffix}", tags={"rank": str(i)})
    found = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'", order_by=["name DESC"])
    assert [e.name for e in found] == [f"{prefix}-c", f"{prefix}-b", f"{prefix}-a"]
    by_tag = client.search_experiments(filter_string=f"name LIKE '{prefix}-%' AND tags.rank = '1'")
    assert [e.name for e in by_tag] == [f"{prefix}-a"]
    by_time = mlflow.search_experiments(filter_string=f"creation_time > 0 AND name ILIKE '{prefix.upper()}-%'")
    assert len(by_time) == 3


def test_rename_delete_restore_experiment_and_tags(tracking_uri):
    client = MlflowClient()
    exp_id = client.create_experiment(unique("life"))
    new_name = unique("renamed")
    client.rename_experiment(exp_id, new_name)
    client.set_experiment_tag(exp_id, "k", "v")
    experiment = client.get_experiment(exp_id)
    assert experiment.name == new_name and experiment.tags["k"] == "v"
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    deleted = client.search_experiments(view_type=ViewType.DELETED_ONLY, filter_string=f"name = '{new_name}'")
    assert [e.experiment_id for e in deleted] == [exp_id]
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"


def test_start_run_with_params_metrics_and_tags(tracking_uri):
    mlflow.set_experiment(unique("runs"))
    with mlflow.start_run(run_name="trainer") as run:
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"depth": 3, "model": "rf"})
        for step in range(10):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.9, "nan_metric": float("nan"), "inf_metric": float("inf")})
        mlflow.set_tag("team", "ml")
        mlflow.set_tags({"stage": "dev"})
    client = MlflowClient()
    got = client.get_run(run.info.run_id)
    assert got.info.run_name == "trainer"
    assert got.info.status == "FINISHED"
    assert got.info.end_time is not None
    assert got.data.params == {"alpha": "0.5", "depth": "3", "model": "rf"}
    assert got.data.metrics["loss"] == pytest.approx(0.1)
    assert math.isnan(got.data.metrics["nan_metric"])
    assert got.data.metrics["inf_metric"] == float("inf")
    assert got.data.tags["team"] == "ml" and got.data.tags["stage"] == "dev"
    assert got.data.tags["mlflow.runName"] == "trainer"
    assert "mlflow.user" in got.data.tags and "mlflow.source.name" in got.data.tags
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [m.step for m in history] == list(range(10))
    assert [m.value for m in history] == pytest.approx([1.0 / (s + 1) for s in range(10)])
    assert got.info.artifact_uri.endswith(f"/{run.info.run_id}/artifacts")


def test_params_are_write_once(tracking_uri):
    with mlflow.start_run():
        mlflow.log_param("p", "1")
        mlflow.log_param("p", "1")
        with pytest.raises(MlflowException) as err:
            mlflow.log_param("p", "2")
        assert err.value.error_code == "INVALID_PARAMETER_VALUE"


def test_log_batch_of_1000_metrics(tracking_uri):
    client = MlflowClient()
    run = client.create_run(mlflow.set_experiment(unique("batch")).experiment_id)
    now = int(time.time() * 1000)
    metrics = [Metric(f"m{i % 10}", float(i), now, i // 10) for i in range(1000)]
    client.log_batch(run.info.run_id, metrics=metrics, params=[Param("p", "v")], tags=[RunTag("t", "v")])
    got = client.get_run(run.info.run_id)
    assert len(got.data.metrics) == 10
    assert got.data.metrics["m9"] == 999.0
    assert len(client.get_metric_history(run.info.run_id, "m3")) == 100


def test_delete_and_restore_run(tracking_uri):
    client = MlflowClient()
    exp_id = mlflow.set_experiment(unique("del")).experiment_id
    run = client.create_run(exp_id)
    client.delete_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    assert client.search_runs([exp_id]) == []
    assert len(client.search_runs([exp_id], run_view_type=ViewType.DELETED_ONLY)) == 1
    client.restore_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "active"


@pytest.fixture(scope="module")
def search_experiment(flowgate):
    """Four runs with known metrics, params, tags and attributes."""
    mlflow.set_tracking_uri(flowgate.url)
    client = MlflowClient(flowgate.url)
    exp_id = client.create_experiment(unique("search"))
    runs = {}
    for i, (name, rmse, model, team) in enumerate(
        [("r-a", 0.5, "rf", "blue"), ("r-b", 0.2, "gbm", "red"), ("r-c", 0.9, "rf", "Blue"), ("r-d", None, "lin", None)]
    ):
        run = client.create_run(exp_id, run_name=name, start_time=1_000 + i)
        metrics = [] if rmse is None else [Metric("rmse", rmse, 1, 0)]
        tags = [] if team is None else [RunTag("team", team)]
        client.log_batch(run.info.run_id, metrics=metrics, params=[Param("model", model)], tags=tags)
        runs[name] = run.info.run_id
    client.set_terminated(runs["r-b"], "FINISHED")
    return exp_id, runs


def names(runs):
    return sorted(r.info.run_name for r in runs)


def test_search_runs_each_comparator_and_key_kind(tracking_uri, search_experiment):
    exp_id, ids = search_experiment
    client = MlflowClient()

    def search(filter_string):
        return names(client.search_runs([exp_id], filter_string))

    assert search("metrics.rmse = 0.5") == ["r-a"]
    assert search("metrics.rmse != 0.5") == ["r-b", "r-c"]
    assert search("metrics.rmse < 0.5") == ["r-b"]
    assert search("metrics.rmse <= 0.5") == ["r-a", "r-b"]
    assert search("metrics.rmse > 0.5") == ["r-c"]
    assert search("metric.rmse >= 0.5") == ["r-a", "r-c"]
    assert search("params.model = 'rf'") == ["r-a", "r-c"]
    assert search("params.model != 'rf'") == ["r-b", "r-d"]
    assert search("params.model LIKE 'g%'") == ["r-b"]
    assert search("params.model ILIKE 'RF'") == ["r-a", "r-c"]
    assert search("tags.team = 'blue'") == ["r-a"]
    assert search("tags.team LIKE 'b%'") == ["r-a"]
    assert search("tags.team ILIKE 'b%'") == ["r-a", "r-c"]
    assert search("tags.`team` != 'red'") == ["r-a", "r-c"]
    assert search("attributes.run_name = 'r-c'") == ["r-c"]
    assert search("attributes.status = 'FINISHED'") == ["r-b"]
    assert search("attributes.status != 'FINISHED'") == ["r-a", "r-c", "r-d"]
    assert search("attributes.start_time >= 1002") == ["r-c", "r-d"]
    assert search(f"attributes.run_id IN ('{ids['r-a']}', '{ids['r-d']}')") == ["r-a", "r-d"]
    assert search(f"attributes.run_id NOT IN ('{ids['r-a']}')") == ["r-b", "r-c", "r-d"]
    assert search("params.model = 'rf' and metrics.rmse > 0.6") == ["r-c"]


def test_search_runs_order_by(tracking_uri, search_experiment):
    exp_id, _ = search_experiment
    client = MlflowClient()
    asc = client.search_runs([exp_id], order_by=["metrics.rmse ASC"])
    assert [r.info.run_name for r in asc] == ["r-b", "r-a", "r-c", "r-d"]
    desc = client.search_runs([exp_id], order_by=["metrics.rmse DESC"])
    assert [r.info.run_name for r in desc] == ["r-c", "r-a", "r-b", "r-d"]
    by_param = client.search_runs([exp_id], order_by=["params.model", "attributes.run_name DESC"])
    assert [r.info.run_name for r in by_param] == ["r-b", "r-d", "r-c", "r-a"]
    default = client.search_runs([exp_id])
    assert [r.info.run_name for r in default] == ["r-d", "r-c", "r-b", "r-a"]


def test_quoted_filter_values_are_taken_as_written_like_mlflow(tracking_uri):
    """MLflow strips a value's outer quotes and unescapes nothing; a Windows path with backslashes is found by
    itself, and the parse agrees with the client's own SearchUtils."""
    from mlflow.utils.search_utils import SearchUtils

    exp = mlflow.set_experiment(f"quotes-{uuid.uuid4().hex[:8]}").experiment_id
    with mlflow.start_run(experiment_id=exp) as run:
        mlflow.log_param("path", r"C:\new\data")
        mlflow.set_tag("q", "it''s")
    for flt in (r"params.path = 'C:\new\data'", "tags.q = 'it''s'"):
        assert [r.info.run_id for r in MlflowClient().search_runs([exp], flt)] == [run.info.run_id], flt
    assert SearchUtils.parse_search_filter("tags.q = 'it''s'")[0]["value"] == "it''s"


def test_search_runs_refuses_a_malformed_filter(tracking_uri, search_experiment):
    exp_id, _ = search_experiment
    with pytest.raises(MlflowException) as err:
        MlflowClient().search_runs([exp_id], "metrics.rmse > 'x'")
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "number" in err.value.message


def test_paging_through_250_runs(tracking_uri):
    client = MlflowClient()
    exp_id = client.create_experiment(unique("paging"))
    for start in range(0, 250, 50):
        for i in range(start, start + 50):
            run = client.create_run(exp_id, start_time=i)
            client.log_metric(run.info.run_id, "i", float(i))
    seen = []
    token = None
    pages = 0
    while True:
        page = client.search_runs([exp_id], max_results=100, page_token=token, order_by=["metrics.i ASC"])
        seen.extend(int(r.data.metrics["i"]) for r in page)
        pages += 1
        token = page.token
        if not token:
            break
    assert pages == 3
    assert seen == list(range(250))


def test_pandas_search_runs(tracking_uri, search_experiment):
    exp_id, _ = search_experiment
    frame = mlflow.search_runs(experiment_ids=[exp_id], filter_string="params.model = 'rf'", order_by=["metrics.rmse"])
    assert list(frame["tags.mlflow.runName"]) == ["r-a", "r-c"]
    assert list(frame["metrics.rmse"]) == [0.5, 0.9]
    assert "params.model" in frame.columns


def test_log_input_dataset_is_returned_and_searchable(tracking_uri):
    import mlflow.data
    import pandas as pd

    exp_id = mlflow.set_experiment(unique("datasets")).experiment_id
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    dataset = mlflow.data.from_pandas(frame, name="toy", targets="y")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")
        mlflow.log_input(dataset, context="training")
    got = MlflowClient().get_run(run.info.run_id)
    inputs = got.inputs.dataset_inputs
    assert len(inputs) == 1
    assert inputs[0].dataset.name == "toy"
    assert inputs[0].dataset.digest == dataset.digest
    assert {t.key: t.value for t in inputs[0].tags}["mlflow.data.context"] == "training"
    found = MlflowClient().search_runs([exp_id], "datasets.name = 'toy' AND datasets.context = 'training'")
    assert [r.info.run_id for r in found] == [run.info.run_id]
