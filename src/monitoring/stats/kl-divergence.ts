// Kullback–Leibler divergence KL(reference ‖ current), natural log, as Evidently's kl_div stattest:
// scipy.stats.entropy(r, c) on floored shares (shares.ts), which entropy renormalizes to sum to 1.

import { flooredSharesOf } from "./shares.js";

export function klDiv(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): number {
  const r = normalized(flooredSharesOf(referenceCounts));
  const c = normalized(flooredSharesOf(currentCounts));
  let sum = 0;
  for (let i = 0; i < r.length; i++) if (r[i]! > 0) sum += r[i]! * Math.log(r[i]! / c[i]!);
  return sum;
}

export function normalized(v: Float64Array): Float64Array {
  let total = 0;
  for (const x of v) total += x;
  return v.map((x) => x / total);
}
