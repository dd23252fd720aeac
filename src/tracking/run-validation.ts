// MLflow's validation rules for what is logged to runs (mlflow/utils/validation.py): key characters and
// shape, length limits, and log-batch size limits. Messages name the field and the limit, as MLflow's do.
import path from "node:path";
import { invalidParameter } from "../core/errors.js";
import { previewValue } from "../core/value-preview.js";
import type { Metric, Tag } from "./entities.js";

export const LIMITS = {
  maxMetricsPerBatch: 1000,
  maxParamsTagsPerBatch: 100,
  maxEntitiesPerBatch: 1000,
  maxKeyLength: 250,
  maxParamValueLength: 6000,
  maxTagValueLength: 8000,
  maxExperimentNameLength: 500,
  maxExperimentTagValueLength: 5000,
} as const;

// Slashes, alphanumerics, underscores, periods, dashes, colons and spaces (MLflow on POSIX).
const KEY = /^[/\w.\- :]*$/u;

/** Python's posixpath.normpath, enough to tell whether a name "resolves to another name" as a file path. */
function normpath(name: string): string {
  if (name === "") return ".";
  const normalized = path.posix.normalize(name);
  return normalized.length > 1 && normalized.endsWith("/") ? normalized.slice(0, -1) : normalized;
}

/** Metric, param and tag keys: MLflow's character set, no path tricks, at most 250 characters. */
export function checkKey(key: string, field: string): void {
  if (!KEY.test(key)) {
    throw invalidParameter(
      `Invalid value ${previewValue(key)} for parameter '${field}' supplied: Names may only contain ` +
        "alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).",
    );
  }
  const norm = normpath(key);
  if (norm !== key || norm === "." || norm.startsWith("..") || norm.startsWith("/")) {
    throw invalidParameter(
      `Invalid value ${previewValue(key)} for parameter '${field}' supplied: Names may be treated as files ` +
        `in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'.`,
    );
  }
  checkLength(key, field, LIMITS.maxKeyLength);
}

export function checkLength(value: string, field: string, limit: number): void {
  if (value.length > limit) {
    throw invalidParameter(
      `'${field}' exceeds the maximum length of ${limit} characters (got ${value.length}).`,
    );
  }
}

export function checkParam(param: Tag, path: string): void {
  checkKey(param.key, `${path}key`);
  checkLength(param.value, `${path}value`, LIMITS.maxParamValueLength);
}

export function checkTag(tag: Tag, path: string): void {
  checkKey(tag.key, `${path}key`);
  checkLength(tag.value, `${path}value`, LIMITS.maxTagValueLength);
}

export function checkMetric(metric: Metric, path: string): void {
  checkKey(metric.key, `${path}key`);
}

function checkBatchLimit(entity: string, limit: number, count: number): void {
  if (count > limit) {
    throw invalidParameter(
      `A batch logging request can contain at most ${limit} ${entity}. Got ${count} ${entity}. ` +
        `Please split up ${entity} across multiple requests and try again.`,
    );
  }
}

/** log-batch: ≤1000 metrics, ≤100 params, ≤100 tags, ≤1000 in total; then every entry's key and value. */
export function checkBatch(metrics: readonly Metric[], params: readonly Tag[], tags: readonly Tag[]): void {
  checkBatchLimit("metrics", LIMITS.maxMetricsPerBatch, metrics.length);
  checkBatchLimit("params", LIMITS.maxParamsTagsPerBatch, params.length);
  checkBatchLimit("tags", LIMITS.maxParamsTagsPerBatch, tags.length);
  checkBatchLimit(
    "metrics, params, and tags",
    LIMITS.maxEntitiesPerBatch,
    metrics.length + params.length + tags.length,
  );
  // A batch repeats a few keys over many steps: check each distinct key once.
  const checked = new Set<string>();
  metrics.forEach((m, i) => {
    if (checked.has(m.key)) return;
    checkMetric(m, `metrics[${i}].`);
    checked.add(m.key);
  });
  params.forEach((p, i) => checkParam(p, `params[${i}].`));
  tags.forEach((t, i) => checkTag(t, `tags[${i}].`));
}
