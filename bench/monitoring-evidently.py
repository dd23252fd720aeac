"""Evidently's side of bench/monitoring.ts: the same drift report on the same prediction-log segments.

Usage: python monitoring-evidently.py REFERENCE.parquet CURRENT_DIR
Reads the reference segment and every *.parquet segment in CURRENT_DIR with pandas (timed apart: that is I/O,
not drift), keeps the logged inputs and the prediction (the `input.` / `output.` prefixes dropped), and runs
Evidently's DataDriftPreset with its defaults (the test per column chosen by Evidently, as Flowgate chooses
it). Prints one JSON line: read and report seconds, and per column the method, score and verdict.
"""

import glob
import json
import os
import sys
import time

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset


def read_segments(paths):
    frames = [pd.read_parquet(p) for p in paths]
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    keep = [c for c in df.columns if c.startswith("input.") or c == "output.prediction"]
    df = df[keep]
    df.columns = [c.split(".", 1)[1] for c in keep]
    return df


def definition(df):
    numerical = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    categorical = [c for c in df.columns if c not in numerical]
    return DataDefinition(numerical_columns=numerical, categorical_columns=categorical)


def column_results(snapshot):
    """Per column: Evidently's method, score and threshold, from the report's ValueDrift metrics."""
    out = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric.get("config", {})
        if config.get("type", "").endswith("ValueDrift"):
            column = config["column"]
            method = config.get("method") or metric.get("metric_name", "")
            score, threshold = metric["value"], config.get("threshold")
            # Evidently's rule: a p-value drifts below its threshold, a distance at or above it.
            drifted = bool(score < threshold if "p_value" in method else score >= threshold)
            out[column] = {"method": method, "score": score, "threshold": threshold, "drifted": drifted}
    return out


def main(reference_path, current_dir):
    t0 = time.perf_counter()
    reference = read_segments([reference_path])
    current = read_segments(sorted(glob.glob(os.path.join(current_dir, "*.parquet"))))
    read_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    data_definition = definition(reference)
    report = Report([DataDriftPreset()])
    snapshot = report.run(
        Dataset.from_pandas(current, data_definition=data_definition),
        Dataset.from_pandas(reference, data_definition=data_definition),
    )
    columns = column_results(snapshot)
    report_s = time.perf_counter() - t1
    print(
        json.dumps(
            {
                "read_s": read_s,
                "report_s": report_s,
                "reference_rows": len(reference),
                "current_rows": len(current),
                "columns": columns,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
