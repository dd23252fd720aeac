// Analysis templates of a deployment spec: Argo's AnalysisTemplate fields, one metric each, with conditions
// parsed (never evaluated as code) and providers checked for their own fields.
import { FlowgateError } from "../core/errors.js";
import type { AnalysisTemplate, MetricProvider } from "./deployment.js";
import { parseCondition } from "./condition.js";
import {
  arrayAt,
  durationAt,
  headerNameAt,
  httpUrlAt,
  integerAt,
  nameAt,
  objectAt,
  oneOfAt,
  recordAt,
  refuse,
  stringAt,
} from "./spec-values.js";

const SERVING_METRICS = [
  "error_rate",
  "p99_latency_ms",
  "p50_latency_ms",
  "divergence",
  "shadow_agreement",
  "request_rate",
] as const;

function conditionAt(field: string, v: unknown): string {
  const text = stringAt(field, v, 1000);
  try {
    parseCondition(text);
  } catch (err) {
    if (err instanceof FlowgateError) throw refuse(field, `is not a condition: ${err.message}`);
    throw err;
  }
  return text;
}

function timeoutAt(field: string, v: unknown): number {
  return integerAt(field, v, 1, 60);
}

function providerAt(field: string, v: unknown): MetricProvider {
  const [kind, body] = oneOfAt(field, v, ["serving", "prometheus", "web"]);
  const at = `${field}.${kind}`;
  if (kind === "serving") {
    const o = objectAt(at, body, ["metric", "of"], ["metric"]);
    if (!SERVING_METRICS.includes(o.metric as (typeof SERVING_METRICS)[number])) {
      throw refuse(`${at}.metric`, `must be one of ${SERVING_METRICS.join(", ")}`, o.metric);
    }
    if (o.of !== undefined && o.of !== "canary" && o.of !== "primary") {
      throw refuse(`${at}.of`, "must be canary or primary", o.of);
    }
    return {
      serving: {
        metric: o.metric as (typeof SERVING_METRICS)[number],
        ...(o.of !== undefined ? { of: o.of } : {}),
      },
    };
  }
  if (kind === "prometheus") {
    const o = objectAt(at, body, ["address", "query", "timeoutSeconds"], ["address", "query"]);
    return {
      prometheus: {
        address: httpUrlAt(`${at}.address`, o.address),
        query: stringAt(`${at}.query`, o.query, 4000),
        ...(o.timeoutSeconds !== undefined
          ? { timeoutSeconds: timeoutAt(`${at}.timeoutSeconds`, o.timeoutSeconds) }
          : {}),
      },
    };
  }
  const o = objectAt(at, body, ["url", "jsonPath", "timeoutSeconds", "headers"], ["url"]);
  let headers: Record<string, string> | undefined;
  if (o.headers !== undefined) {
    const entries = Object.entries(recordAt(`${at}.headers`, o.headers));
    if (entries.length > 20) throw refuse(`${at}.headers`, "must have at most 20 headers");
    headers = {};
    for (const [k, value] of entries) {
      headerNameAt(`${at}.headers`, k);
      if (typeof value !== "string" || value.length > 4000) {
        throw refuse(`${at}.headers.${k}`, "must be a string of at most 4000 characters", value);
      }
      headers[k] = value;
    }
  }
  let jsonPath: string | undefined;
  if (o.jsonPath !== undefined) {
    jsonPath = stringAt(`${at}.jsonPath`, o.jsonPath, 500);
    if (!/^\$(\.[A-Za-z0-9_-]+|\[\d+\])*$/.test(jsonPath)) {
      throw refuse(`${at}.jsonPath`, 'must be a path like "$.data.value" or "$.items[0].x"', jsonPath);
    }
  }
  return {
    web: {
      url: httpUrlAt(`${at}.url`, o.url),
      ...(jsonPath !== undefined ? { jsonPath } : {}),
      ...(o.timeoutSeconds !== undefined
        ? { timeoutSeconds: timeoutAt(`${at}.timeoutSeconds`, o.timeoutSeconds) }
        : {}),
      ...(headers !== undefined ? { headers } : {}),
    },
  };
}

const TEMPLATE_FIELDS = [
  "name",
  "interval",
  "count",
  "successCondition",
  "failureCondition",
  "failureLimit",
  "inconclusiveLimit",
  "consecutiveErrorLimit",
  "provider",
] as const;

function templateAt(field: string, v: unknown): AnalysisTemplate {
  const o = objectAt(field, v, TEMPLATE_FIELDS, ["name", "provider"]);
  const t: AnalysisTemplate = {
    name: nameAt(`${field}.name`, o.name),
    provider: providerAt(`${field}.provider`, o.provider),
  };
  if (o.interval !== undefined) t.interval = durationAt(`${field}.interval`, o.interval);
  if (o.count !== undefined) t.count = integerAt(`${field}.count`, o.count, 1, 10_000);
  if (o.successCondition !== undefined)
    t.successCondition = conditionAt(`${field}.successCondition`, o.successCondition);
  if (o.failureCondition !== undefined)
    t.failureCondition = conditionAt(`${field}.failureCondition`, o.failureCondition);
  for (const k of ["failureLimit", "inconclusiveLimit", "consecutiveErrorLimit"] as const) {
    if (o[k] !== undefined) t[k] = integerAt(`${field}.${k}`, o[k], 0, 1000);
  }
  return t;
}

export function parseAnalysisTemplates(field: string, v: unknown): AnalysisTemplate[] {
  const templates = arrayAt(field, v, 0, 20).map((t, i) => templateAt(`${field}[${i}]`, t));
  const seen = new Set<string>();
  for (const [i, t] of templates.entries()) {
    if (seen.has(t.name)) throw refuse(`${field}[${i}].name`, `repeats the template name '${t.name}'`);
    seen.add(t.name);
  }
  return templates;
}
