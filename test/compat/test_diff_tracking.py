"""Core tracking answers as MLflow's own server gives them: each scenario runs against a real `mlflow server`
and against Flowgate, and the answers must agree (ids and timestamps aside; see differential.py)."""
from conftest import MLFLOW_MAJOR



def _experiment(c, key="exp", **extra):
    return c.post("experiments/create", {"name": c.name(key), **extra})["experiment_id"]


def _run(c, exp, name="r", **extra):
    return c.post("runs/create", {"experiment_id": exp, "run_name": name, "start_time": 1000, **extra})["run"]["info"]["run_id"]


def test_experiment_lifecycle(mlflow_pair):
    def scenario(c):
        exp = _experiment(c, tags=[{"key": "team", "value": "risk"}, {"key": "empty", "value": ""}])
        c.get("experiments/get", {"experiment_id": exp})
        c.get("experiments/get-by-name", {"experiment_name": c.name("exp")})
        c.post("experiments/set-experiment-tag", {"experiment_id": exp, "key": "k", "value": "v"})
        if MLFLOW_MAJOR >= 3:  # MLflow 2's server has no delete-experiment-tag
            c.post("experiments/delete-experiment-tag", {"experiment_id": exp, "key": "k"})
        c.post("experiments/update", {"experiment_id": exp, "new_name": c.name("renamed")})
        c.get("experiments/get", {"experiment_id": exp})
        c.post("experiments/delete", {"experiment_id": exp})
        c.get("experiments/get", {"experiment_id": exp})
        c.post("experiments/restore", {"experiment_id": exp})
        c.get("experiments/get", {"experiment_id": exp})
        c.post("experiments/create", {"name": c.name("renamed")})

    mlflow_pair.assert_same(scenario)


def test_experiment_errors(mlflow_pair):
    def scenario(c):
        c.post("experiments/create", {})
        c.get("experiments/get", {"experiment_id": "987654"})
        c.get("experiments/get-by-name", {"experiment_name": "does-not-exist-anywhere"})
        c.post("experiments/update", {"experiment_id": "0"})
        c.post("experiments/delete", {"experiment_id": "987654"})

    mlflow_pair.assert_same(scenario)


def test_run_lifecycle_data_and_empty_fields(mlflow_pair):
    def scenario(c):
        exp = _experiment(c)
        run = _run(c, exp, tags=[{"key": "t", "value": ""}])
        c.get("runs/get", {"run_id": run})
        c.post("runs/log-parameter", {"run_id": run, "key": "p", "value": "1"})
        c.post("runs/log-metric", {"run_id": run, "key": "m", "value": 9, "timestamp": 5, "step": 2})
        c.post("runs/log-metric", {"run_id": run, "key": "m", "value": 1.5, "timestamp": 6})
        c.post("runs/set-tag", {"run_id": run, "key": "k", "value": "v"})
        c.post("runs/delete-tag", {"run_id": run, "key": "k"})
        c.post("runs/log-batch", {"run_id": run, "metrics": [{"key": "b", "value": 0.25, "timestamp": 7, "step": 1}],
                                  "params": [{"key": "q", "value": "x"}], "tags": [{"key": "u", "value": "w"}]})
        c.post("runs/log-inputs", {"run_id": run, "datasets": [{"dataset": {"name": "d", "digest": "abc",
                                                                          "source_type": "local", "source": "{}"},
                                                              "tags": [{"key": "mlflow.data.context", "value": "train"}]}]})
        c.get("runs/get", {"run_id": run})
        c.get("metrics/get-history", {"run_id": run, "metric_key": "m"})
        c.get("metrics/get-history", {"run_id": run, "metric_key": "none"})
        c.post("runs/update", {"run_id": run, "status": "FINISHED", "end_time": 2000})
        c.post("runs/update", {"run_id": run, "run_name": "renamed"})
        c.get("runs/get", {"run_id": run})
        c.post("runs/delete", {"run_id": run})
        c.get("runs/get", {"run_id": run})
        c.post("runs/restore", {"run_id": run})

    mlflow_pair.assert_same(scenario)


def test_run_errors(mlflow_pair):
    def scenario(c):
        exp = _experiment(c)
        run = _run(c, exp)
        c.get("runs/get", {"run_id": "0123456789abcdef0123456789abcdef"})
        c.get("runs/get", {})
        c.post("runs/log-metric", {"run_id": run, "key": "m", "value": 1})
        c.post("runs/log-metric", {"run_id": run, "value": 1, "timestamp": 1})
        c.post("runs/log-parameter", {"run_id": run, "key": "p"})
        c.post("runs/log-parameter", {"run_id": run, "key": "p", "value": "1"})
        c.post("runs/log-parameter", {"run_id": run, "key": "p", "value": "2"})
        c.post("runs/log-batch", {"run_id": run, "metrics": [{"key": "m", "value": 1}]})
        c.post("runs/set-tag", {"run_id": run, "value": "v"})
        c.post("runs/delete-tag", {"run_id": run, "key": "missing"})
        c.post("runs/create", {"experiment_id": "987654"})

    mlflow_pair.assert_same(scenario)


