// Aligned counts of a column in the reference and the current profile, which the binned and categorical
// methods (chi², Z, PSI, KL, Jensen–Shannon, Hellinger) compare:
// - categorical columns: the counts per category over the union of both profiles' categories (the categories a
//   profile lumps into `other` beyond CATEGORY_LIMIT count as one more category);
// - numeric columns with at most 5 distinct values on both sides: the counts per distinct value, as Evidently
//   treats a few-valued numeric column as categories. Exact from the sample while it holds every value, or from
//   the bin counts when each value has a bin of its own; else the sample's shares scaled to n (an estimate);
// - other numeric columns: the bin counts, the current profile's being counted on the reference's edges.
//   Evidently instead bins reference + current together (Sturges over their joint range) and counts a numeric
//   column with at most 20 distinct reference values per value; a stored baseline cannot see future windows, so
//   PSI / KL / JS / Hellinger on such columns are ours and can differ from Evidently's (none of them is a
//   default method for them: those are KS and Wasserstein, on the samples, exactly as Evidently).

import { invalidParameter } from "../../core/errors.js";
import type { ColumnProfile, NumericProfile } from "../monitoring.js";

export interface AlignedCounts {
  keys: string[];
  reference: number[];
  current: number[];
}

/** Categories beyond CATEGORY_LIMIT, counted together. */
export const OTHER_KEY = "\u0000other";

export function alignedCounts(ref: ColumnProfile, cur: ColumnProfile): AlignedCounts {
  if (ref.kind === "categorical" && cur.kind === "categorical") {
    const keys = [...new Set([...Object.keys(ref.frequencies), ...Object.keys(cur.frequencies)])];
    if (ref.other > 0 || cur.other > 0) keys.push(OTHER_KEY);
    const count = (p: typeof ref, k: string): number => (k === OTHER_KEY ? p.other : (p.frequencies[k] ?? 0));
    return { keys, reference: keys.map((k) => count(ref, k)), current: keys.map((k) => count(cur, k)) };
  }
  if (ref.kind === "numeric" && cur.kind === "numeric") {
    const values = fewValues(ref, cur);
    if (values !== null) {
      return {
        keys: values.map(String),
        reference: valueCounts(ref, values),
        current: valueCounts(cur, values),
      };
    }
    if (ref.binCounts.length !== cur.binCounts.length) {
      throw invalidParameter(
        `The current profile has ${cur.binCounts.length} bins, the reference ${ref.binCounts.length}: a window is counted on its baseline's bin edges.`,
      );
    }
    return { keys: ref.binCounts.map((_, i) => `bin${i}`), reference: ref.binCounts, current: cur.binCounts };
  }
  throw new Error(`a ${ref.kind} reference cannot be compared with a ${cur.kind} current profile`);
}

/** The union of both sides' distinct values while each has at most 5, else null. */
export function fewValues(ref: NumericProfile, cur: NumericProfile): number[] | null {
  if (ref.values === undefined || cur.values === undefined) return null;
  return [...new Set([...ref.values, ...cur.values])].sort((a, b) => a - b);
}

/** Distinct values among both profiles' (categories, or numeric values), counting 6 as "more than 5". */
export function distinctValues(ref: ColumnProfile, cur: ColumnProfile): number {
  if (ref.kind === "categorical" && cur.kind === "categorical") {
    const keys = new Set([...Object.keys(ref.frequencies), ...Object.keys(cur.frequencies)]);
    return keys.size + (ref.other > 0 || cur.other > 0 ? 1 : 0);
  }
  if (ref.kind === "numeric" && cur.kind === "numeric") return Math.min(fewValues(ref, cur)?.length ?? 6, 6);
  throw new Error(`a ${ref.kind} reference cannot be compared with a ${cur.kind} current profile`);
}

function valueCounts(p: NumericProfile, values: number[]): number[] {
  if (p.sample.length === p.n) return countIn(p.sample, values);
  const bins = values.map((v) => binOf(p.binEdges, v));
  if (p.binCounts.length > 0 && new Set(bins).size === bins.length) return bins.map((b) => p.binCounts[b]!);
  const scale = p.n / p.sample.length;
  return countIn(p.sample, values).map((c) => c * scale);
}

function countIn(sample: ArrayLike<number>, values: number[]): number[] {
  const index = new Map(values.map((v, i) => [v, i]));
  const counts = values.map(() => 0);
  for (let i = 0; i < sample.length; i++) {
    const at = index.get(sample[i]!);
    if (at !== undefined) counts[at]!++;
  }
  return counts;
}

/** The bin of v on ascending edges: [e_i, e_i+1), the last closed, values outside in the end bins. */
function binOf(edges: ArrayLike<number>, v: number): number {
  const k = edges.length - 1;
  let bin = 0;
  while (bin < k - 1 && v >= edges[bin + 1]!) bin++;
  return bin;
}
