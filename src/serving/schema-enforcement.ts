// Signature enforcement on parsed requests, with MLflow's rules and messages (scoring_server's astype cast, then
// pyfunc `_enforce_schema`): missing required columns fail, extra columns are dropped, values are converted only
// when the conversion is safe (int → long/double, float → double; a JSON string never becomes a number).
import { FlowgateError } from "../core/errors.js";
import { describeColumns, type ColumnSpec, type ParamSpec } from "../models/signature.js";
import type { Cell, Column, Frame } from "./frame.js";

/** A frame in signature column order, typed; `dtypes` are the pandas dtypes the Python runtime casts to. */
export interface EnforcedFrame extends Frame {
  dtypes: Record<string, string> | undefined;
}

/** The one logging call enforcement makes (pino and Fastify request loggers both fit). */
export interface WarnLogger {
  warn(obj: object, msg?: string): void;
}

const PANDAS_DTYPE: Record<string, string> = {
  double: "float64",
  float: "float32",
  long: "int64",
  integer: "int32",
  boolean: "bool",
  string: "object",
};

function schemaFailure(columns: readonly ColumnSpec[], detail: string): FlowgateError {
  return new FlowgateError(
    "INVALID_PARAMETER_VALUE",
    `Failed to predict data. \nError: Failed to enforce schema of data with schema '${describeColumns(columns)}'. Error: ${detail}`,
  );
}

function conversionFailure(column: string, dtype: string, why: string): FlowgateError {
  return new FlowgateError(
    "BAD_REQUEST",
    `Invalid input. Data is not compatible with model signature. Failed to convert column ${column} to type '${dtype}'. Error: '${why}'`,
  );
}

/** Enforces a column signature (or, without one, infers CSV numbers as pandas does). */
export function enforceColumns(
  frame: Frame,
  columns: readonly ColumnSpec[] | undefined,
  log?: WarnLogger,
): EnforcedFrame {
  if (columns === undefined) return { ...inferTextColumns(frame), dtypes: undefined };
  const named = columns.every((c) => c.name !== undefined);
  if (!named) {
    if (frame.columns.length < columns.length) {
      throw schemaFailure(
        columns,
        `Model inference is missing inputs. The model signature declares ${columns.length} inputs  but the provided value only has ${frame.columns.length} inputs. Note: the inputs were not named in the signature so we can only verify their count.`,
      );
    }
    return { ...frame, dtypes: undefined };
  }
  const position = new Map(frame.columns.map((c, i) => [c, i]));
  const missing = columns
    .filter((c) => c.required && !position.has(c.name as string))
    .map((c) => c.name as string);
  const wanted = new Set(columns.map((c) => c.name));
  const extra = frame.columns.filter((c) => !wanted.has(c));
  if (missing.length > 0) {
    let detail = `Model is missing inputs [${missing.map((m) => `'${m}'`).join(", ")}].`;
    if (extra.length > 0)
      detail += ` Note that there were extra inputs: [${extra.map((m) => `'${m}'`).join(", ")}]`;
    throw schemaFailure(columns, detail);
  }
  if (extra.length > 0) {
    log?.warn(
      { extra },
      "Found extra inputs in the model input that are not defined in the model signature; they are ignored",
    );
  }
  const out: EnforcedFrame = {
    columns: [],
    data: [],
    rows: frame.rows,
    fromText: frame.fromText,
    dtypes: {},
  };
  for (const spec of columns) {
    const name = spec.name as string;
    const at = position.get(name);
    if (at === undefined) continue; // an optional column that is absent
    out.columns.push(name);
    out.data.push(convertColumn(name, spec, frame.data[at] as Column, frame.fromText, columns));
    const dtype = PANDAS_DTYPE[spec.type];
    if (dtype !== undefined && out.dtypes !== undefined) out.dtypes[name] = dtype;
  }
  return out;
}

function convertColumn(
  name: string,
  spec: ColumnSpec,
  column: Column,
  fromText: boolean,
  all: readonly ColumnSpec[],
): Column {
  // Float64 numbers (a batch reader's) are doubles already; for any other type they are cells like JSON's.
  if (column instanceof Float64Array && (spec.type === "double" || spec.type === "float"))
    return column.slice();
  const values: readonly Cell[] = column instanceof Float64Array ? Array.from(column) : column;
  switch (spec.type) {
    case "double":
    case "float":
      // A column of numbers already (JSON) is taken as it is: one type check a value instead of a call (batch
      // sends millions).
      return everyNumber(values) ? values.slice() : values.map((v) => toFloat(name, spec.type, v, fromText));
    case "long":
    case "integer":
      return values.map((v) => toInteger(name, spec.type, v, fromText, all));
    case "boolean":
      return values.map((v) => toBoolean(name, v, fromText));
    case "string":
      return values.map((v) => {
        if (v === null || typeof v === "string") return v;
        if (typeof v === "object") {
          throw schemaFailure(
            all,
            `Incompatible input types for column ${name}. Can not safely convert object to string.`,
          );
        }
        return String(v);
      });
    case "binary":
    case "datetime":
    case "composite":
      return [...values];
  }
}

function everyNumber(values: readonly Cell[]): boolean {
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== "number") return false;
  return true;
}

