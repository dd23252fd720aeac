// Population Stability Index, as Evidently's psi stattest: Σ (r − c) · ln(r / c) over bins or categories, r and
// c the reference and current shares with empty bins floored (shares.ts). Drift when PSI ≥ threshold.

import { flooredSharesOf } from "./shares.js";

/** Counts per bin (or category) of the reference and the current data, aligned. */
export function psi(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): number {
  const r = flooredSharesOf(referenceCounts);
  const c = flooredSharesOf(currentCounts);
  let sum = 0;
  for (let i = 0; i < r.length; i++) sum += (r[i]! - c[i]!) * Math.log(r[i]! / c[i]!);
  return sum;
}
