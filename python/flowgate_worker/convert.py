"""scikit-learn → ONNX conversion with an equality check, for the `auto` runtime.

The converted model is accepted only if it gives the same predictions as the original on the model's input example
plus generated rows: classifiers must agree on every label, regressors within |a - b| <= ATOL + RTOL * |b|
(float32 inference inside ONNX Runtime is the only expected difference). Anything else answers ok=false with the
reason, and serving falls back to the Python runtime.
"""

import json
import os

ATOL = 1e-4
RTOL = 1e-3
_SEED = 20260601


def convert_to_onnx(model_path, out_path, rows):
    try:
        return _convert(model_path, out_path, rows)
    except Exception as exc:
        return {"ok": False, "reason": f"{type(exc).__name__}: {exc}"}


def _convert(model_path, out_path, rows):
    import numpy as np
    from mlflow.pyfunc import load_model, scoring_server

    pyfunc = load_model(model_path)
    flavors = pyfunc.metadata.flavors
    if "sklearn" not in flavors:
        return {"ok": False, "reason": "the model has no sklearn flavor"}
    schema = pyfunc.metadata.get_input_schema()
    if schema is None or not schema.has_input_names() or schema.is_tensor_spec():
        return {"ok": False, "reason": "conversion needs a column-based signature with named inputs"}
    example = _input_example(model_path, pyfunc, scoring_server, schema)
    if example is None:
        return {"ok": False, "reason": "the model has no input example to check the conversion against"}
    columns = schema.input_names()
    kinds = {}
    for name, dtype in zip(columns, schema.input_types()):
        type_name = getattr(dtype, "name", str(dtype))
        if type_name in ("double", "float", "long", "integer", "boolean"):
            kinds[name] = "float"
        elif type_name == "string":
            kinds[name] = "string"
        else:
            return {"ok": False, "reason": f"column {name} has type {type_name}, which the conversion does not map"}
    frame = _with_generated_rows(example[columns], kinds, rows, np)
    sk_model = pyfunc.get_raw_model()
    expected = np.asarray(pyfunc.predict(frame))

    onnx_model, layout = _to_onnx(sk_model, columns, kinds)
    import onnxruntime as ort

    session = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = _feeds(frame, columns, kinds, layout, np)
    output = session.get_outputs()[0].name
    got = np.asarray(session.run([output], feeds)[0])
    if got.ndim == 2 and got.shape[1] == 1 and expected.ndim == 1:
        got = got.reshape(-1)
    if got.shape != expected.shape:
        return {"ok": False, "reason": f"converted output shape {got.shape} differs from {expected.shape}"}
    is_numeric = expected.dtype.kind in "fiu" and not hasattr(sk_model, "classes_")
    if is_numeric:
        diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
        limit = ATOL + RTOL * np.abs(expected.astype(np.float64))
        bad = int(np.sum(diff > limit))
        max_diff = float(diff.max()) if diff.size else 0.0
    else:
        bad = int(np.sum(got.astype(expected.dtype) != expected))
        max_diff = 0.0
    if bad:
        return {
            "ok": False,
            "reason": f"converted predictions differ on {bad} of {len(frame)} rows (max |diff| {max_diff})",
        }
    with open(out_path + ".tmp", "wb") as f:
        f.write(onnx_model.SerializeToString())
    os.replace(out_path + ".tmp", out_path)
    return {
        "ok": True,
        "onnx_path": out_path,
        "layout": layout,
        "columns": columns,
        "kinds": kinds,
        "output": output,
        "flatten": bool(expected.ndim == 1),
        "rows_checked": int(len(frame)),
        "max_abs_diff": max_diff,
        "tolerance": {"atol": ATOL, "rtol": RTOL, "labels": "exact"},
    }


def _input_example(model_path, pyfunc, scoring_server, schema):
    info = getattr(pyfunc.metadata, "saved_input_example_info", None) or {}
    name = info.get("serving_input_path") or "serving_input_example.json"
    path = os.path.join(model_path, name)
    if os.path.exists(path):
        with open(path) as f:
            body = json.load(f)
        data = {k: v for k, v in body.items() if k in scoring_server.SUPPORTED_FORMATS}
        return scoring_server.infer_and_parse_data(data, schema)
    return None


def _with_generated_rows(example, kinds, rows, np):
    import pandas as pd

    rng = np.random.default_rng(_SEED)
    generated = {}
    for col, kind in kinds.items():
        values = example[col]
        if kind == "float":
            lo, hi = float(values.min()), float(values.max())
            span = hi - lo if hi > lo else max(1.0, abs(hi))
            col_values = rng.uniform(lo - 0.5 * span, hi + 0.5 * span, rows)
            if values.dtype.kind in "iu":
                col_values = np.round(col_values).astype(values.dtype)
            elif values.dtype.kind == "b":
                col_values = col_values > (lo + hi) / 2
            else:
                col_values = col_values.astype(values.dtype)
            generated[col] = col_values
        else:
            generated[col] = rng.choice(values.astype(object).to_numpy(), rows)
    return pd.concat([example, pd.DataFrame(generated)], ignore_index=True)


def _to_onnx(sk_model, columns, kinds):
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    options = {}
    last = sk_model.steps[-1][1] if hasattr(sk_model, "steps") else sk_model
    if hasattr(last, "classes_"):
        options = {id(last): {"zipmap": False}}
    errors = []
    if all(kind == "float" for kind in kinds.values()):
        try:
            model = to_onnx(sk_model, initial_types=[("X", FloatTensorType([None, len(columns)]))], options=options)
            return model, "matrix"
        except Exception as exc:  # e.g. a ColumnTransformer that selects columns by name
            errors.append(str(exc))
    types = [
        (c, FloatTensorType([None, 1]) if kinds[c] == "float" else StringTensorType([None, 1])) for c in columns
    ]
    try:
        return to_onnx(sk_model, initial_types=types, options=options), "columns"
    except Exception as exc:
        errors.append(str(exc))
        raise RuntimeError("skl2onnx could not convert the model: " + " / ".join(errors)) from exc


def _feeds(frame, columns, kinds, layout, np):
    if layout == "matrix":
        return {"X": frame[columns].to_numpy(dtype=np.float32)}
    feeds = {}
    for c in columns:
        values = frame[c].to_numpy()
        if kinds[c] == "float":
            feeds[c] = values.astype(np.float32).reshape(-1, 1)
        else:
            feeds[c] = values.astype(str).astype(object).reshape(-1, 1)
    return feeds
