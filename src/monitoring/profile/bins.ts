// Histogram bins of numeric columns. A baseline chooses its edges once; every current window is counted on
// those same edges, so PSI / KL / JS / Hellinger compare like with like (docs/monitoring.md "Bin edges").
//
// Evidently (get_binned_data) bins reference + current together with numpy's Sturges rule, equal-width over
// their joint range. A stored baseline cannot see future windows, so we take the same rule on the reference
// alone: equal-width bins over the reference's [min, max], Sturges' count (⌈log2 n⌉ + 1) capped at MAX_BINS.
// Equal width rather than reference quantiles keeps the bins readable as a histogram (the report and UI plot
// them) and matches what Evidently computes; values of a window outside the reference's range land in the end
// bins, which is where a shift shows up.

/** Sturges gives 21 bins at 1M rows; 20 keeps a histogram readable and the profile small. */
export const MAX_BINS = 20;

/** Fine cells of the one-pass histogram that coarse edges are cut from (see FineGrid). */
const FINE_CELLS = 4096;

export function binCount(n: number): number {
  if (n <= 1) return 1;
  return Math.min(MAX_BINS, Math.ceil(Math.log2(n)) + 1);
}

/** numpy.histogram_bin_edges for k equal bins over [min, max] (a single value v spans [v - 0.5, v + 0.5]). */
export function equalWidthEdges(min: number, max: number, k: number): number[] {
  const lo = min === max ? min - 0.5 : min;
  const hi = min === max ? max + 0.5 : max;
  const edges: number[] = [];
  for (let i = 0; i <= k; i++) edges.push(i === k ? hi : lo + ((hi - lo) * i) / k);
  return edges;
}

/**
 * The bin of v on ascending edges e0 < … < ek: [e_i, e_i+1), the last bin closed, and values below e0 / above
 * ek in the first / last bin.
 */
export function binOf(edges: ArrayLike<number>, v: number): number {
  const k = edges.length - 1;
  if (k <= 1 || v < edges[1]!) return 0;
  if (v >= edges[k - 1]!) return k - 1;
  let lo = 1; // edges[lo] <= v
  let hi = k - 1; // v < edges[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= v) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * binOf for a fixed set of edges, O(1) when they are (nearly) equal-width as ours are: the index is guessed
 * arithmetically and corrected against the edges themselves, so the answer is binOf's for any edges.
 */
export class BinIndex {
  private readonly k: number;
  private readonly lo: number;
  private readonly scale: number;

  constructor(private readonly edges: Float64Array) {
    this.k = edges.length - 1;
    this.lo = edges[0] ?? 0;
    const span = (edges[this.k] ?? 0) - this.lo;
    this.scale = span > 0 ? this.k / span : 0;
  }

  of(v: number): number {
    const edges = this.edges;
    const last = this.k - 1;
    if (last <= 0) return 0;
    let i = Math.floor((v - this.lo) * this.scale);
    if (!(i > 0)) i = 0;
    else if (i > last) i = last;
    while (i > 0 && v < edges[i]!) i--;
    while (i < last && v >= edges[i + 1]!) i++;
    return i;
  }
}

/** Counts on k equal-width bins over [min, max] of values all held in memory (n ≤ SAMPLE_LIMIT). */
export function countOnEdges(values: ArrayLike<number>, edges: number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[binOf(edges, values[i]!)]!++;
  return counts;
}

/**
 * A one-pass histogram of FINE_CELLS equal cells whose range grows by doubling (adjacent cells merge) when a
 * value falls outside. It lets a baseline built from a stream of unknown range get exact counts on coarse edges
 * chosen at the end: each coarse edge is the cell boundary nearest to the ideal equal-width edge, so edges are
 * equal-width to within one cell (at most 1/1024 of the range).
 */
export class FineGrid {
  readonly cells = new Float64Array(FINE_CELLS);
  private lo: number;
  private width: number;

  constructor(min: number, max: number) {
    this.lo = min;
    const span = max - min;
    this.width = span > 0 ? span / (FINE_CELLS - 1) : Math.max(Math.abs(min), 1) * 1e-9;
  }

  add(v: number): void {
    let i = Math.floor((v - this.lo) / this.width);
    if (i < 0 || i >= FINE_CELLS) {
      this.grow(v);
      i = Math.floor((v - this.lo) / this.width);
    }
    this.cells[i < FINE_CELLS ? i : FINE_CELLS - 1]!++;
  }

  /** Coarse edges from min to max (exact at the ends) and their exact counts. */
  coarse(min: number, max: number, k: number): { edges: number[]; counts: number[] } {
    if (min === max) {
      const edges = equalWidthEdges(min, max, k);
      const counts = new Array<number>(k).fill(0);
      counts[binOf(edges, min)] = this.cells.reduce((a, b) => a + b, 0);
      return { edges, counts };
    }
    const first = this.cellOf(min);
    const last = this.cellOf(max);
    // Cell boundaries b_0 = first < b_1 < … < b_k = last + 1; coarse bin i sums cells [b_i, b_i+1).
    const bounds = [first];
    for (let i = 1; i < k; i++) {
      const ideal = min + ((max - min) * i) / k;
      const b = Math.round((ideal - this.lo) / this.width);
      if (b > bounds[bounds.length - 1]! && b <= last && this.lo + b * this.width < max) bounds.push(b);
    }
    bounds.push(last + 1);
    const edges = bounds.map((b, i) =>
      i === 0 ? min : i === bounds.length - 1 ? max : this.lo + b * this.width,
    );
    const counts: number[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      let c = 0;
      for (let j = bounds[i]!; j < bounds[i + 1]!; j++) c += this.cells[j]!;
      counts.push(c);
    }
    return { edges, counts };
  }

  private cellOf(v: number): number {
    return Math.min(FINE_CELLS - 1, Math.max(0, Math.floor((v - this.lo) / this.width)));
  }

  /** Double the cell width until v fits, keeping the end away from v fixed. */
  private grow(v: number): void {
    while (v < this.lo || v >= this.lo + this.width * FINE_CELLS) {
      const up = v >= this.lo;
      const merged = new Float64Array(FINE_CELLS);
      for (let i = 0; i < FINE_CELLS; i++) merged[up ? i >> 1 : (FINE_CELLS + i) >> 1]! += this.cells[i]!;
      if (!up) this.lo -= this.width * FINE_CELLS;
      this.width *= 2;
      this.cells.set(merged);
    }
  }
}
