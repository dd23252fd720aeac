// Reading MLflow request fields. GET requests carry query parameters (numbers and bools as strings,
// repeated keys for lists); POST/PATCH/DELETE carry protobuf-JSON bodies (int64 as a number or a string).
// Both arrive here as one `WireArgs` object, and every read names the field in its error message.
import { invalidParameter } from "../../core/errors.js";
import { previewValue } from "../../core/value-preview.js";

export type WireArgs = Record<string, unknown>;

/** MLflow's words, to the letter: clients and tests compare them. */
function missing(field: string): Error {
  return invalidParameter(
    `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
  );
}

function wrongType(field: string, expected: string, value: unknown): Error {
  return invalidParameter(
    `Invalid value ${previewValue(value)} for parameter '${field}' supplied: it must be ${expected}.`,
  );
}

/**
 * The request's arguments as handlers and the permission check both read them: the query for GET (and HEAD,
 * which Fastify answers with the GET handler), the JSON body otherwise.
 */
export function requestArgs(request: { method: string; query: unknown; body: unknown }): WireArgs {
  const args = request.method === "GET" || request.method === "HEAD" ? request.query : request.body;
  return (args ?? {}) as WireArgs;
}

/**
 * A scalar field holds one value. A repeated query key arrives as an array, and so does a JSON array: both
 * are refused, because whoever picked "the last one" (or the first) would not be reading what the
 * permission check read.
 */
function scalar(args: WireArgs, field: string): unknown {
  const value = args[field];
  if (Array.isArray(value)) {
    throw invalidParameter(
      `Invalid value for parameter '${field}': it takes a single value, but ${value.length} were given ` +
        "(a repeated query key or a JSON array).",
    );
  }
  return value;
}

export function optionalString(args: WireArgs, field: string): string | undefined {
  const value = scalar(args, field);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw wrongType(field, "a string", value);
  return value;
}

/** A required string: absent or empty is refused, as MLflow's `_assert_required` does. */
export function requiredString(args: WireArgs, field: string): string {
  const value = optionalString(args, field);
  if (value === undefined || value === "") throw missing(field);
  return value;
}

/**
 * The run a request names: `run_id`, or the deprecated `run_uuid` the client sends alongside it. Two
 * different runs are refused rather than one of them picked.
 */
export function optionalRunId(args: WireArgs): string | undefined {
  const runId = optionalString(args, "run_id") || undefined;
  const runUuid = optionalString(args, "run_uuid") || undefined;
  if (runId !== undefined && runUuid !== undefined && runId !== runUuid) {
    throw invalidParameter(
      `Invalid parameters: run_id '${runId}' and run_uuid '${runUuid}' name different runs; give one run.`,
    );
  }
  return runId ?? runUuid;
}

export function requiredRunId(args: WireArgs): string {
  const runId = optionalRunId(args);
  if (runId === undefined) throw missing("run_id");
  return runId;
}

export function optionalInt(args: WireArgs, field: string): number | undefined {
  const value = scalar(args, field);
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw wrongType(field, "an integer", value);
  return n;
}

export function requiredInt(args: WireArgs, field: string): number {
  const value = optionalInt(args, field);
  if (value === undefined) throw missing(field);
  return value;
}

/** A double; protobuf-JSON sends non-finite values as "NaN", "Infinity" and "-Infinity". */
export function optionalDouble(args: WireArgs, field: string): number | undefined {
  const value = scalar(args, field);
  if (value === undefined || value === null || value === "") return undefined;
  return toDouble(field, value);
}

export function toDouble(field: string, value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    if (value === "NaN" || value === "nan") return NaN;
    if (value === "Infinity" || value === "inf") return Infinity;
    if (value === "-Infinity" || value === "-inf") return -Infinity;
    const n = Number(value);
    if (value.trim() !== "" && !Number.isNaN(n)) return n;
  }
  throw wrongType(field, "a number", value);
}

export function optionalBool(args: WireArgs, field: string): boolean | undefined {
  const value = scalar(args, field);
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  throw wrongType(field, "a boolean", value);
}

/** A repeated string field: a JSON array, repeated query keys, or one value. */
export function stringList(args: WireArgs, field: string): string[] {
  const value = args[field];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map((item) => {
    if (typeof item !== "string") throw wrongType(field, "a list of strings", value);
    return item;
  });
}

/** A repeated message field (e.g. `tags`, `metrics`): a JSON array of objects. */
export function objectList(args: WireArgs, field: string): WireArgs[] {
  const value = args[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "object" || v === null || Array.isArray(v))) {
    throw wrongType(field, "a list of objects", value);
  }
  return value as WireArgs[];
}

/** An enum given by name (protobuf-JSON), e.g. `"ACTIVE_ONLY"`. Numbers are accepted as their index. */
export function optionalEnum<T extends string>(
  args: WireArgs,
  field: string,
  allowed: readonly T[],
): T | undefined {
  const value = scalar(args, field);
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number" && allowed[value - 1] !== undefined) return allowed[value - 1];
  if (typeof value === "string") {
    const hit = allowed.find((a) => a === value || a === value.toUpperCase());
    if (hit !== undefined) return hit;
  }
  throw wrongType(field, `one of ${allowed.join(", ")}`, value);
}

/** `[{key, value}]` tag lists; every entry needs a key. */
export function keyValueList(args: WireArgs, field: string): Array<{ key: string; value: string }> {
  return objectList(args, field).map((entry) => {
    const key = requiredString(entry, "key");
    const value = optionalString(entry, "value") ?? "";
    return { key, value };
  });
}
