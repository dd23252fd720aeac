"""scikit-learn models loaded the way mlflow.sklearn loads them, without importing MLflow.

Importing mlflow.pyfunc costs ~0.9 s of each worker start (MLflow's package pulls in tracing, genai, the gateway's
FastAPI and more), a third of a one-million-row batch on the Python path. For a model whose pyfunc flavor is plain
mlflow.sklearn, MLflow's pyfunc does two things around the estimator: it loads the file (skops, pickle or
cloudpickle, by the flavor's serialization format) and, on predict, enforces the signature and calls the estimator's
`predict_fn`. Flowgate's runtime enforces the signature before a frame reaches the worker (serving/
schema-enforcement.ts, the same rules), so for the models where that enforcement is the whole of MLflow's — column
signatures of scalar types, or none, and no params schema — the estimator answers the frame exactly as MLflow's
pyfunc would. Every other model, and any setting that makes MLflow refuse the load, goes through MLflow itself.
"""

import json
import os

# The methods mlflow.sklearn's wrapper exposes for a flavor's `predict_fn` (its _SUPPORTED_CUSTOM_PREDICT_FN and
# predict), each called with the frame alone.
_PREDICT_FNS = ("predict", "predict_proba", "predict_log_proba", "predict_joint_log_proba", "score")
# Column types for which MLflow's enforcement of an already enforced frame changes nothing.
_SCALAR_TYPES = ("boolean", "integer", "long", "float", "double", "string")
_FORMATS = ("skops", "pickle", "cloudpickle")


class SklearnModel:
    """An estimator and the method MLflow's pyfunc would call on it."""

    def __init__(self, estimator, predict_fn):
        self._predict = getattr(estimator, predict_fn)

    def predict(self, data, params=None):
        # mlflow.sklearn ignores params (its wrapper's predict takes and drops them); so does this.
        return self._predict(data)


def load(model_path, mlmodel):
    """The model as a SklearnModel, or None when MLflow's pyfunc must load it (see the module's docstring)."""
    flavors = mlmodel.get("flavors") or {}
    pyfunc = flavors.get("python_function") or {}
    sklearn = flavors.get("sklearn") or {}
    if pyfunc.get("loader_module") != "mlflow.sklearn" or pyfunc.get("code") or sklearn.get("code"):
        return None
    if "data" in pyfunc or not isinstance(pyfunc.get("model_path"), str):
        return None
    predict_fn = pyfunc.get("predict_fn", "predict")
    fmt = sklearn.get("serialization_format", "pickle")
    if predict_fn not in _PREDICT_FNS or fmt not in _FORMATS or not _pickle_allowed():
        return None
    if mlmodel.get("is_signature_from_type_hint") or mlmodel.get("type_hint_from_example"):
        return None
    if not _enforced_in_full_before(mlmodel.get("signature")):
        return None
    path = os.path.join(model_path, pyfunc["model_path"])
    if not os.path.isfile(path):
        return None
    estimator = _load_estimator(path, fmt, sklearn.get("skops_trusted_types"))
    if not callable(getattr(estimator, predict_fn, None)):
        return None  # MLflow says which method is missing
    return SklearnModel(estimator, predict_fn)


def _pickle_allowed():
    """MLflow refuses to deserialize any format when MLFLOW_ALLOW_PICKLE_DESERIALIZATION is false; such a load goes
    through MLflow, so the refusal reads as MLflow's."""
    value = os.environ.get("MLFLOW_ALLOW_PICKLE_DESERIALIZATION")
    return value is None or value.strip().lower() in ("true", "1")


def _enforced_in_full_before(signature):
    if not signature:
        return True
    if signature.get("params"):
        return False
    inputs = signature.get("inputs")
    if not inputs:
        return True
    try:
        columns = json.loads(inputs)
    except (TypeError, ValueError):
        return False
    return isinstance(columns, list) and all(
        isinstance(c, dict) and isinstance(c.get("name"), str) and c.get("type") in _SCALAR_TYPES for c in columns
    )


def _load_estimator(path, fmt, trusted_types):
    # As mlflow.sklearn._load_model_from_local_file reads each format.
    if fmt == "skops":
        import skops.io

        return skops.io.load(path, trusted=trusted_types)
    with open(path, "rb") as f:
        if fmt == "pickle":
            import pickle

            return pickle.load(f)
        import cloudpickle

        return cloudpickle.load(f)
