"""The seeds' registry and tracking questions, asked of each server given, answered as JSON (one object per
server, in order), with the real mlflow client of this venv. The import test asks them of MLflow and of
Flowgate after the import, and compares the answers.

usage: python registry_queries.py <tracking-uri> [<tracking-uri> ...]
"""
import json
import sys
import tempfile
import warnings

import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient

warnings.filterwarnings("ignore")
MLFLOW3 = int(mlflow.__version__.split(".")[0]) >= 3
X = pd.DataFrame({"amount": [0.5, -1.0, 2.0], "age": [0.1, 0.2, -0.3], "score": [1.0, -2.0, 0.0]})


def version_view(v):
    return {
        "name": v.name,
        "version": str(v.version),
        "stage": v.current_stage,
        "run_id": v.run_id,
        "source": v.source,
        "status": v.status,
        "description": v.description or "",
        "tags": dict(sorted(v.tags.items())),
        "aliases": sorted(v.aliases),
    }


def run_view(client, r):
    history = {
        key: [(m.step, m.value, m.timestamp) for m in client.get_metric_history(r.info.run_id, key)]
        for key in sorted(r.data.metrics)
    }
    return {
        "run_id": r.info.run_id,
        "name": r.info.run_name,
        "status": r.info.status,
        "start_time": r.info.start_time,
        "end_time": r.info.end_time,
        "lifecycle_stage": r.info.lifecycle_stage,
        "artifact_uri": r.info.artifact_uri,
        "params": dict(sorted(r.data.params.items())),
        "tags": dict(sorted(r.data.tags.items())),
        "metrics": dict(sorted(r.data.metrics.items())),
        "history": history,
        "datasets": sorted(
            (d.dataset.name, d.dataset.digest, d.dataset.source_type, tuple((t.key, t.value) for t in d.tags))
            for d in r.inputs.dataset_inputs
        ),
    }


def answers(uri):
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(uri, uri)
    out = {}
    exps = client.search_experiments(view_type=3, order_by=["name ASC"])
    out["experiments"] = [
        (e.experiment_id, e.name, e.lifecycle_stage, e.artifact_location, dict(sorted(e.tags.items()))) for e in exps
    ]
    fraud = client.get_experiment_by_name("fraud-detection")
    runs = client.search_runs([fraud.experiment_id], order_by=["metrics.accuracy DESC", "attributes.run_id ASC"])
    out["fraud_runs_by_accuracy"] = [run_view(client, r) for r in runs]
    out["runs_with_C_3"] = [r.info.run_id for r in client.search_runs([fraud.experiment_id], "params.C = '3.0'")]
    out["runs_on_data_2026_11"] = sorted(
        r.info.run_id
        for r in client.search_runs([e.experiment_id for e in exps if e.lifecycle_stage == "active"], "tags.`data.version` = '2026-11'")
    )
    churn = client.get_experiment_by_name("churn")
    out["churn_all_runs"] = sorted(
        (r.info.run_name, r.info.status, r.info.lifecycle_stage)
        for r in client.search_runs([churn.experiment_id], run_view_type=3)
    )
    models = client.search_registered_models(order_by=["name ASC"])
    out["registered_models"] = [
        {
            "name": m.name,
            "description": m.description or "",
            "tags": dict(sorted(m.tags.items())),
            "aliases": dict(sorted(m.aliases.items())),
        }
        for m in models
    ]
    out["fraud_versions"] = [
        version_view(v) for v in sorted(client.search_model_versions("name='fraud-detector'"), key=lambda v: int(v.version))
    ]
    out["champion"] = version_view(client.get_model_version_by_alias("fraud-detector", "champion"))
    out["churn_champion"] = version_view(client.get_model_version_by_alias("churn-model", "champion"))
    out["production"] = [
        version_view(v) for v in client.get_latest_versions("fraud-detector", stages=["Production"])
    ]
    out["models_tagged_payments"] = [m.name for m in client.search_registered_models("tags.domain = 'payments'")]
    if MLFLOW3:
        out["logged_models"] = sorted(
            (m.model_id, m.name, m.source_run_id, str(m.status))
            for m in client.search_logged_models([fraud.experiment_id, churn.experiment_id])
        )
    run_id = out["champion"]["run_id"]
    with tempfile.TemporaryDirectory() as tmp:
        path = client.download_artifacts(run_id, "notes/readme.txt", tmp)
        out["champion_notes"] = open(path).read()
    model = mlflow.pyfunc.load_model("models:/fraud-detector@champion")
    out["champion_predictions"] = [int(p) for p in model.predict(X)]
    return out


print(json.dumps([answers(uri) for uri in sys.argv[1:]]))
