// Checks a profile that came from outside (an uploaded baseline): the format this server reads, known kinds,
// bounded sizes and finite numbers. Returns a copy holding only the fields of the format.

import { invalidParameter } from "../../core/errors.js";
import {
  CATEGORY_LIMIT,
  PROFILE_FORMAT,
  SAMPLE_LIMIT,
  type CategoricalProfile,
  type ColumnProfile,
  type DatasetProfile,
  type NumericProfile,
  type ProfileSource,
} from "../monitoring.js";

/** Columns per role: far more than any tabular model has, few enough to keep a profile's size bounded. */
export const COLUMN_LIMIT = 5000;
/** Bin edges per numeric column (we write at most 21; other tools may bin finer). */
const EDGE_LIMIT = 1001;
const QUANTILE_LIMIT = 101;

function fail(field: string, what: string): never {
  throw invalidParameter(`Invalid profile: ${field} ${what}.`);
}

function record(v: unknown, field: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) fail(field, "must be an object");
  return v as Record<string, unknown>;
}

function finite(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(field, "must be a finite number");
  return v;
}

function count(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    fail(field, "must be a non-negative integer");
  return v;
}

function numbers(v: unknown, field: string, limit: number): number[] {
  if (!Array.isArray(v)) fail(field, "must be an array of numbers");
  if (v.length > limit) fail(field, `has ${v.length} entries (at most ${limit})`);
  return v.map((x, i) => finite(x, `${field}[${i}]`));
}

function ascending(values: number[], field: string, strict: boolean): void {
  for (let i = 1; i < values.length; i++) {
    if (strict ? values[i]! <= values[i - 1]! : values[i]! < values[i - 1]!)
      fail(`${field}[${i}]`, `must be ${strict ? "greater than" : "at least"} the entry before it`);
  }
}

function numeric(raw: Record<string, unknown>, field: string): NumericProfile {
  const binEdges = numbers(raw.binEdges, `${field}.binEdges`, EDGE_LIMIT);
  ascending(binEdges, `${field}.binEdges`, true);
  const binCounts = numbers(raw.binCounts, `${field}.binCounts`, EDGE_LIMIT);
  binCounts.forEach((c, i) => count(c, `${field}.binCounts[${i}]`));
  if (binCounts.length !== Math.max(binEdges.length - 1, 0))
    fail(`${field}.binCounts`, `must have one count per bin (${Math.max(binEdges.length - 1, 0)})`);
  if (!Array.isArray(raw.quantiles)) fail(`${field}.quantiles`, "must be an array of {p, value}");
  if (raw.quantiles.length > QUANTILE_LIMIT)
    fail(`${field}.quantiles`, `has more than ${QUANTILE_LIMIT} entries`);
  const quantiles = raw.quantiles.map((q: unknown, i) => {
    const r = record(q, `${field}.quantiles[${i}]`);
    const p = finite(r.p, `${field}.quantiles[${i}].p`);
    if (p < 0 || p > 1) fail(`${field}.quantiles[${i}].p`, "must be within [0, 1]");
    return { p, value: finite(r.value, `${field}.quantiles[${i}].value`) };
  });
  const sample = numbers(raw.sample, `${field}.sample`, SAMPLE_LIMIT);
  ascending(sample, `${field}.sample`, false);
  const distinct = count(raw.distinct, `${field}.distinct`);
  if (distinct > 6) fail(`${field}.distinct`, "is counted up to 6");
  const std = finite(raw.std, `${field}.std`);
  if (std < 0) fail(`${field}.std`, "must not be negative");
  const out: NumericProfile = {
    kind: "numeric",
    n: count(raw.n, `${field}.n`),
    missing: count(raw.missing, `${field}.missing`),
    min: finite(raw.min, `${field}.min`),
    max: finite(raw.max, `${field}.max`),
    mean: finite(raw.mean, `${field}.mean`),
    std,
    quantiles,
    binEdges,
    binCounts,
    sample,
    distinct,
  };
  if (out.n > 0 && out.min > out.max) fail(`${field}.min`, "must not exceed max");
  if (raw.values !== undefined) out.values = numbers(raw.values, `${field}.values`, 5);
  return out;
}

function categorical(raw: Record<string, unknown>, field: string): CategoricalProfile {
  const freq = record(raw.frequencies, `${field}.frequencies`);
  const entries = Object.entries(freq);
  if (entries.length > CATEGORY_LIMIT)
    fail(`${field}.frequencies`, `has ${entries.length} categories (at most ${CATEGORY_LIMIT})`);
  const frequencies: Record<string, number> = {};
  for (const [k, v] of entries) frequencies[k] = count(v, `${field}.frequencies[${JSON.stringify(k)}]`);
  return {
    kind: "categorical",
    n: count(raw.n, `${field}.n`),
    missing: count(raw.missing, `${field}.missing`),
    frequencies,
    other: count(raw.other, `${field}.other`),
  };
}

function columns(v: unknown, field: string): Record<string, ColumnProfile> {
  const raw = record(v, field);
  const names = Object.keys(raw);
  if (names.length > COLUMN_LIMIT) fail(field, `has ${names.length} columns (at most ${COLUMN_LIMIT})`);
  const out: Record<string, ColumnProfile> = {};
  for (const name of names) {
    const f = `${field}[${JSON.stringify(name)}]`;
    const col = record(raw[name], f);
    if (col.kind === "numeric") out[name] = numeric(col, f);
    else if (col.kind === "categorical") out[name] = categorical(col, f);
    else fail(`${f}.kind`, "must be 'numeric' or 'categorical'");
  }
  return out;
}

function text(v: unknown, field: string): string {
  if (typeof v !== "string" || v.length > 1000) fail(field, "must be a string of at most 1000 characters");
  return v;
}

function source(v: unknown): ProfileSource {
  const raw = record(v, "source");
  switch (raw.kind) {
    case "file":
      return { kind: "file", name: text(raw.name, "source.name") };
    case "dataset":
      return {
        kind: "dataset",
        name: text(raw.name, "source.name"),
        runId: text(raw.runId, "source.runId"),
        ...(raw.digest !== undefined ? { digest: text(raw.digest, "source.digest") } : {}),
      };
    case "input_example":
      return {
        kind: "input_example",
        ...(raw.runId !== undefined ? { runId: text(raw.runId, "source.runId") } : {}),
      };
    case "window":
      return {
        kind: "window",
        deployment: text(raw.deployment, "source.deployment"),
        from: finite(raw.from, "source.from"),
        to: finite(raw.to, "source.to"),
      };
    default:
      return fail("source.kind", "must be one of file, dataset, input_example, window");
  }
}

export function validateProfile(raw: unknown): DatasetProfile {
  const p = record(raw, "profile");
  if (p.format !== PROFILE_FORMAT)
    fail("format", `must be ${PROFILE_FORMAT} (the profile format this server reads)`);
  return {
    format: PROFILE_FORMAT,
    rows: count(p.rows, "rows"),
    columns: columns(p.columns, "columns"),
    predictions: columns(p.predictions ?? {}, "predictions"),
    source: source(p.source),
    createdAt: finite(p.createdAt, "createdAt"),
  };
}
