// The running summary of one numeric column: count, min/max, mean and variance (Welford), a few distinct
// values, a reservoir sample and bin counts — all in fixed memory whatever the row count.

import { SAMPLE_LIMIT, type NumericProfile } from "../monitoring.js";
import { BinIndex, binCount, countOnEdges, equalWidthEdges, FineGrid } from "./bins.js";
import { Reservoir, seedOf } from "./reservoir.js";

export const QUANTILE_PS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;

/** Evidently picks its test by "more than 5 unique values"; counting to 6 is enough to tell. */
const DISTINCT_LIMIT = 6;

export class NumericColumn {
  readonly kind = "numeric";
  n = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly distinctValues = new Float64Array(DISTINCT_LIMIT);
  private distinct = 0;
  private readonly reservoir: Reservoir;
  /** Counts on the reference's edges (a current window), else null. */
  private readonly fixedCounts: Float64Array | null;
  private readonly binIndex: BinIndex | null;
  /** Without reference edges: the one-pass histogram, started once the values no longer fit the sample. */
  private grid: FineGrid | null = null;

  constructor(
    name: string,
    private readonly edges: number[] | null = null,
  ) {
    this.reservoir = new Reservoir(SAMPLE_LIMIT, seedOf(name));
    this.fixedCounts = edges === null ? null : new Float64Array(Math.max(edges.length - 1, 0));
    this.binIndex = edges === null ? null : new BinIndex(Float64Array.from(edges));
  }

  /** Adds values[0…rows) that are finite numbers (or bigints); returns how many were not numbers at all. */
  addValues(values: ArrayLike<unknown>, rows: number): number {
    const end = Math.min(rows, values.length);
    if (
      ArrayBuffer.isView(values) &&
      !(values instanceof BigInt64Array || values instanceof BigUint64Array)
    ) {
      const typed = values as unknown as ArrayLike<number>;
      for (let i = 0; i < end; i++) {
        const v = typed[i]!;
        if (v - v === 0) this.addNumber(v);
      }
      return 0;
    }
    let foreign = 0;
    for (let i = 0; i < end; i++) {
      const v = values[i];
      if (typeof v === "number") {
        if (v - v === 0) this.addNumber(v);
      } else if (typeof v === "bigint") this.addNumber(Number(v));
      else if (v instanceof Date) this.addNumber(v.getTime());
      else if (v !== null && v !== undefined) foreign++;
    }
    return foreign;
  }

  addNumber(v: number): void {
    const n = ++this.n;
    const d = v - this.mean;
    this.mean += d / n;
    this.m2 += d * (v - this.mean);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (this.distinct < DISTINCT_LIMIT) this.noteDistinct(v);
    if (this.fixedCounts !== null) this.fixedCounts[this.binIndex!.of(v)]!++;
    else if (this.grid !== null) this.grid.add(v);
    else if (this.reservoir.seen === SAMPLE_LIMIT) this.startGrid(v);
    this.reservoir.offer(v);
  }

  /** Every value seen, in order, while they all fit the sample (so the column can still become categorical). */
  allValues(): Float64Array | null {
    return this.reservoir.complete ? this.reservoir.values.slice(0, this.reservoir.seen) : null;
  }

  profile(missing: number): NumericProfile {
    const sample = this.reservoir.sorted();
    const n = this.n;
    const empty = n === 0;
    const { edges, counts } = this.bins(sample);
    return {
      kind: "numeric",
      n,
      missing,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
      mean: empty ? 0 : this.mean,
      std: n > 1 ? Math.sqrt(this.m2 / (n - 1)) : 0,
      quantiles: empty ? [] : QUANTILE_PS.map((p) => ({ p, value: quantile(sample, p) })),
      binEdges: edges,
      binCounts: counts,
      sample: Array.from(sample),
      distinct: this.distinct,
      ...(this.distinct < DISTINCT_LIMIT
        ? { values: Array.from(this.distinctValues.slice(0, this.distinct)).sort((a, b) => a - b) }
        : {}),
    };
  }

  private bins(sample: Float64Array): { edges: number[]; counts: number[] } {
    if (this.fixedCounts !== null) return { edges: [...this.edges!], counts: Array.from(this.fixedCounts) };
    if (this.n === 0) return { edges: [], counts: [] };
    const k = binCount(this.n);
    if (this.grid !== null) return this.grid.coarse(this.min, this.max, k);
    const edges = equalWidthEdges(this.min, this.max, k);
    return { edges, counts: countOnEdges(sample, edges) };
  }

  private noteDistinct(v: number): void {
    for (let i = 0; i < this.distinct; i++) if (this.distinctValues[i] === v) return;
    this.distinctValues[this.distinct++] = v;
  }

  /** The sample is about to stop holding every value: carry what it holds into the grid first. */
  private startGrid(v: number): void {
    const held = this.reservoir.values;
    let lo = v;
    let hi = v;
    for (let i = 0; i < held.length; i++) {
      if (held[i]! < lo) lo = held[i]!;
      if (held[i]! > hi) hi = held[i]!;
    }
    this.grid = new FineGrid(lo, hi);
    for (let i = 0; i < held.length; i++) this.grid.add(held[i]!);
    this.grid.add(v);
  }
}

/** numpy's default (linear) quantile on sorted values. */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return a + (h - lo) * (b - a);
}
