// Hellinger distance between the reference and current shares, as Evidently's hellinger stattest:
// √(1 − BC) with the Bhattacharyya coefficient BC = Σ √(r·c) clipped to [0, 1], on plain shares. (Evidently
// sums density × bin width for numeric columns, which is the same quantity.)

import { sharesOf } from "./shares.js";

export function hellinger(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): number {
  const r = sharesOf(referenceCounts);
  const c = sharesOf(currentCounts);
  let bc = 0;
  for (let i = 0; i < r.length; i++) bc += Math.sqrt(r[i]! * c[i]!);
  return Math.sqrt(1 - Math.min(1, Math.max(0, bc)));
}
