"""The drift statistics' oracle: scipy and Evidently compute, on the data the TypeScript tests generate, the
numbers and verdicts that src/monitoring/stats and src/monitoring/drift must reproduce.

Reads {"cases": [{"op": ..., ...}, ...]} on stdin, writes {"results": [...]} (one object per case) on stdout.
Runs in the `oracles` venv (scripts/setup-python.sh): scipy==1.17.1, evidently==0.7.23.
"""

import importlib.util
import json
import math
import sys
import types
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

warnings.filterwarnings("ignore")


def number(x):
    x = float(x)
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf") if not math.isnan(x) else "nan"


def evidently():
    # Imported only when a case needs it. Evidently's top-level package imports its whole product (descriptors,
    # LLM judges, UI: ~30 s on a loaded machine); the stattests need none of it, so the package is registered
    # without running its __init__ and only evidently.legacy's calculations are imported, unchanged.
    spec = importlib.util.find_spec("evidently")
    package = types.ModuleType("evidently")
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    sys.modules["evidently"] = package
    from evidently.legacy.calculations.stattests import registry
    from evidently.legacy.calculations.stattests.hellinger_distance import _hellinger_distance
    from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
    from evidently.legacy.calculations.stattests.kl_div import _kl_div
    from evidently.legacy.calculations.stattests.psi import _psi
    from evidently.legacy.calculations.stattests.wasserstein_distance_norm import _wasserstein_distance_norm
    from evidently.legacy.calculations.stattests.z_stattest import _z_stat_test
    from evidently.legacy.calculations.stattests.chisquare_stattest import _chi_stat_test
    from evidently.legacy.core import ColumnType

    return {
        "registry": registry,
        "ColumnType": ColumnType,
        "psi": _psi,
        "kl_div": _kl_div,
        "jensenshannon": _jensenshannon,
        "hellinger": _hellinger_distance,
        "wasserstein": _wasserstein_distance_norm,
        "z": _z_stat_test,
        "chisquare": _chi_stat_test,
    }


def series(values, kind):
    return pd.Series(values, dtype="float64" if kind == "numeric" else "object")


def run(case, ev):
    op = case["op"]
    if op == "ks_2samp":
        r = stats.ks_2samp(np.array(case["a"], dtype=float), np.array(case["b"], dtype=float))
        return {"statistic": number(r.statistic), "pValue": number(r.pvalue)}
    if op == "kstwo_sf":
        return {"value": number(stats.kstwo.sf(case["x"], case["n"]))}
    if op == "chisquare":
        r = stats.chisquare(case["observed"], case["expected"])
        return {"statistic": number(r.statistic), "pValue": number(r.pvalue)}
    if op == "chi2_sf":
        return {"value": number(stats.chi2.sf(case["x"], case["dof"]))}
    if op == "norm_sf":
        return {"value": number(stats.norm.sf(case["z"]))}
    if op == "wasserstein_distance":
        return {"value": number(stats.wasserstein_distance(case["a"], case["b"]))}
    if op == "jensenshannon":
        return {"value": number(distance.jensenshannon(case["p"], case["q"]))}
    if op == "evidently_stat":
        # One of Evidently's stattests on raw data: its score, with its own binning.
        kind = case["kind"]
        ref, cur = series(case["reference"], kind), series(case["current"], kind)
        column_type = ev["ColumnType"].Numerical if kind == "numeric" else ev["ColumnType"].Categorical
        score, drifted = ev[case["method"]](ref, cur, column_type, case.get("threshold", 0.1))
        return {"score": number(score), "drifted": bool(drifted)}
    if op == "evidently_drift":
        # Evidently's per-column decision with its defaults, as get_one_column_drift makes it: infinities and
        # missing values dropped, the default stattest for the column, its default threshold.
        kind = case["kind"]
        ref = series(case["reference"], kind).replace([-np.inf, np.inf], np.nan).dropna()
        cur = series(case["current"], kind).replace([-np.inf, np.inf], np.nan).dropna()
        column_type = ev["ColumnType"].Numerical if kind == "numeric" else ev["ColumnType"].Categorical
        test = ev["registry"].get_stattest(ref, cur, column_type, None)
        result = test(ref, cur, column_type, None)
        return {
            "method": test.name,
            "score": number(result.drift_score),
            "drifted": bool(result.drifted),
            "threshold": number(result.actual_threshold),
        }
    raise ValueError(f"unknown op {op}")


def main():
    cases = json.load(sys.stdin)["cases"]
    ev = evidently() if any(c["op"].startswith("evidently") for c in cases) else None
    json.dump({"results": [run(c, ev) for c in cases]}, sys.stdout)


if __name__ == "__main__":
    main()
