// Column and dataset profiles made from raw arrays for the drift tests, independent of the ProfileBuilder:
// every value in the sample (the tests stay within SAMPLE_LIMIT), Sturges bins over the reference (a current
// profile is counted on the reference's edges, outside values in the end bins), distinct values up to 6.

import type {
  CategoricalProfile,
  ColumnProfile,
  DatasetProfile,
  NumericProfile,
} from "../../../src/monitoring/monitoring.js";

export function numericProfile(values: number[], reference?: NumericProfile): NumericProfile {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? sorted.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : 0;
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  const edges = reference?.binEdges ?? equalEdges(min, max, Math.ceil(Math.log2(n)) + 1);
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const v of sorted) {
    let b = 0;
    while (b < counts.length - 1 && v >= edges[b + 1]!) b++;
    counts[b]!++;
  }
  const distinct = [...new Set(sorted)];
  return {
    kind: "numeric",
    n,
    missing: 0,
    min,
    max,
    mean,
    std: Math.sqrt(variance),
    quantiles: [],
    binEdges: edges,
    binCounts: counts,
    sample: sorted,
    distinct: Math.min(distinct.length, 6),
    ...(distinct.length <= 5 ? { values: distinct } : {}),
  };
}

export function categoricalProfile(values: string[]): CategoricalProfile {
  const frequencies: Record<string, number> = {};
  for (const v of values) frequencies[v] = (frequencies[v] ?? 0) + 1;
  return { kind: "categorical", n: values.length, missing: 0, frequencies, other: 0 };
}

/** The reference's and the current's profile of one column. */
export function profilePair(
  reference: (number | string)[],
  current: (number | string)[],
): [ColumnProfile, ColumnProfile] {
  if (typeof reference[0] === "string") {
    return [categoricalProfile(reference as string[]), categoricalProfile(current as string[])];
  }
  const ref = numericProfile(reference as number[]);
  return [ref, numericProfile(current as number[], ref)];
}

export function datasetProfile(
  columns: Record<string, ColumnProfile>,
  predictions: Record<string, ColumnProfile> = {},
): DatasetProfile {
  const rows = Math.max(0, ...Object.values(columns).map((c) => c.n + c.missing));
  return { format: 1, rows, columns, predictions, source: { kind: "file", name: "test" }, createdAt: 0 };
}

function equalEdges(min: number, max: number, k: number): number[] {
  const [lo, hi] = min === max ? [min - 0.5, max + 0.5] : [min, max];
  return Array.from({ length: k + 1 }, (_, i) => (i === k ? hi : lo + ((hi - lo) * i) / k));
}
