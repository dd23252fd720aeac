"""The serve loop: load the model once, announce readiness, then answer predict requests one at a time.

Requests:  {"id": N, "op": "predict", "items": [ITEM, ...], "bytes": B} and B bytes   and   {"op": "shutdown"}
  ITEM is {"frame": {"columns": [...], "data": {col: [...]}, "float64": {col: [offset, count]}?,
                     "dtypes": {col: dtype}}, "params": {...}?}
       ("float64" holds numeric columns as [byte offset, count] of their float64 values, in native byte order, in
        the B bytes that follow the request's line; "data" the rest)
       or {"json": {<one MLflow data key>: ..., "params"?: ...}}   (parsed by MLflow's own parser)
       or {"csv": "<text>"}
Replies:   {"id": N, "results": [{"ok": true, "predictions": "<json>"} | {"ok": false, "error_code", "message"}]}
Startup:   {"type": "ready", ...} once the model is loaded, or {"type": "load_failed", "message"} and exit 3.
"""

import gc
import inspect
import json
import os
import time
import traceback
from itertools import chain

from . import sklearn_model

_MAX_DATA_IN_MESSAGE = 500


def serve_forever(model_path, stdin, out):
    started = time.monotonic()
    # The load makes ~120,000 objects the collector tracks, which live as long as the worker: collecting cycles among
    # them while they are made cost ~5% of the load's CPU, and every later full collection would walk them again.
    # So none is collected during the load, and after it they are frozen out of the collector's generations.
    gc.disable()
    try:
        mlmodel = _read_mlmodel(model_path)
        if (mlmodel.get("flavors") or {}).get("sklearn", {}).get("serialization_format") == "skops":
            _import_skops_first()
        model = sklearn_model.load(model_path, mlmodel)
        runner = _Runner(model_path, model) if model is not None else _Runner.with_mlflow(model_path)
    except Exception as exc:  # the reason goes back to the pool, which never reuses this worker
        out.write(json.dumps({"type": "load_failed", "message": f"{type(exc).__name__}: {exc}"}) + "\n")
        out.flush()
        return 3
    finally:
        gc.freeze()
        gc.enable()
    os.environ["_MLFLOW_IS_IN_SERVING_ENVIRONMENT"] = "true"
    out.write(
        json.dumps(
            {
                "type": "ready",
                "pid": os.getpid(),
                "load_seconds": time.monotonic() - started,
                "loader_module": ((mlmodel.get("flavors") or {}).get("python_function") or {}).get("loader_module"),
                "loaded_by": runner.loaded_by,
            }
        )
        + "\n"
    )
    out.flush()
    for line in iter(stdin.readline, b""):
        if not line.strip():
            continue
        # Nothing a request carries may end the worker: a line that cannot be decoded (or a result that cannot
        # be encoded) fails that request only; the pool matches answers by id.
        request = {}
        try:
            request = json.loads(line)
            if request.get("op") == "shutdown":
                return 0
            items = _with_float64_columns(request.get("items", []), _read_bytes(stdin, request.get("bytes") or 0))
            text = json.dumps({"id": request.get("id"), "results": runner.predict_items(items)})
        except Exception as exc:
            known = request if isinstance(request, dict) else {}
            failure = _error(exc, "BAD_REQUEST", "The worker could not process the request: ")
            text = json.dumps({"id": known.get("id"), "results": [failure for _ in known.get("items", [])] or [failure]})
        out.write(text + "\n")
        out.flush()
    return 0


def _read_bytes(stdin, count):
    data = stdin.read(count) if count > 0 else b""
    if len(data) != count:
        raise ValueError(f"the request announced {count} bytes after its line; its input ended after {len(data)}")
    return data


def _with_float64_columns(items, data):
    """The items with each frame's float64 columns as numpy arrays over the request's bytes (no copy)."""
    import numpy as np

    for item in items:
        frame = item.get("frame") if isinstance(item, dict) else None
        if isinstance(frame, dict) and frame.get("float64"):
            frame["float64"] = {
                col: np.frombuffer(data, dtype=np.float64, count=count, offset=offset)
                for col, (offset, count) in frame["float64"].items()
            }
    return items


def _read_mlmodel(model_path):
    """The MLmodel file as a dict, or {} when it cannot be read (mlflow's own load then says what is wrong)."""
    try:
        import yaml

        with open(os.path.join(model_path, "MLmodel"), encoding="utf-8") as f:
            mlmodel = yaml.safe_load(f)
        return mlmodel if isinstance(mlmodel, dict) else {}
    except Exception:
        return {}


