// Checking a window a serving replica reports before it is stored: counts are non-negative integers, times
// are ordered, latencies are finite. A replica that reports nonsense is told what was wrong, not stored.
import { invalidParameter } from "../core/errors.js";
import type {
  LatencySummary,
  ObservationWindow,
  PredictionSummary,
  ShadowWindow,
  VersionWindow,
} from "./observation.js";

type Fields = Record<string, unknown>;

function bad(field: string, what: string): Error {
  return invalidParameter(`Invalid observation window: ${field} ${what}.`);
}

function obj(field: string, v: unknown): Fields {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(field, "must be an object");
  return v as Fields;
}

function count(field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    throw bad(field, "must be a non-negative integer");
  return v;
}

function real(field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
    throw bad(field, "must be a non-negative number");
  return v;
}

function text(field: string, v: unknown, max: number): string {
  if (typeof v !== "string" || v === "" || v.length > max)
    throw bad(field, `must be a string of 1 to ${max} characters`);
  return v;
}

function latency(field: string, v: unknown): LatencySummary {
  const o = obj(field, v);
  return {
    p50: real(`${field}.p50`, o.p50),
    p99: real(`${field}.p99`, o.p99),
    max: real(`${field}.max`, o.max),
  };
}

function predictions(field: string, v: unknown): PredictionSummary {
  const o = obj(field, v);
  const labels: Record<string, number> = {};
  const entries = Object.entries(obj(`${field}.labels`, o.labels));
  if (entries.length > 1000) throw bad(`${field}.labels`, "must have at most 1000 labels");
  for (const [k, n] of entries) labels[k.slice(0, 200)] = count(`${field}.labels.${k.slice(0, 40)}`, n);
  const sum = o.numericSum;
  if (typeof sum !== "number" || !Number.isFinite(sum))
    throw bad(`${field}.numericSum`, "must be a finite number");
  return { labels, numericCount: count(`${field}.numericCount`, o.numericCount), numericSum: sum };
}

const ROLES = ["primary", "canary", "variant", "preview"] as const;

function versionWindow(field: string, v: unknown): VersionWindow {
  const o = obj(field, v);
  if (!ROLES.includes(o.role as VersionWindow["role"]))
    throw bad(`${field}.role`, `must be one of ${ROLES.join(", ")}`);
  const w: VersionWindow = {
    version: text(`${field}.version`, o.version, 20),
    role: o.role as VersionWindow["role"],
    requests: count(`${field}.requests`, o.requests),
    errors: count(`${field}.errors`, o.errors),
    latencyMs: latency(`${field}.latencyMs`, o.latencyMs),
    predictions: predictions(`${field}.predictions`, o.predictions),
  };
  if (w.errors > w.requests) throw bad(`${field}.errors`, "must be at most requests");
  return w;
}

function shadowWindow(field: string, v: unknown): ShadowWindow {
  const o = obj(field, v);
  const s: ShadowWindow = {
    version: text(`${field}.version`, o.version, 20),
    requests: count(`${field}.requests`, o.requests),
    dropped: count(`${field}.dropped`, o.dropped),
    errors: count(`${field}.errors`, o.errors),
    latencyMs: latency(`${field}.latencyMs`, o.latencyMs),
    compared: count(`${field}.compared`, o.compared),
    agreed: count(`${field}.agreed`, o.agreed),
    meanAbsDiff: real(`${field}.meanAbsDiff`, o.meanAbsDiff),
    maxAbsDiff: real(`${field}.maxAbsDiff`, o.maxAbsDiff),
  };
  if (s.agreed > s.compared) throw bad(`${field}.agreed`, "must be at most compared");
  if (s.errors > s.requests) throw bad(`${field}.errors`, "must be at most requests");
  return s;
}

/** The window as stored: checked field by field, `deployment` taken from the route. */
export function parseObservationWindow(deployment: string, raw: unknown): ObservationWindow {
  const o = obj("window", raw);
  if (o.deployment !== undefined && o.deployment !== deployment) {
    throw bad("window.deployment", `must be '${deployment}', the deployment it is posted to`);
  }
  const startedAt = count("window.startedAt", o.startedAt);
  const endedAt = count("window.endedAt", o.endedAt);
  if (endedAt < startedAt) throw bad("window.endedAt", "must not be before startedAt");
  if (!Array.isArray(o.versions) || o.versions.length > 50)
    throw bad("window.versions", "must be an array of at most 50 entries");
  return {
    deployment,
    replica: text("window.replica", o.replica, 200),
    revision: count("window.revision", o.revision),
    startedAt,
    endedAt,
    versions: o.versions.map((v, i) => versionWindow(`window.versions[${i}]`, v)),
    ...(o.shadow !== undefined && o.shadow !== null
      ? { shadow: shadowWindow("window.shadow", o.shadow) }
      : {}),
  };
}
