// The first Wasserstein distance between two samples (scipy.stats.wasserstein_distance: the area between the
// empirical CDFs) and Evidently's normed version, divided by the reference's population standard deviation
// (numpy's std, ddof = 0) floored at 0.001. One merge of the sorted samples: O(n) on sorted input (profiles
// keep their sample sorted), O(n log n) otherwise.

export function wasserstein(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const x = sortedCopy(u);
  const y = sortedCopy(v);
  const nx = x.length;
  const ny = y.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let prev = Math.min(x[0]!, y[0]!);
  while (i < nx || j < ny) {
    const value = j >= ny || (i < nx && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    // F_x and F_y are constant on [prev, value): both count the values ≤ prev.
    sum += Math.abs(i / nx - j / ny) * (value - prev);
    while (i < nx && x[i]! === value) i++;
    while (j < ny && y[j]! === value) j++;
    prev = value;
  }
  return sum;
}

/**
 * wasserstein(reference, current) / max(σ, 0.001), σ the reference's population standard deviation: given
 * (a profile's, over every reference value) or computed from the reference sample.
 */
export function wassersteinNormed(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  sigma?: number,
): number {
  return wasserstein(reference, current) / Math.max(sigma ?? populationStd(reference), 0.001);
}

export function populationStd(v: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < v.length; i++) mean += v[i]!;
  mean /= v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += (v[i]! - mean) ** 2;
  return Math.sqrt(ss / v.length);
}

function sortedCopy(v: ArrayLike<number>): ArrayLike<number> {
  for (let i = 1; i < v.length; i++) if (v[i - 1]! > v[i]!) return Float64Array.from(v).sort();
  return v;
}
