// The declarative gates a promotion policy can require, and their validation. A gate applies to the
// policy's protected targets (or the `targets` it names) and is evaluated against one model version.
import { invalidParameter } from "../../core/errors.js";
import { parseMetricCheck, type MetricCheck } from "./metric-check.js";

export type GateSpec =
  | { name: string; type: "metric"; check: MetricCheck; targets?: string[] }
  | { name: string; type: "required_tags"; tags: string[]; targets?: string[] }
  | { name: string; type: "signature"; targets?: string[] }
  | { name: string; type: "max_model_size"; maxBytes: number; targets?: string[] }
  | { name: string; type: "max_latency"; p99Ms: number; targets?: string[] }
  | { name: string; type: "http"; url: string; timeoutMs: number; targets?: string[] }
  | ({ name: string; type: "shadow"; targets?: string[] } & ShadowRequirement);

/**
 * What a `shadow` gate asks of the recorded shadow comparison of the candidate version: how long and on how
 * many requests it was shadowed, and (each optional) how well it agreed, how often it failed, how slow it was.
 */
export interface ShadowRequirement {
  minHours: number;
  minRequests: number;
  minAgreement?: number;
  maxErrorRate?: number;
  maxP99Ms?: number;
  /** Only this deployment's shadow; any deployment of the model otherwise. */
  deployment?: string;
}

export const GATE_TYPES = [
  "metric",
  "required_tags",
  "signature",
  "max_model_size",
  "max_latency",
  "http",
  "shadow",
] as const;

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string" && v !== "")) {
    throw invalidParameter(`Invalid ${field}: it must be a non-empty list of strings.`);
  }
  return value as string[];
}

function positive(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw invalidParameter(`Invalid ${field}: it must be a positive number.`);
  }
  return value;
}

function fraction(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidParameter(`Invalid ${field}: it must be a number from 0 to 1.`);
  }
  return value;
}

const SHADOW_FIELDS = [
  "min_hours",
  "min_requests",
  "min_agreement",
  "max_error_rate",
  "max_p99_ms",
  "deployment",
] as const;

function parseShadow(g: Record<string, unknown>, field: string): ShadowRequirement {
  const unknown = Object.keys(g).filter((k) => !["name", "type", "targets", ...SHADOW_FIELDS].includes(k));
  if (unknown.length > 0) {
    throw invalidParameter(
      `Invalid ${field}: unknown field(s) ${unknown.join(", ")} of a shadow gate; allowed: ${SHADOW_FIELDS.join(", ")}.`,
    );
  }
  const minRequests = g.min_requests === undefined ? 1 : positive(g.min_requests, `${field}.min_requests`);
  if (!Number.isInteger(minRequests)) {
    throw invalidParameter(`Invalid ${field}.min_requests: it must be a whole number of requests.`);
  }
  if (g.deployment !== undefined && (typeof g.deployment !== "string" || g.deployment === "")) {
    throw invalidParameter(`Invalid ${field}.deployment: the name of one deployment of the model.`);
  }
  return {
    minHours: g.min_hours === undefined ? 24 : positive(g.min_hours, `${field}.min_hours`),
    minRequests,
    ...(g.min_agreement === undefined
      ? {}
      : { minAgreement: fraction(g.min_agreement, `${field}.min_agreement`) }),
    ...(g.max_error_rate === undefined
      ? {}
      : { maxErrorRate: fraction(g.max_error_rate, `${field}.max_error_rate`) }),
    ...(g.max_p99_ms === undefined ? {} : { maxP99Ms: positive(g.max_p99_ms, `${field}.max_p99_ms`) }),
    ...(g.deployment === undefined ? {} : { deployment: g.deployment }),
  };
}

/** Validates one gate of a policy document; `index` names it in messages. */
export function parseGate(raw: unknown, index: number): GateSpec {
  const field = `gates[${index}]`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalidParameter(`Invalid ${field}: each gate is an object with a 'type'.`);
  }
  const g = raw as Record<string, unknown>;
  const type = g.type;
  const name = typeof g.name === "string" && g.name !== "" ? g.name : `${String(type)}-${index + 1}`;
  const targets = g.targets === undefined ? undefined : stringList(g.targets, `${field}.targets`);
  const base = { name, ...(targets === undefined ? {} : { targets }) };
  switch (type) {
    case "metric":
      if (typeof g.check !== "string") {
        throw invalidParameter(
          `Invalid ${field}.check: write it like "val_f1 >= 0.8" or "val_f1 >= production.val_f1 + 0.02".`,
        );
      }
      return { ...base, type, check: parseMetricCheck(g.check, `${field}.check`) };
    case "required_tags":
      return { ...base, type, tags: stringList(g.tags, `${field}.tags`) };
    case "signature":
      return { ...base, type };
    case "max_model_size":
      return { ...base, type, maxBytes: positive(g.max_bytes, `${field}.max_bytes`) };
    case "max_latency":
      return { ...base, type, p99Ms: positive(g.p99_ms, `${field}.p99_ms`) };
    case "http": {
      if (typeof g.url !== "string")
        throw invalidParameter(`Invalid ${field}.url: the URL of the external check.`);
      const timeoutMs = g.timeout_ms === undefined ? 5000 : positive(g.timeout_ms, `${field}.timeout_ms`);
      return { ...base, type, url: g.url, timeoutMs: Math.min(timeoutMs, 30_000) };
    }
    case "shadow":
      return { ...base, type, ...parseShadow(g, field) };
    default:
      throw invalidParameter(`Invalid ${field}.type '${String(type)}': use one of ${GATE_TYPES.join(", ")}.`);
  }
}

/** The gate as stored and shown (the document form, snake_case). */
export function gateDocument(g: GateSpec): Record<string, unknown> {
  const base = { name: g.name, type: g.type, ...(g.targets === undefined ? {} : { targets: g.targets }) };
  switch (g.type) {
    case "metric":
      return { ...base, check: g.check.text };
    case "required_tags":
      return { ...base, tags: g.tags };
    case "signature":
      return base;
    case "max_model_size":
      return { ...base, max_bytes: g.maxBytes };
    case "max_latency":
      return { ...base, p99_ms: g.p99Ms };
    case "http":
      return { ...base, url: g.url, timeout_ms: g.timeoutMs };
    case "shadow":
      return {
        ...base,
        min_hours: g.minHours,
        min_requests: g.minRequests,
        ...(g.minAgreement === undefined ? {} : { min_agreement: g.minAgreement }),
        ...(g.maxErrorRate === undefined ? {} : { max_error_rate: g.maxErrorRate }),
        ...(g.maxP99Ms === undefined ? {} : { max_p99_ms: g.maxP99Ms }),
        ...(g.deployment === undefined ? {} : { deployment: g.deployment }),
      };
  }
}
