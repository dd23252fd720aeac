// The method a column is tested with when nothing says otherwise: Evidently's _get_default_stattest
// (evidently/legacy/calculations/stattests/registry.py). With a reference of at most 1000 (non-missing) values:
// KS for numeric columns with more than 5 distinct values (counted over reference and current together), else
// chi-squared, or the Z-test when there are at most 2 distinct values (numeric or categorical alike). Above 1000:
// normed Wasserstein for numeric columns with more than 5 distinct values, else Jensen–Shannon.

import type { ColumnProfile, DriftMethod } from "../monitoring.js";
import { distinctValues } from "./distributions.js";

/** Evidently's boundary between a "small" and a "large" reference. */
export const SMALL_REFERENCE_ROWS = 1000;

export function defaultMethod(ref: ColumnProfile, cur: ColumnProfile): DriftMethod {
  const distinct = distinctValues(ref, cur);
  const manyValues = ref.kind === "numeric" && distinct > 5;
  if (ref.n <= SMALL_REFERENCE_ROWS) {
    if (manyValues) return "ks";
    return distinct > 2 ? "chisquare" : "z";
  }
  return manyValues ? "wasserstein" : "jensenshannon";
}