function toFloat(name: string, type: string, v: Cell, fromText: boolean): Cell {
  const dtype = PANDAS_DTYPE[type] as string;
  if (v === null) return null; // pandas NaN
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const n = fromText ? parseNumber(v) : undefined;
    if (n !== undefined) return n;
    throw conversionFailure(
      name,
      dtype,
      fromText
        ? `ValueError("could not convert string to float: '${v}'")`
        : `ValueError("could not convert string to float: '${v}'"); JSON strings are not converted to numbers`,
    );
  }
  throw conversionFailure(
    name,
    dtype,
    `TypeError("${typeof v === "boolean" ? "bool" : "object"} is not a number")`,
  );
}

function toInteger(name: string, type: string, v: Cell, fromText: boolean, all: readonly ColumnSpec[]): Cell {
  const dtype = PANDAS_DTYPE[type] as string;
  let n: number | undefined;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && fromText) n = parseNumber(v);
  if (v === null) {
    throw conversionFailure(
      name,
      dtype,
      "IntCastingNaNError('Cannot convert non-finite values (NA or inf) to integer')",
    );
  }
  if (n === undefined) {
    throw conversionFailure(
      name,
      dtype,
      `ValueError("invalid literal for int() with base 10: '${JSON.stringify(v)}'")`,
    );
  }
  if (!Number.isInteger(n)) {
    throw schemaFailure(
      all,
      `Incompatible input types for column ${name}. Can not safely convert float64 to ${dtype}.`,
    );
  }
  if (type === "integer" && (n > 2147483647 || n < -2147483648)) {
    throw conversionFailure(name, dtype, `OverflowError('Python int ${n} too large to convert to int32')`);
  }
  return n;
}

function toBoolean(name: string, v: Cell, fromText: boolean): Cell {
  if (typeof v === "boolean" || v === null) return v;
  if (typeof v === "number" && (v === 0 || v === 1)) return v === 1;
  if (fromText && typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
  throw conversionFailure(name, "bool", `ValueError("${JSON.stringify(v)} is not a boolean")`);
}

/** The signature types a CSV cell's text is converted to a number for. */
export type NumericType = "double" | "float" | "long" | "integer";

export function isNumericType(type: string): type is NumericType {
  return type === "double" || type === "float" || type === "long" || type === "integer";
}

/**
 * The number enforcement makes of a CSV cell's `text` in a column of numeric `type` (what toFloat or toInteger
 * return for it), or undefined where they refuse it. Lets a reader convert cells up front and send numbers.
 */
export function numberFromText(type: NumericType, text: string): number | undefined {
  const n = parseNumber(text);
  return n === undefined ? undefined : acceptedNumber(type, n);
}

/** `n` when enforcement takes it for a column of numeric `type` (integral for long, int32 for integer). */
export function acceptedNumber(type: NumericType, n: number): number | undefined {
  if (type === "double" || type === "float") return n;
  if (!Number.isInteger(n)) return undefined;
  return type === "long" || (n <= 2147483647 && n >= -2147483648) ? n : undefined;
}

function parseNumber(text: string): number | undefined {
  // Most cells are plain numbers: Number() trims as String.trim does, so a non-zero result is what the checks
  // below would return; only 0 (also what blank text gives), NaN and the inf/nan spellings need them.
  const fast = Number(text);
  if (fast !== 0 && !Number.isNaN(fast)) return fast;
  const t = text.trim();
  if (t === "") return undefined;
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  const n = Number(t);
  return Number.isNaN(n) ? undefined : n;
}

/** Without a signature pandas infers CSV column types: a column whose every cell is a number becomes numeric. */
function inferTextColumns(frame: Frame): Frame {
  if (!frame.fromText) return frame;
  const data = frame.data.map((values) => {
    if (values instanceof Float64Array) return values;
    const parsed = values.map((v) => (typeof v === "string" ? parseNumber(v) : v));
    return parsed.every((v) => v === null || typeof v === "number") ? parsed : values;
  });
  return { ...frame, data };
}

const PARAM_WIDENING: Record<string, readonly string[]> = {
  long: ["integer"],
  float: ["integer", "long"],
  double: ["integer", "long", "float"],
};

/**
 * MLflow's params rules: without a params schema they are ignored; otherwise unknown keys are dropped, defaults
 * filled in, and a value must have the declared type or a narrower numeric one.
 */
export function enforceParams(
  given: Record<string, unknown> | undefined,
  specs: readonly ParamSpec[] | undefined,
  log?: WarnLogger,
): Record<string, unknown> | undefined {
  if (specs === undefined) {
    if (given !== undefined)
      log?.warn(
        { params: Object.keys(given) },
        "params were given but the model has no params schema; they are ignored",
      );
    return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    if (given === undefined || !Object.hasOwn(given, spec.name)) {
      out[spec.name] = spec.default;
      continue;
    }
    const value = given[spec.name];
    const actual = jsonParamType(value);
    const ok =
      spec.shape !== null
        ? Array.isArray(value)
        : actual === spec.type ||
          (actual !== undefined && (PARAM_WIDENING[spec.type] ?? []).includes(actual));
    if (!ok) {
      throw new FlowgateError(
        "INVALID_PARAMETER_VALUE",
        `Failed to validate type and shape for '${spec.name}', error: Failed to convert value \`${JSON.stringify(value)}\` from type \`${actual ?? "object"}\` to \`DataType.${spec.type}\``,
      );
    }
    out[spec.name] = value;
  }
  const unknown = Object.keys(given ?? {}).filter((k) => !specs.some((s) => s.name === k));
  if (unknown.length > 0) log?.warn({ unknown }, "unrecognized params are ignored");
  return out;
}

function jsonParamType(value: unknown): string | undefined {
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "string") return "string";
  if (typeof value === "number") return Number.isInteger(value) ? "long" : "double";
  return undefined;
}
