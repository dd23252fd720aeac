"""Seed a Flowgate server with a small, real demo through the real `mlflow` client: an experiment of training
runs (params, metric histories, tags, a text/JSON/PNG artifact each) and a registered model with three
versions moved through Staging and Production, with the champion alias. Two of the registered versions are
tree ensembles (RandomForest, GradientBoosting): with mlflow 3.17 they only save with skops<0.15
(scripts/setup-python.sh pins it), and the demo must keep showing it. Idempotent: does nothing when the
demo experiment already has runs.

    .venvs/mlflow3/bin/python scripts/demo_seed.py http://127.0.0.1:5000 [--if-empty]

`scripts/start.sh` runs it with --if-empty on every start, so only a brand-new server gets the demo.
"""
import json
import os
import struct
import sys
import tempfile
import zlib

EXPERIMENT = "demo-fraud-detection"
MODEL = "fraud-detector"


def png(width: int, height: int, pixel) -> bytes:
    """A PNG from a pixel function, with no imaging library: the run's artifact preview shows it."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def has_registry(client) -> bool:
    """A server without the model registry still gets the tracking half of the demo."""
    from mlflow.exceptions import MlflowException
    try:
        client.search_registered_models(max_results=1)
        return True
    except MlflowException as err:
        if err.error_code == "ENDPOINT_NOT_FOUND" or "404" in str(err):
            return False
        raise


def store_is_empty(client) -> bool:
    """Only the Default experiment with no runs, and no registered model: a brand-new server."""
    experiments = client.search_experiments(max_results=2)
    if len(experiments) > 1 or (has_registry(client) and client.search_registered_models(max_results=1)):
        return False
    return not experiments or not client.search_runs([experiments[0].experiment_id], max_results=1)


def main(url: str, only_if_empty: bool = False) -> None:
    import warnings
    warnings.filterwarnings("ignore")
    # Fail fast when the server is not up, instead of the client's minutes of retries.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    import mlflow
    from mlflow import MlflowClient
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score, roc_auc_score

    mlflow.set_tracking_uri(url)
    client = MlflowClient()
    if only_if_empty and not store_is_empty(client):
        print("the server already has data: no demo seeded")
        return
    existing = client.get_experiment_by_name(EXPERIMENT)
    if existing is not None and client.search_runs([existing.experiment_id], max_results=1):
        print(f"demo already seeded in experiment {existing.experiment_id}")
        return
    experiment_id = existing.experiment_id if existing else mlflow.create_experiment(
        EXPERIMENT, tags={"team": "risk", "owner": "demo"})
    mlflow.set_experiment(experiment_id=experiment_id)
    registry = has_registry(client)

    X, y = make_classification(n_samples=400, n_features=6, n_informative=4, random_state=7)
    columns = [f"f{i}" for i in range(X.shape[1])]
    import pandas as pd
    frame = pd.DataFrame(X, columns=columns)
    train, test = frame.iloc[:300], frame.iloc[300:]
    y_train, y_test = y[:300], y[300:]

    registered = []
    settings = [(c, d) for d in ("v2024-01-15", "v2024-02-01") for c in (0.01, 0.1, 1.0, 10.0)]
    # The first two registered runs train tree ensembles instead of a logistic regression.
    trees = {("v2024-02-01", 0.1): "random-forest", ("v2024-02-01", 1.0): "gradient-boosting"}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (c, data_version) in enumerate(settings):
            family = trees.get((data_version, c), "logreg")
            with mlflow.start_run(run_name=f"{family}-C{c}-{data_version[1:8]}") as run:
                if family == "random-forest":
                    model = RandomForestClassifier(n_estimators=30, max_depth=5, random_state=7)
                elif family == "gradient-boosting":
                    model = GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=7)
                else:
                    model = LogisticRegression(C=c, max_iter=200)
                model.fit(train, y_train)
                proba = model.predict_proba(test)[:, 1]
                auc = float(roc_auc_score(y_test, proba))
                f1 = float(f1_score(y_test, model.predict(test)))
                mlflow.log_params({"C": c, "solver": "lbfgs", "max_iter": 200, "data_version": data_version,
                                   "model_family": family})
                mlflow.set_tags({"data_version": data_version, "git_commit": f"3f9c2a{i}e7b1d", "team": "risk"})
                for step in range(20):
                    mlflow.log_metric("train_loss", 0.7 * (0.85 ** step) + 0.05 / (c + 0.1) + 0.002 * i, step=step)
                mlflow.log_metrics({"val_auc": auc, "val_f1": f1})
                notes = os.path.join(tmp, f"notes-{i}.txt")
                with open(notes, "w") as fh:
                    fh.write(f"{family} (C={c}) on data {data_version}.\nAUC {auc:.4f}, F1 {f1:.4f}\n")
                mlflow.log_artifact(notes, "reports")
                mlflow.log_dict({"C": c, "auc": auc, "f1": f1, "features": columns}, "reports/summary.json")
                image = os.path.join(tmp, f"confusion-{i}.png")
                with open(image, "wb") as fh:
                    fh.write(png(48, 48, lambda x, y: (40 + 4 * x, 80, 220 - 4 * y) if (x // 12 + y // 12) % 2 else (240, 240, 250)))
                mlflow.log_artifact(image, "plots")
                if data_version == "v2024-02-01" and c in (0.1, 1.0, 10.0):
                    info = mlflow.sklearn.log_model(model, name="model", input_example=train.iloc[:3],
                                                    registered_model_name=MODEL if registry else None,
                                                    # Pinned: skips the slow inference of requirements.
                                                    pip_requirements=["scikit-learn==1.7.2"])
                    registered.append((run.info.run_id, auc, info))
        if not registry:
            print(json.dumps({"experiment_id": experiment_id, "model": None}))
            return
        versions = sorted(client.search_model_versions(f"name = '{MODEL}'"), key=lambda v: int(v.version))
        client.update_registered_model(MODEL, description="Scores card transactions for fraud; owned by the risk team.")
        client.set_registered_model_tag(MODEL, "team", "risk")
        for v in versions:
            run = client.get_run(v.run_id)
            client.set_model_version_tag(MODEL, v.version, "data_version", run.data.tags.get("data_version", ""))
            client.set_model_version_tag(MODEL, v.version, "git_commit", run.data.tags.get("git_commit", ""))
        if len(versions) >= 3:
            # A server with governance asks for a decision note on protected moves; this tag carries it.
            for v in versions[:2]:
                client.set_model_version_tag(MODEL, v.version, "flowgate.reason", "demo seed: initial release history")
            client.transition_model_version_stage(MODEL, versions[0].version, "Production")
            client.transition_model_version_stage(MODEL, versions[1].version, "Production", archive_existing_versions=True)
            client.transition_model_version_stage(MODEL, versions[2].version, "Staging")
            client.set_registered_model_alias(MODEL, "champion", versions[1].version)
            client.set_registered_model_alias(MODEL, "challenger", versions[2].version)
            client.set_model_version_tag(MODEL, versions[0].version, "deprecated", "true")
    print(json.dumps({"experiment_id": experiment_id, "model": MODEL, "versions": len(registered)}))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(args[0] if args else os.environ.get("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000"),
         only_if_empty="--if-empty" in sys.argv)
