// The two-proportion Z-test of Evidently's "z" stattest (z_stattest.py): the share of one category in the
// reference (p1 of n1) against the current (p2 of n2), pooled P, z = (p1 − p2) / √(P(1 − P)(1/n1 + 1/n2)),
// two-sided p = 2·Pr(Z > |z|). When both samples hold one and the same value (P is 0 or 1) Evidently answers
// p = 1, and so do we. (Evidently writes 2·(1 − Φ(|z|)); the survival function here differs only below 1e-16.)

import { normalSf } from "./gamma.js";

export interface ZTestResult {
  statistic: number;
  pValue: number;
}

/** `k1` of `n1` reference values and `k2` of `n2` current values are in the category. */
export function zTestProportions(k1: number, n1: number, k2: number, n2: number): ZTestResult {
  const p1 = k1 / n1;
  const p2 = k2 / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  if (P <= 0 || P >= 1) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: 2 * normalSf(Math.abs(z)) };
}
