// What one reporting window keeps about a stream of answers: a bounded latency sample (p50/p99/max) and a summary
// of predictions (label counts, numeric sum), so a window costs the same memory at 10 or 10,000 req/s.
import type { LatencySummary, PredictionSummary } from "../delivery/observation.js";

/** Latencies kept per window; beyond, a uniform reservoir sample of them (the max is always exact). */
const SAMPLE = 4096;
/** Distinct labels kept per window; a regression's floats are numbers, not labels, so this bounds only odd cases. */
const MAX_LABELS = 256;
const OTHER_LABEL = "__other__";

export class LatencyWindow {
  private sample: number[] = [];
  private seen = 0;
  private max = 0;

  add(ms: number): void {
    this.seen++;
    if (ms > this.max) this.max = ms;
    if (this.sample.length < SAMPLE) this.sample.push(ms);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < SAMPLE) this.sample[slot] = ms;
    }
  }

  get count(): number {
    return this.seen;
  }

  summary(): LatencySummary {
    const sorted = [...this.sample].sort((a, b) => a - b);
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: this.max };
  }
}

/** Nearest-rank quantile of sorted values (0 for none). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export class PredictionWindow {
  private labels = new Map<string, number>();
  private numericCount = 0;
  private numericSum = 0;

  /** Adds one answer's `predictions` (JSON text): strings, booleans and integers count as labels; numbers sum. */
  add(predictions: string): void {
    let value: unknown;
    try {
      value = JSON.parse(predictions);
    } catch {
      return;
    }
    const rows = Array.isArray(value) ? value : [value];
    for (const row of rows) this.addRow(row);
  }

  private addRow(row: unknown): void {
    if (Array.isArray(row) || (row !== null && typeof row === "object")) {
      // A record ({label, score}) or a row of outputs: each scalar leaf counts, one level deep.
      for (const leaf of Array.isArray(row) ? row : Object.values(row)) this.addLeaf(leaf);
      return;
    }
    this.addLeaf(row);
  }

  private addLeaf(leaf: unknown): void {
    if (typeof leaf === "number" && Number.isFinite(leaf)) {
      this.numericCount++;
      this.numericSum += leaf;
      if (Number.isInteger(leaf)) this.countLabel(String(leaf));
    } else if (typeof leaf === "string" || typeof leaf === "boolean") {
      this.countLabel(String(leaf));
    }
  }

  private countLabel(label: string): void {
    const key = this.labels.has(label) || this.labels.size < MAX_LABELS ? label : OTHER_LABEL;
    this.labels.set(key, (this.labels.get(key) ?? 0) + 1);
  }

  summary(): PredictionSummary {
    return {
      labels: Object.fromEntries(this.labels),
      numericCount: this.numericCount,
      numericSum: this.numericSum,
    };
  }
}