def _import_skops_first():
    """Imports skops.io before mlflow when the model is a skops-serialised scikit-learn one (mlflow 3's default).

    skops builds its list of trusted numpy/scipy ufuncs at import by scanning sys.modules for each one (846 of them),
    formatting an error for every module that lacks it: after mlflow's ~1800 modules that scan took 7-10 s of a
    worker's start (most of `mlflow models predict`'s too), before them ~1 s. Found earlier in the scan, the names
    are numpy's and scipy's own, the ones skops means to trust. Any doubt (no skops) skips this.
    """
    try:
        _import_skops_with_cached_trusted_types(os.environ.get("FLOWGATE_WORKER_CACHE"))
    except Exception:  # mlflow's own load reports whatever is wrong with the model
        return


_TRUSTED_TYPES = "skops.io._trusted_types"


def _import_skops_with_cached_trusted_types(cache_dir):
    """Imports skops.io with its trusted type names taken from the cache, when an earlier worker saved them.

    Even scanned first, those names cost ~1 s of each start (the sys.modules scan, and importing every scikit-learn
    estimator to list them); they are a function of the installed skops, scikit-learn, numpy and scipy and of this
    worker's import order, so they are kept per Python and those versions, written once from a real import. skops
    reads them as lists of strings (`from ._trusted_types import ..._TYPE_NAMES`): the cached module holds exactly
    those lists. A cache that cannot be read, or a skops that wants more of the module, gets the real import.
    """
    if not cache_dir:
        import skops.io  # noqa: F401

        return
    import hashlib
    import sys
    import types
    from importlib.metadata import version

    key = json.dumps([sys.version, sys.prefix] + [version(d) for d in ("skops", "scikit-learn", "numpy", "scipy")])
    path = os.path.join(cache_dir, f"skops-trusted-types-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json")
    try:
        with open(path, encoding="utf-8") as f:
            names = json.load(f)
    except (OSError, ValueError):
        names = None
    if _are_type_names(names):
        cached = types.ModuleType(_TRUSTED_TYPES)
        vars(cached).update(names)
        sys.modules[_TRUSTED_TYPES] = cached
        try:
            import skops.io  # noqa: F401

            return
        except ImportError:  # a skops that imports more than the name lists from the module: import it for real
            for name in [n for n in sys.modules if n == "skops" or n.startswith("skops.")]:
                del sys.modules[name]
    import skops.io  # noqa: F401

    names = {k: v for k, v in vars(sys.modules[_TRUSTED_TYPES]).items() if _is_type_names(k, v)}
    try:
        os.makedirs(cache_dir, mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(names, f)
        os.replace(tmp, path)
    except OSError:  # a read-only cache only costs the next worker the scan
        pass


def _is_type_names(key, value):
    """One of skops' lists of trusted type names: what the cache holds, and all it holds."""
    return key.endswith("_TYPE_NAMES") and isinstance(value, list) and all(isinstance(v, str) for v in value)


def _are_type_names(names):
    return isinstance(names, dict) and len(names) > 0 and all(_is_type_names(k, v) for k, v in names.items())


class _Runner:
    """Answers predict items with a SklearnModel (sklearn_model.py) or MLflow's pyfunc model. A SklearnModel answers
    frames; the first item only MLflow can parse (JSON or CSV) loads the model with MLflow, once, for every item
    after it, and an output only MLflow's encoder takes imports that encoder."""

    def __init__(self, model_path, model):
        self.model_path = model_path
        self.model = model
        self.loaded_by = "flowgate_worker.sklearn_model"
        self.takes_params = False  # mlflow.sklearn's wrapper drops params
        self.schema = None
        self._ss = None

    @classmethod
    def with_mlflow(cls, model_path):
        runner = cls(model_path, None)
        runner._use_mlflow()
        return runner

    def _use_mlflow(self):
        if self.loaded_by == "mlflow.pyfunc":
            return
        from mlflow.pyfunc import load_model

        # No requirement checks: their warnings would reach only the debug log (the pool logs worker stderr there),
        # and comparing the model's requirements with every installed distribution took ~0.7 s of each start.
        self.model = load_model(self.model_path, suppress_warnings=True)
        self.loaded_by = "mlflow.pyfunc"
        self.schema = self.model.metadata.get_input_schema()
        self.takes_params = "params" in inspect.signature(self.model.predict).parameters

    @property
    def ss(self):
        if self._ss is None:
            from mlflow.pyfunc import scoring_server

            self._ss = scoring_server
        return self._ss

    def predict_items(self, items):
        results = [None] * len(items)
        # Coalesce frames that share columns, dtypes and params into ONE data frame built from the concatenated
        # column lists (one pandas construction per batch, not per request) and one model call. Everything else,
        # and any group that fails or whose output cannot be split by rows, runs item by item, so one bad request
        # never fails its batch-mates.
        groups = {}
        for i, item in enumerate(items):
            frame = item.get("frame")
            if frame is not None and frame["columns"]:
                sent = sorted(frame.get("float64", {}))
                key = json.dumps([frame["columns"], sent, frame.get("dtypes"), item.get("params")], sort_keys=True)
                groups.setdefault(key, []).append(i)
        for indexes in groups.values():
            if len(indexes) > 1:
                self._predict_group(items, indexes, results)
        for i, item in enumerate(items):
            if results[i] is None:
                error, data, params = self._parse(item)
                results[i] = error if error is not None else self._predict_one(data, params)
        return results

    def _predict_group(self, items, indexes, results):
        import numpy as np

        first = items[indexes[0]]
        columns = first["frame"]["columns"]
        sizes = []
        pieces = {c: [] for c in columns}
        try:
            for i in indexes:
                data = _columns(items[i]["frame"])
                sizes.append(len(data[columns[0]]))
                for c in columns:
                    pieces[c].append(data[c])
            # A group shares its float64 columns (the key says which), so a column is all arrays or all lists.
            merged = {c: np.concatenate(p) if isinstance(p[0], np.ndarray) else list(chain(*p)) for c, p in pieces.items()}
            frame = _frame({"columns": columns, "data": merged, "dtypes": first["frame"].get("dtypes")})
            pieces = _split_rows(self._call(frame, first.get("params")), sizes)
        except Exception:
            return
        if pieces is None:
            return
        for i, piece in zip(indexes, pieces):
            results[i] = {"ok": True, "predictions": self._encode(piece)}

    def _parse(self, item):
        """→ (error_result | None, data, params)."""
        try:
            if "frame" in item:
                return None, _frame(item["frame"]), item.get("params")
            self._use_mlflow()
            if "csv" in item:
                from io import StringIO

                return None, self.ss.parse_csv_input(StringIO(item["csv"]), schema=self.schema), None
            body = item["json"]
            data = {k: v for k, v in body.items() if k in self.ss.SUPPORTED_FORMATS}
            return None, self.ss.infer_and_parse_data(data, self.schema), body.get("params")
        except Exception as exc:
            return _error(exc, "BAD_REQUEST", ""), None, None

    def _call(self, data, params):
        if self.takes_params:
            return self.model.predict(data, params=params)
        return self.model.predict(data)

    def _predict_one(self, data, params):
        try:
            raw = self._call(data, params)
        except Exception as exc:
            if _is_mlflow_exception(exc):
                shown = repr(data)
                if len(shown) > _MAX_DATA_IN_MESSAGE:
                    shown = shown[:_MAX_DATA_IN_MESSAGE] + "…"
                return _error(exc, None, f"Failed to predict data '{shown}'. \nError: ")
            return {
                "ok": False,
                "error_code": "BAD_REQUEST",
                "message": "Encountered an unexpected error while evaluating the model. Verify that the "
                "serialized input Dataframe is compatible with the model for inference.",
                "stack_trace": traceback.format_exc(),
            }
        try:
            return {"ok": True, "predictions": self._encode(raw)}
        except Exception as exc:
            return _error(exc, "BAD_REQUEST", "The model output could not be encoded as JSON: ")

    def _encode(self, raw):
        import numpy as np

        # MLflow's encoding of an array is json.dumps of its tolist() with an encoder whose fallback is needed only
        # when the plain one fails (numpy values inside an object array); anything else goes to MLflow's.
        if isinstance(raw, np.ndarray):
            try:
                return json.dumps(raw.tolist())
            except (TypeError, ValueError):
                pass
        return json.dumps(self.ss._get_jsonable_obj(raw, pandas_orient="records"), cls=self.ss.NumpyEncoder)


def _columns(spec):
    """A frame's columns by name: its JSON lists, and its float64 columns (numpy arrays)."""
    return {**spec["data"], **spec.get("float64", {})}


def _frame(spec):
    import pandas as pd

    df = pd.DataFrame(_columns(spec), columns=spec["columns"])
    for col, dtype in (spec.get("dtypes") or {}).items():
        if col in df.columns:
            df[col] = df[col].astype(dtype)
    return df


def _split_rows(raw, sizes):
    import numpy as np
    import pandas as pd

    total = sum(sizes)
    if isinstance(raw, (pd.DataFrame, pd.Series)) and len(raw) == total:
        cuts = np.cumsum([0] + sizes)
        return [raw.iloc[cuts[k] : cuts[k + 1]].reset_index(drop=True) for k in range(len(sizes))]
    if isinstance(raw, (np.ndarray, list)) and len(raw) == total:
        cuts = np.cumsum([0] + sizes)
        return [raw[cuts[k] : cuts[k + 1]] for k in range(len(sizes))]
    return None


def _is_mlflow_exception(exc):
    return type(exc).__name__ == "MlflowException" or hasattr(exc, "error_code") and hasattr(exc, "message")


def _error(exc, default_code, prefix):
    code = default_code
    message = str(exc)
    if _is_mlflow_exception(exc):
        raw = getattr(exc, "error_code", None)
        code = raw if isinstance(raw, str) and raw else (default_code or "INVALID_PARAMETER_VALUE")
        message = getattr(exc, "message", message)
    return {"ok": False, "error_code": code or "BAD_REQUEST", "message": prefix + message}
