// Jensen–Shannon distance (the square root of the divergence), natural log — so between 0 and √ln 2 ≈ 0.83 —
// as scipy.spatial.distance.jensenshannon(r, c) with base=None, which Evidently's jensenshannon stattest calls
// on plain (unfloored) shares.

import { sharesOf } from "./shares.js";

export function jensenShannon(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): number {
  const p = sharesOf(referenceCounts);
  const q = sharesOf(currentCounts);
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i]! + q[i]!) / 2;
    if (p[i]! > 0) left += p[i]! * Math.log(p[i]! / m);
    if (q[i]! > 0) right += q[i]! * Math.log(q[i]! / m);
  }
  return Math.sqrt((left + right) / 2);
}
