// Pearson's chi-squared goodness of fit, as scipy.stats.chisquare(f_obs, f_exp): Σ (O − E)² / E with k − 1
// degrees of freedom, p = Pr(χ²_{k−1} > statistic). A category expected 0 times but observed is an infinite
// statistic (p = 0), as in scipy. Evidently's chisquare test calls it with E = reference counts scaled to the
// current total (see drift/column-drift.ts).

import { chiSquaredSf } from "./gamma.js";

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  dof: number;
}

export function chiSquare(observed: ArrayLike<number>, expected: ArrayLike<number>): ChiSquareResult {
  if (observed.length !== expected.length)
    throw new Error("chiSquare needs as many expected as observed counts");
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const diff = observed[i]! - expected[i]!;
    statistic += (diff * diff) / expected[i]!;
  }
  const dof = observed.length - 1;
  return { statistic, pValue: chiSquaredSf(statistic, dof), dof };
}
