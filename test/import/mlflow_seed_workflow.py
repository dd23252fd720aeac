"""The seeds' workflows, written by the real mlflow client into a running MLflow (or Flowgate) server:
experiments with tags, runs with params, metric histories, datasets and tags, sklearn models logged with
registered_model_name, stages, aliases (champion/challenger), tags and descriptions. Deterministic names,
so that the import test can ask both servers the same questions.

usage: python mlflow_seed_workflow.py <tracking-uri>
"""
import sys
import warnings

import mlflow
import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient
from sklearn.linear_model import LogisticRegression

warnings.filterwarnings("ignore")
uri = sys.argv[1]
mlflow.set_tracking_uri(uri)
client = MlflowClient(uri)
MLFLOW3 = int(mlflow.__version__.split(".")[0]) >= 3

rng = np.random.default_rng(7)
X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["amount", "age", "score"])
y = (X["amount"] + X["score"] > 0).astype(int)

fraud = client.create_experiment("fraud-detection", tags={"team": "risk", "seed": "001"})
churn = client.create_experiment("churn", tags={"team": "growth"})
scratch = client.create_experiment("scratch")
client.delete_experiment(scratch)

dataset = mlflow.data.from_pandas(X.assign(label=y), name="transactions-2026-11", targets="label")


def train(experiment_id, name, c, register=None, steps=5):
    with mlflow.start_run(experiment_id=experiment_id, run_name=name) as run:
        mlflow.log_params({"C": c, "solver": "lbfgs", "features": "amount,age,score"})
        mlflow.set_tags({"data.version": "2026-11", "git.commit": "abc123", "owner": "ana"})
        mlflow.log_input(dataset, context="training")
        for step in range(steps):
            mlflow.log_metric("loss", 1.0 / (step + 1) + c / 100, step=step)
            mlflow.log_metric("accuracy", 0.7 + step * 0.05 * c / 10, step=step)
        model = LogisticRegression(C=c).fit(X, y)
        # Named requirements: inferring them runs the model in a subprocess, seconds per model.
        kwargs = {"pip_requirements": ["scikit-learn", "pandas"]}
        if register:
            kwargs["registered_model_name"] = register
        if MLFLOW3:
            mlflow.sklearn.log_model(model, name="model", input_example=X.head(2), **kwargs)
        else:
            mlflow.sklearn.log_model(model, artifact_path="model", input_example=X.head(2), **kwargs)
        mlflow.log_text("notes for " + name, "notes/readme.txt")
        return run.info.run_id


train(fraud, "baseline", 1.0, register="fraud-detector")
train(fraud, "tuned", 3.0, register="fraud-detector")
train(fraud, "wide", 9.0, register="fraud-detector", steps=12)
train(churn, "churn-v1", 2.0, register="churn-model")
with mlflow.start_run(experiment_id=churn, run_name="failed-attempt") as failed:
    mlflow.log_param("C", "0.1")
client.set_terminated(failed.info.run_id, "FAILED")
deleted = client.create_run(churn, run_name="thrown-away")
client.delete_run(deleted.info.run_id)

client.update_registered_model("fraud-detector", description="Scores card transactions for fraud.")
client.set_registered_model_tag("fraud-detector", "domain", "payments")
client.set_registered_model_tag("fraud-detector", "owner", "risk-team")
client.update_model_version("fraud-detector", "2", description="Tuned C; promoted after review.")
client.set_model_version_tag("fraud-detector", "2", "validation_status", "approved")
client.set_model_version_tag("fraud-detector", "1", "validation_status", "superseded")
client.transition_model_version_stage("fraud-detector", "1", "Archived")
client.transition_model_version_stage("fraud-detector", "2", "Production")
client.transition_model_version_stage("fraud-detector", "3", "Staging")
client.set_registered_model_alias("fraud-detector", "champion", "2")
client.set_registered_model_alias("fraud-detector", "challenger", "3")
client.set_registered_model_alias("churn-model", "champion", "1")
client.create_registered_model("empty-model", tags={"status": "planned"}, description="nothing yet")
print("seeded", uri)
