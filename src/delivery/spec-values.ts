// Reading a deployment document field by field: each reader checks one value's shape and, when it is wrong,
// throws INVALID_PARAMETER_VALUE naming the field (spec.strategy.canary.steps[2].setWeight) and what is allowed.
import { invalidParameter } from "../core/errors.js";

export type Fields = Record<string, unknown>;

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function refuse(field: string, what: string, value?: unknown): Error {
  const got = value === undefined ? "" : ` (got ${shown(value)})`;
  return invalidParameter(`Invalid deployment spec: ${field} ${what}${got}.`);
}

/** A JSON object with only `allowed` keys (and `required` present). */
export function objectAt(
  field: string,
  v: unknown,
  allowed: readonly string[],
  required: readonly string[] = [],
): Fields {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw refuse(field, "must be an object", v);
  const o = v as Fields;
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw refuse(
        field,
        `has an unknown field '${k.slice(0, 40)}'; allowed fields are ${allowed.join(", ")}`,
      );
    }
  }
  for (const k of required) if (o[k] === undefined) throw refuse(`${field}.${k}`, "is required");
  return o;
}

/** A JSON object with any keys (a map such as policy values or request headers). */
export function recordAt(field: string, v: unknown): Fields {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw refuse(field, "must be an object", v);
  return v as Fields;
}

/** An object with exactly one of `keys` (a tagged union such as a strategy or a canary step). */
export function oneOfAt(field: string, v: unknown, keys: readonly string[]): [string, unknown] {
  const o = objectAt(field, v, keys);
  const present = Object.keys(o).filter((k) => o[k] !== undefined);
  if (present.length !== 1) throw refuse(field, `must have exactly one of ${keys.join(", ")}`, v);
  const key = present[0]!;
  return [key, o[key]];
}

export function stringAt(field: string, v: unknown, max = 256): string {
  if (typeof v !== "string" || v.trim() === "") throw refuse(field, "must be a non-empty string", v);
  if (v.length > max) throw refuse(field, `must be at most ${max} characters`);
  return v;
}

export function booleanAt(field: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw refuse(field, "must be true or false", v);
  return v;
}

export function integerAt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw refuse(field, `must be an integer from ${min} to ${max}`, v);
  }
  return v;
}

export function arrayAt(field: string, v: unknown, min: number, max: number): unknown[] {
  if (!Array.isArray(v)) throw refuse(field, "must be an array", v);
  if (v.length < min || v.length > max) throw refuse(field, `must have ${min} to ${max} entries`, v.length);
  return v;
}

const MAX_DURATION_SECONDS = 30 * 86_400;

/** "30s", "5m", "1h", "2d" or a number of seconds, up to 30 days. */
export function durationAt(field: string, v: unknown): string | number {
  const allowed = `must be a duration like "30s", "5m", "1h" or "2d", or a number of seconds (at most 30 days)`;
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0 || v > MAX_DURATION_SECONDS) throw refuse(field, allowed, v);
    return v;
  }
  if (typeof v !== "string") throw refuse(field, allowed, v);
  const m = /^(\d{1,7})(s|m|h|d)$/.exec(v);
  if (m === null) throw refuse(field, allowed, v);
  const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as "s" | "m" | "h" | "d"];
  if (seconds > MAX_DURATION_SECONDS) throw refuse(field, allowed, v);
  return v;
}

/** A name used in URLs and file names: letters, digits, '.', '_' and '-', starting with a letter or digit. */
export function nameAt(field: string, v: unknown): string {
  const s = stringAt(field, v, 100);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)) {
    throw refuse(field, "must be letters, digits, '.', '_' or '-', starting with a letter or digit", v);
  }
  return s;
}

/**
 * A version reference: a positive integer (string or number), or, resolved when the spec is written,
 * "@<alias>" or "stage:<Stage>".
 */
export function versionRefAt(field: string, v: unknown): string {
  if (typeof v === "number" && Number.isInteger(v) && v > 0 && v < 1e9) return String(v);
  if (typeof v === "string") {
    if (/^[1-9]\d{0,8}$/.test(v)) return v;
    if (/^@[A-Za-z0-9_][A-Za-z0-9_.-]{0,255}$/.test(v)) return v;
    if (/^stage:(None|Staging|Production|Archived)$/i.test(v)) return v;
  }
  throw refuse(
    field,
    `must be a version number such as "3", an alias such as "@champion" or a stage such as "stage:Production"`,
    v,
  );
}

export function aliasAt(field: string, v: unknown): string {
  const s = stringAt(field, v, 255);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(s)) {
    throw refuse(field, "must be an alias name: letters, digits, '_', '.' or '-'", v);
  }
  return s;
}

/** An HTTP header name (RFC 9110 token). */
export function headerNameAt(field: string, v: unknown): string {
  const s = stringAt(field, v, 128);
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(s)) throw refuse(field, "must be an HTTP header name", v);
  return s;
}

export function httpUrlAt(field: string, v: unknown): string {
  const s = stringAt(field, v, 2048);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw refuse(field, "must be an http:// or https:// URL", v);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw refuse(field, "must be an http:// or https:// URL", v);
  }
  return s;
}
