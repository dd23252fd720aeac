// Turning one logged request (kept on the request path as references: the parsed input frame and the
// predictions' JSON text) into prediction records, off the request path: the input columns chosen, hashed
// columns replaced by a truncated sha256, and the outputs read from the predictions' shape.
//
// Output rules, per predicted row:
// - a number or string is `prediction` (a boolean its text "true"/"false");
// - an array of numbers is one probability per class index: `prediction` is the index of the largest,
//   `confidence` that probability, `proba.<index>` each one (a one-element array is just the prediction);
// - an object with `prediction`/`label`, and optionally `probabilities`/`probability`/`proba` (array or
//   class → number object) or `confidence`/`score`, is read by those names;
// - an object whose values are all numbers is probabilities by class name (as above, `prediction` the class);
// - anything else is `prediction` as JSON text (cut at 1000 characters).
// Predictions as columns ({"label": [..], "score": [..]}, pandas "list" orient) are read row by row.
import { createHash } from "node:crypto";
import type { RoutingSnapshot } from "../../delivery/deployment.js";
import type { PredictionRecord, PredictionRole } from "../../monitoring/segments/prediction-record.js";
import type { ModelInput } from "../frame.js";

export type Value = number | string | null;
export type LogConfig = NonNullable<RoutingSnapshot["predictionLog"]>;

/** One answered request as serving hands it to the log: references only, nothing encoded. */
export interface AnsweredRequest {
  requestId: string;
  version: string;
  role: PredictionRole;
  latencyMs: number;
  input: ModelInput;
  /** The predictions' JSON text, as answered. */
  predictions: string;
}

/** An answered request with when it was logged and under which config. */
export interface LoggedRequest extends AnsweredRequest {
  time: number;
  config: LogConfig;
}

/** Classes logged as proba.<class> at most (a wider output keeps prediction and confidence only). */
export const MAX_PROBA_CLASSES = 50;
const MAX_TEXT = 1000;
/** Hex characters kept of a hashed value's sha256 (64 bits: joins stay exact, values stay unreadable). */
export const HASH_HEX_CHARS = 16;

export function hashValue(v: unknown): string {
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return createHash("sha256").update(text).digest("hex").slice(0, HASH_HEX_CHARS);
}

function text(v: unknown): string {
  const t = typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
  return t.length > MAX_TEXT ? t.slice(0, MAX_TEXT) : t;
}

/** A cell as logged: numbers and strings as they are (CSV numbers as numbers), booleans and nested as text. */
function cellOf(v: unknown, fromText: boolean): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string") {
    if (fromText && v.trim() !== "") {
      const n = Number(v);
      if (Number.isFinite(n)) return n;
    }
    return v.length > MAX_TEXT ? v.slice(0, MAX_TEXT) : v;
  }
  if (typeof v === "boolean") return v ? "true" : "false";
  return text(v);
}

function probabilities(out: Record<string, Value>, probs: [string, number][]): string | number | undefined {
  if (probs.length === 0) return undefined;
  let best = probs[0]!;
  for (const p of probs) if (p[1] > best[1]) best = p;
  out.confidence = best[1];
  if (probs.length <= MAX_PROBA_CLASSES) for (const [k, p] of probs) out[`proba.${k}`] = p;
  return best[0];
}

function numericEntries(v: unknown): [string, number][] | undefined {
  if (Array.isArray(v)) {
    if (v.length === 0 || !v.every((x) => typeof x === "number" && Number.isFinite(x))) return undefined;
    return (v as number[]).map((p, i) => [String(i), p]);
  }
  if (typeof v === "object" && v !== null) {
    const e = Object.entries(v);
    if (e.length === 0 || !e.every(([, x]) => typeof x === "number" && Number.isFinite(x))) return undefined;
    return e as [string, number][];
  }
  return undefined;
}