def test_run_search_filters_order_and_paging(mlflow_pair):
    def scenario(c):
        exp = _experiment(c)
        for i in range(4):
            run = _run(c, exp, name=f"run-{i}")
            c.post("runs/log-batch", {"run_id": run, "metrics": [{"key": "acc", "value": i / 10, "timestamp": 1, "step": 0}],
                                      "params": [{"key": "lr", "value": str(i)}], "tags": [{"key": "team", "value": "ab"[i % 2]}]})
        ids = [exp]
        c.post("runs/search", {"experiment_ids": ids, "order_by": ["metrics.acc DESC"]})
        c.post("runs/search", {"experiment_ids": ids, "filter": "metrics.acc > 0.15", "order_by": ["params.lr"]})
        c.post("runs/search", {"experiment_ids": ids, "filter": "tags.team = 'a' AND params.lr = '2'"})
        c.post("runs/search", {"experiment_ids": ids, "filter": "attributes.run_name LIKE 'run-%'",
                               "order_by": ["attributes.run_name ASC"], "max_results": 3})
        c.post("runs/search", {"experiment_ids": ids, "filter": "attributes.status = 'RUNNING'",
                               "order_by": ["start_time DESC", "run_name"]})
        c.post("runs/search", {"experiment_ids": ids, "run_view_type": "DELETED_ONLY"})
        c.post("runs/search", {"experiment_ids": ids, "max_results": 60000})
        # (MLflow 3.17's POST experiments/search refuses a body without max_results; the client always sends it.)
        c.post("experiments/search", {"filter": f"name = '{c.name('exp')}'", "max_results": 10})
        c.post("experiments/search", {"filter": f"name LIKE '{c.name('exp')}%'", "order_by": ["name DESC"],
                                      "max_results": 10})

    mlflow_pair.assert_same(scenario)


def test_a_new_run_has_no_outputs_and_runs_get_sends_them(mlflow_pair):
    def scenario(c):
        exp = _experiment(c)
        run = c.post("runs/create", {"experiment_id": exp, "run_name": "plain"})["run"]["info"]["run_id"]
        c.post("runs/create", {"experiment_id": exp, "run_name": "tagged", "start_time": 1000,
                               "tags": [{"key": "t", "value": "v"}]})
        c.get("runs/get", {"run_id": run})
        c.post("runs/search", {"experiment_ids": [exp], "order_by": ["attributes.run_name"], "max_results": 10})

    mlflow_pair.assert_same(scenario)


def test_runs_update_ignores_a_status_it_does_not_know_and_takes_an_empty_update(mlflow_pair):
    def scenario(c):
        exp = _experiment(c)
        run = _run(c, exp)
        c.post("runs/update", {"run_id": run, "status": "BOGUS"})
        c.post("runs/update", {"run_id": run, "status": "finished"})
        c.post("runs/update", {"run_id": run})
        c.post("runs/update", {"run_id": run, "status": 7})
        c.post("runs/update", {"run_id": run, "status": 3})
        c.post("runs/update", {"run_id": "0123456789abcdef0123456789abcdef"})
        c.get("runs/get", {"run_id": run})

    mlflow_pair.assert_same(scenario)


def test_type_errors_name_the_field_as_mlflow_does(mlflow_pair):
    """Values MLflow coerces silently (a fractional step, a number for a param in log-batch) Flowgate refuses:
    README, Differences from MLflow. These are the ones both refuse, or both take."""

    def scenario(c):
        exp = _experiment(c)
        run = _run(c, exp)
        c.post("runs/log-metric", {"run_id": run, "key": "m", "value": "abc", "timestamp": 1})
        c.post("runs/log-metric", {"run_id": run, "key": "m", "value": 1, "timestamp": 9.0})
        c.post("runs/log-parameter", {"run_id": run, "key": "p", "value": 9.0})
        c.post("runs/log-parameter", {"run_id": run, "key": "p", "value": 5})
        c.post("runs/log-parameter", {"run_id": run, "key": "p", "value": True})
        c.post("runs/set-tag", {"run_id": run, "key": "t", "value": 5})
        c.post("runs/log-metric", {"run_id": run, "key": "m", "value": 1, "timestamp": 1, "step": "x"})
        c.post("runs/set-tag", {"run_id": run, "key": 5, "value": "v"})
        if MLFLOW_MAJOR >= 3:  # MLflow 2 takes a bare string for the list
            c.post("runs/search", {"experiment_ids": exp})
        c.post("experiments/create", {"name": 5})
        c.get("metrics/get-history", {"run_uuid": run})

    mlflow_pair.assert_same(scenario)


def test_artifact_paths_that_leave_the_run_are_an_invalid_path(mlflow_pair):
    def scenario(c):
        exp = _experiment(c)
        run = _run(c, exp)
        c.get("artifacts/list", {"run_id": run, "path": "../other"})
        c.get("artifacts/list", {"run_id": run, "path": "a/../../b"})
        c.get("artifacts/list", {"run_id": run, "path": "/etc"})
        c.get("artifacts/list", {"run_id": run, "path": "ok/dir"})
        c.get("artifacts/list", {"run_id": "0123456789abcdef0123456789abcdef"})

    mlflow_pair.assert_same(scenario)
