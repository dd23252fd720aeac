// Parsing `spec.monitoring`: how a deployment's predictions are logged and its windows monitored. Every field
// is checked like the rest of the spec (the message names the field and what is allowed). Logging is on by
// default: a spec without `monitoring` logs every request's inputs and outputs.
import {
  DRIFT_METHODS,
  type ColumnDriftOptions,
  type DatasetDriftOptions,
  type DriftMethod,
} from "../monitoring/monitoring.js";
import type { MonitoringSpec, RoutingSnapshot } from "./deployment.js";
import {
  arrayAt,
  booleanAt,
  integerAt,
  objectAt,
  oneOfAt,
  recordAt,
  refuse,
  stringAt,
} from "./spec-values.js";

export const DEFAULT_SAMPLE_RATE = 1;
export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_WINDOW_SECONDS = 3600;

const MONITORING_FIELDS = [
  "enabled",
  "sampleRate",
  "inputs",
  "retentionDays",
  "window",
  "drift",
  "task",
] as const;

/** A number from `min` to `max` (a share, a threshold). */
function numberAt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    throw refuse(field, `must be a number from ${min} to ${max}`, v);
  }
  return v;
}

function columnDriftAt(field: string, v: unknown): ColumnDriftOptions {
  const o = objectAt(field, v, ["method", "threshold", "warnThreshold"]);
  const out: ColumnDriftOptions = {};
  if (o.method !== undefined) {
    if (typeof o.method !== "string" || !DRIFT_METHODS.includes(o.method as DriftMethod)) {
      throw refuse(`${field}.method`, `must be one of ${DRIFT_METHODS.join(", ")}`, o.method);
    }
    out.method = o.method as DriftMethod;
  }
  // Distances (Wasserstein normed by std) may exceed 1; p-values never do. 1000 is generous for both.
  if (o.threshold !== undefined) out.threshold = numberAt(`${field}.threshold`, o.threshold, 0, 1000);
  if (o.warnThreshold !== undefined)
    out.warnThreshold = numberAt(`${field}.warnThreshold`, o.warnThreshold, 0, 1000);
  return out;
}

function driftAt(field: string, v: unknown): DatasetDriftOptions {
  const o = objectAt(field, v, ["columns", "driftShare", "bonferroni"]);
  const out: DatasetDriftOptions = {};
  if (o.columns !== undefined) {
    const columns = recordAt(`${field}.columns`, o.columns);
    const names = Object.keys(columns);
    if (names.length > 1000) throw refuse(`${field}.columns`, "must have at most 1000 columns", names.length);
    out.columns = {};
    for (const name of names) {
      stringAt(`${field}.columns key`, name, 256);
      out.columns[name] = columnDriftAt(`${field}.columns.${name.slice(0, 60)}`, columns[name]);
    }
  }
  if (o.driftShare !== undefined) out.driftShare = numberAt(`${field}.driftShare`, o.driftShare, 0, 1);
  if (o.bonferroni !== undefined) out.bonferroni = booleanAt(`${field}.bonferroni`, o.bonferroni);
  return out;
}

/** Parses `field` (spec.monitoring); throws INVALID_PARAMETER_VALUE naming the wrong field. */
export function parseMonitoringSpec(field: string, v: unknown): MonitoringSpec {
  const o = objectAt(field, v, MONITORING_FIELDS);
  const out: MonitoringSpec = {};
  if (o.enabled !== undefined) out.enabled = booleanAt(`${field}.enabled`, o.enabled);
  if (o.sampleRate !== undefined) out.sampleRate = numberAt(`${field}.sampleRate`, o.sampleRate, 0, 1);
  if (o.inputs !== undefined) {
    const names = arrayAt(`${field}.inputs`, o.inputs, 0, 1000).map((c, i) =>
      stringAt(`${field}.inputs[${i}]`, c, 256),
    );
    const seen = new Set<string>();
    for (const [i, n] of names.entries()) {
      if (seen.has(n)) throw refuse(`${field}.inputs[${i}]`, `repeats column '${n.slice(0, 60)}'`);
      seen.add(n);
    }
    out.inputs = names;
  }
  if (o.retentionDays !== undefined)
    out.retentionDays = integerAt(`${field}.retentionDays`, o.retentionDays, 1, 3650);
  if (o.window !== undefined) {
    const [kind, body] = oneOfAt(`${field}.window`, o.window, ["seconds", "rows"]);
    out.window =
      kind === "seconds"
        ? { seconds: integerAt(`${field}.window.seconds`, body, 60, 30 * 86_400) }
        : { rows: integerAt(`${field}.window.rows`, body, 100, 10_000_000) };
  }
  if (o.drift !== undefined) out.drift = driftAt(`${field}.drift`, o.drift);
  if (o.task !== undefined) {
    if (o.task !== "classification" && o.task !== "regression") {
      throw refuse(`${field}.task`, "must be classification or regression", o.task);
    }
    out.task = o.task;
  }
  return out;
}

/**
 * The columns a `pii` tag names as hashed: "true" or "all" (any case) is every input, else comma-separated
 * column names (blank entries ignored); undefined or empty: none.
 */
export function hashedColumnsOf(tag: string | undefined): string[] | "all" {
  if (tag === undefined) return [];
  const t = tag.trim();
  if (/^(true|all)$/i.test(t)) return "all";
  return [
    ...new Set(
      t
        .split(",")
        .map((c) => c.trim())
        .filter((c) => c !== ""),
    ),
  ];
}

/** What the routing snapshot tells serving to log (undefined: logging off). */
export function predictionLogOf(
  monitoring: MonitoringSpec | undefined,
  hashed: string[] | "all",
): RoutingSnapshot["predictionLog"] {
  if (monitoring?.enabled === false) return undefined;
  return {
    sampleRate: monitoring?.sampleRate ?? DEFAULT_SAMPLE_RATE,
    ...(monitoring?.inputs !== undefined ? { inputs: monitoring.inputs } : {}),
    hashed,
  };
}