/** The outputs of one predicted row, by the rules above. */
export function outputsOf(row: unknown): Record<string, Value> {
  const out: Record<string, Value> = {};
  if (typeof row === "number" || typeof row === "string" || typeof row === "boolean" || row === null) {
    out.prediction = cellOf(row, false);
    return out;
  }
  if (Array.isArray(row) && row.length === 1 && typeof row[0] === "number") {
    out.prediction = cellOf(row[0], false);
    return out;
  }
  if (typeof row === "object" && !Array.isArray(row)) {
    const o = row as Record<string, unknown>;
    const named = o.prediction ?? o.label ?? o.predicted_label;
    if (named !== undefined) {
      out.prediction = cellOf(named, false);
      const probs = numericEntries(o.probabilities ?? o.probability ?? o.proba);
      if (probs !== undefined) {
        const kept = out.prediction;
        probabilities(out, probs);
        out.prediction = kept;
      } else {
        const c = o.confidence ?? o.score;
        if (typeof c === "number" && Number.isFinite(c)) out.confidence = c;
      }
      return out;
    }
  }
  const probs = numericEntries(row);
  if (probs !== undefined) {
    const best = probabilities(out, probs);
    out.prediction = Array.isArray(row) ? Number(best) : (best ?? null);
    return out;
  }
  out.prediction = text(row);
  return out;
}

/** The predicted rows of an answer's JSON text; an unreadable answer is one null prediction. */
export function predictedRowsOf(predictions: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(predictions);
  } catch {
    parsed = null;
  }
  return predictedRows(parsed);
}

/** The predicted rows of an answer: an array's entries, columns read row by row, or the one value. */
function predictedRows(predictions: unknown): unknown[] {
  if (Array.isArray(predictions)) return predictions;
  if (typeof predictions === "object" && predictions !== null) {
    const entries = Object.entries(predictions);
    if (entries.length > 0 && entries.every(([, v]) => Array.isArray(v))) {
      const n = Math.max(...entries.map(([, v]) => (v as unknown[]).length));
      return Array.from({ length: n }, (_, i) =>
        Object.fromEntries(entries.map(([k, v]) => [k, (v as unknown[])[i] ?? null])),
      );
    }
  }
  return [predictions];
}

/** The logged inputs of row `r` (empty for tensor input, or a row past the frame's end). */
function inputsOf(input: ModelInput, r: number, config: LogConfig, cache: ColumnPlan): Record<string, Value> {
  const out: Record<string, Value> = {};
  if (input.kind !== "frame" || r >= input.frame.rows) return out;
  for (const { index, name, hashed } of cache.plan(input.frame.columns, config)) {
    out[name] = inputCell(input.frame.data[index]?.[r], hashed, input.frame.fromText);
  }
  return out;
}

/** One input cell as logged: hashed (null stays null), or as cellOf says. */
export function inputCell(v: unknown, hashed: boolean, fromText: boolean): Value {
  if (!hashed) return cellOf(v, fromText);
  return v === null || v === undefined ? null : hashValue(v);
}

function sameColumns(a: readonly string[], b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Which frame columns are logged and hashed: the same columns and config repeat (each request parses its own
 * column list, so they are compared by content), so it is computed once and the same plan object returned.
 */
export class ColumnPlan {
  private key: readonly string[] | undefined;
  private config: LogConfig | undefined;
  private value: { index: number; name: string; hashed: boolean }[] = [];

  plan(columns: readonly string[], config: LogConfig): { index: number; name: string; hashed: boolean }[] {
    if (config === this.config && sameColumns(columns, this.key)) return this.value;
    const wanted = config.inputs === undefined ? undefined : new Set(config.inputs);
    const hashed = config.hashed === "all" ? undefined : new Set(config.hashed);
    this.value = columns.flatMap((name, index) =>
      wanted !== undefined && !wanted.has(name)
        ? []
        : [{ index, name, hashed: hashed === undefined || hashed.has(name) }],
    );
    this.key = columns;
    this.config = config;
    return this.value;
  }
}

/** The records of one logged request (one per predicted row); an unreadable answer logs one null prediction. */
export function recordsOf(req: LoggedRequest, plan: ColumnPlan = new ColumnPlan()): PredictionRecord[] {
  return predictedRowsOf(req.predictions).map((row, i) => ({
    time: req.time,
    requestId: req.requestId,
    row: i,
    version: req.version,
    role: req.role,
    latencyMs: req.latencyMs,
    inputs: inputsOf(req.input, i, req.config, plan),
    outputs: outputsOf(row),
  }));
}
