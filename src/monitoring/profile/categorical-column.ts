// The running counts of one categorical column, bounded: exact while the column has at most TRACK_LIMIT
// distinct values; past that the rarest are folded into `other` (a hashed id column must not grow a profile
// without bound), and only the CATEGORY_LIMIT most frequent are kept in the profile.

import { CATEGORY_LIMIT, type CategoricalProfile } from "../monitoring.js";

/** Distinct values counted exactly before the rarest start being folded into `other`. */
export const TRACK_LIMIT = 10 * CATEGORY_LIMIT;

/** The category key of a value: strings as they are, booleans and numbers as their JSON text; else null. */
export function categoryKey(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return v - v === 0 ? String(v) : null;
  if (typeof v === "bigint") return v.toString();
  return null;
}

export class CategoricalColumn {
  readonly kind = "categorical";
  n = 0;
  private counts = new Map<string, number>();
  private other = 0;

  /** `keep`: the reference's categories, never folded away so a window counts them by the same keys. */
  constructor(private readonly keep: ReadonlySet<string> = new Set()) {}

  addValues(values: ArrayLike<unknown>, rows: number): void {
    const end = Math.min(rows, values.length);
    let counts = this.counts;
    for (let i = 0; i < end; i++) {
      const v = values[i];
      const key = typeof v === "string" ? v : categoryKey(v);
      if (key === null) continue;
      this.n++;
      const c = counts.get(key);
      if (c !== undefined) counts.set(key, c + 1);
      else {
        counts.set(key, 1);
        if (counts.size > TRACK_LIMIT + this.keep.size) counts = this.fold();
      }
    }
  }

  addValue(v: unknown): void {
    this.addValues([v], 1);
  }

  /** Adds `count` occurrences of a key (a numeric column turning categorical carries its values over). */
  addKey(key: string, count: number): void {
    this.n += count;
    this.counts.set(key, (this.counts.get(key) ?? 0) + count);
  }

  profile(missing: number): CategoricalProfile {
    // The reference's categories first (at most CATEGORY_LIMIT of them), then the most frequent others.
    const entries = [...this.counts].sort(
      (a, b) =>
        Number(this.keep.has(b[0])) - Number(this.keep.has(a[0])) || b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
    );
    const kept = entries.slice(0, CATEGORY_LIMIT);
    let other = this.other;
    for (const [, c] of entries.slice(CATEGORY_LIMIT)) other += c;
    return { kind: "categorical", n: this.n, missing, frequencies: Object.fromEntries(kept), other };
  }

  /** Keep the more frequent half (and the reference's keys); the rest count as `other` from now on. */
  private fold(): Map<string, number> {
    const entries = [...this.counts].sort((a, b) => b[1] - a[1]);
    const next = new Map<string, number>();
    const half = TRACK_LIMIT / 2;
    for (const [key, c] of entries) {
      if (next.size < half || this.keep.has(key)) next.set(key, c);
      else this.other += c;
    }
    return (this.counts = next);
  }
}
