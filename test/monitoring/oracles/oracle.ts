// Runs the Python oracle (test/monitoring/oracles/oracle.py, in the `oracles` venv) once with every case of a test
// file, and the seeded data the cases are made of. Without the venv the oracle tests skip, saying how to make it.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../../..");
const python = path.join(root, ".venvs/oracles/bin/python");
const script = path.join(root, "test/monitoring/oracles/oracle.py");

/** false when the oracle can run, else why the tests that need it are skipped. */
export const oracleSkip: false | string = existsSync(python)
  ? false
  : "the oracles venv (.venvs/oracles with scipy and evidently) is missing: run scripts/setup-python.sh oracles";

export type OracleCase = { op: string } & Record<string, unknown>;
export type OracleResult = Record<string, number | string | boolean>;

export function runOracle(cases: OracleCase[]): Promise<OracleResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`oracle.py exited ${code}: ${err}`));
      else resolve((JSON.parse(out) as { results: OracleResult[] }).results);
    });
    child.stdin.end(JSON.stringify({ cases }));
  });
}

/** A number the oracle wrote ("inf" / "nan" for the non-finite). */
export function num(v: unknown): number {
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (v === "nan") return NaN;
  return v as number;
}

/** A seeded generator (mulberry32) with the draws the tests use. */
export function prng(seed: number) {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (mean = 0, sd = 1): number =>
    mean + sd * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const pick = <T>(values: readonly T[], weights: readonly number[]): T => {
    const total = weights.reduce((a, b) => a + b, 0);
    let u = uniform() * total;
    for (let i = 0; i < values.length; i++) if ((u -= weights[i]!) < 0) return values[i]!;
    return values[values.length - 1]!;
  };
  return { uniform, normal, pick };
}

/** numpy.histogram_bin_edges(values, bins="sturges"): equal bins over [min, max], as numpy's linspace writes them. */
export function sturgesEdges(values: ArrayLike<number>): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const width = (hi - lo) / (Math.log2(values.length) + 1);
  const k = width ? Math.ceil((hi - lo) / width) : 1;
  const step = (hi - lo) / k;
  return Array.from({ length: k + 1 }, (_, i) => (i === k ? hi : i * step + lo));
}

/** numpy.histogram(values, edges)[0]: [e_i, e_i+1), the last bin closed, values outside left out. */
export function histogram(values: ArrayLike<number>, edges: number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  const k = counts.length;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < edges[0]! || v > edges[k]!) continue;
    let b = 0;
    while (b < k - 1 && v >= edges[b + 1]!) b++;
    counts[b]!++;
  }
  return counts;
}

/** Counts per category, aligned on the union of both samples' categories. */
export function categoryCounts(ref: readonly unknown[], cur: readonly unknown[]): [number[], number[]] {
  const keys = [...new Set([...ref, ...cur])];
  const count = (xs: readonly unknown[]) => keys.map((k) => xs.filter((x) => x === k).length);
  return [count(ref), count(cur)];
}

/** The largest |a − b| seen per statistic, reported at the end of a file. */
export class Agreement {
  readonly worst = new Map<string, number>();

  close(name: string, actual: number, expected: number, tolerance = 1e-6): boolean {
    const diff = actual === expected ? 0 : Math.abs(actual - expected);
    this.worst.set(name, Math.max(this.worst.get(name) ?? 0, diff));
    return diff <= tolerance;
  }

  summary(): string {
    return [...this.worst].map(([k, v]) => `${k} max |diff| ${v.toExponential(2)}`).join("; ");
  }
}
