// The benchmark's prediction log: 20 model inputs of mixed types, generated from a seeded PRNG so every run
// (and Evidently, which reads the same files) sees the same rows. The reference is "training"; the current log is
// "production" where a few columns moved (a mean shift, a re-weighted category, a changed rate), the rest not.
import type { PredictionRecord } from "../src/monitoring/segments/prediction-record.js";

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rand: () => number): number {
  // Box–Muller; 1 - u keeps log away from 0.
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function pick<T>(rand: () => number, items: readonly T[], weights: readonly number[]): T {
  let u = rand() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) {
    u -= weights[i] as number;
    if (u < 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

type Value = number | string | null;

interface Feature {
  name: string;
  type: "numeric" | "categorical" | "binary" | "ordinal";
  /** Whether the current log moved on this column. */
  shifted: boolean;
  value(rand: () => number, current: boolean): Value;
}

const CITIES = Array.from({ length: 30 }, (_, i) => `city_${i}`);
const cityWeights = (shift: boolean): number[] => CITIES.map((_, i) => (shift && i < 5 ? 3 : 1) / (i + 1));
const PLANS = ["free", "basic", "pro", "team", "enterprise"];
const DEVICES = ["ios", "android", "web", "desktop"];
const CHANNELS = Array.from({ length: 12 }, (_, i) => `ch_${i}`);
const BROWSERS = ["chrome", "safari", "firefox", "edge", "other"];

/** 10 numeric, 5 categorical (strings), 3 binary (two 0/1 numbers, one yes/no string), 2 ordinal (1…4). */
export const FEATURES: readonly Feature[] = [
  { name: "age", type: "numeric", shifted: true, value: (r, c) => 40 + 12 * normal(r) + (c ? 3 : 0) },
  {
    name: "income",
    type: "numeric",
    shifted: true,
    value: (r, c) => Math.exp(10.5 + 0.6 * normal(r)) * (c ? 1.15 : 1),
  },
  { name: "balance", type: "numeric", shifted: false, value: (r) => 5000 * normal(r) },
  {
    name: "tenure_days",
    type: "numeric",
    shifted: false,
    value: (r) => Math.floor(-400 * Math.log(1 - r())),
  },
  {
    name: "score",
    type: "numeric",
    shifted: true,
    value: (r, c) => 600 + 80 * normal(r) - (c ? 25 : 0),
  },
  { name: "sessions", type: "numeric", shifted: false, value: (r) => Math.floor(20 * r() * r()) + 6 },
  { name: "latency_pref", type: "numeric", shifted: false, value: (r) => r() * 100 },
  { name: "discount", type: "numeric", shifted: false, value: (r) => (r() < 0.02 ? null : 0.3 * r()) },
  { name: "ratio", type: "numeric", shifted: false, value: (r) => normal(r) / (1 + r()) },
  { name: "clicks", type: "numeric", shifted: false, value: (r) => Math.floor(50 * r()) },
  { name: "city", type: "categorical", shifted: true, value: (r, c) => pick(r, CITIES, cityWeights(c)) },
  { name: "plan", type: "categorical", shifted: false, value: (r) => pick(r, PLANS, [5, 4, 3, 2, 1]) },
  { name: "device", type: "categorical", shifted: false, value: (r) => pick(r, DEVICES, [4, 4, 3, 1]) },
  {
    name: "channel",
    type: "categorical",
    shifted: false,
    value: (r) =>
      pick(
        r,
        CHANNELS,
        CHANNELS.map(() => 1),
      ),
  },
  { name: "browser", type: "categorical", shifted: false, value: (r) => pick(r, BROWSERS, [6, 3, 1, 1, 1]) },
  { name: "is_member", type: "binary", shifted: true, value: (r, c) => (r() < (c ? 0.45 : 0.3) ? 1 : 0) },
  { name: "has_card", type: "binary", shifted: false, value: (r) => (r() < 0.6 ? 1 : 0) },
  { name: "newsletter", type: "binary", shifted: false, value: (r) => (r() < 0.2 ? "yes" : "no") },
  { name: "priority", type: "ordinal", shifted: false, value: (r) => 1 + Math.floor(4 * r()) },
  { name: "rating", type: "ordinal", shifted: false, value: (r) => pick(r, [1, 2, 3, 4], [1, 2, 4, 3]) },
];

/** The `count` records from `start` on of one log (reference or current), as serving would log them. */
export function records(
  rand: () => number,
  current: boolean,
  start: number,
  count: number,
  t0: number,
): PredictionRecord[] {
  const out: PredictionRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const inputs: Record<string, Value> = {};
    for (const f of FEATURES) inputs[f.name] = f.value(rand, current);
    const confidence = 0.34 + 0.66 * rand();
    const seq = start + i;
    out[i] = {
      time: t0 + seq,
      requestId: `req-${current ? "c" : "r"}-${seq}`,
      row: 0,
      version: "1",
      role: "primary",
      latencyMs: 1 + rand() * 4,
      inputs,
      outputs: { prediction: (inputs.score as number) > 600 ? "approve" : "review", confidence },
    };
  }
  return out;
}
