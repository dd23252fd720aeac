// MLflow model signatures: the `signature` block of an MLmodel file (inputs, outputs and params are JSON strings
// holding ColSpec or TensorSpec lists). Parsing only; enforcement on requests lives in serving/.
import { invalidParameter } from "../core/errors.js";

/** A scalar column type of MLflow's ColSpec. Composite types (array, object, map, any) keep their JSON. */
export type ScalarColumnType =
  "boolean" | "integer" | "long" | "float" | "double" | "string" | "binary" | "datetime";

export interface ColumnSpec {
  kind: "column";
  /** Undefined for an unnamed ColSpec signature (only the column count is checked). */
  name: string | undefined;
  /** A scalar type name, or "composite" for array/object/map/any. */
  type: ScalarColumnType | "composite";
  required: boolean;
}

export interface TensorSpec {
  kind: "tensor";
  name: string | undefined;
  /** numpy dtype name, e.g. float32, float64, int64, str. */
  dtype: string;
  /** -1 marks a variable dimension. */
  shape: number[];
}

export interface ParamSpec {
  name: string;
  type: string;
  default: unknown;
  shape: number[] | null;
}

/** A model's input schema: either all columns or all tensors, as MLflow requires. */
export type InputSchema =
  { kind: "columns"; columns: ColumnSpec[] } | { kind: "tensors"; tensors: TensorSpec[] };

export interface ModelSignature {
  inputs: InputSchema | undefined;
  params: ParamSpec[] | undefined;
}

const SCALAR_TYPES = new Set<string>([
  "boolean",
  "integer",
  "long",
  "float",
  "double",
  "string",
  "binary",
  "datetime",
]);

/** Parses the MLmodel `signature` mapping; absent or null parts come back undefined. */
export function parseSignature(raw: unknown): ModelSignature {
  if (raw === undefined || raw === null) return { inputs: undefined, params: undefined };
  if (typeof raw !== "object") throw invalidParameter("MLmodel 'signature' must be a mapping.");
  const block = raw as Record<string, unknown>;
  return { inputs: parseInputs(block.inputs), params: parseParams(block.params) };
}

function parseJsonList(value: unknown, field: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
  if (!Array.isArray(parsed)) throw invalidParameter(`MLmodel signature '${field}' must be a JSON list.`);
  return parsed as unknown[];
}

function parseInputs(value: unknown): InputSchema | undefined {
  const specs = parseJsonList(value, "inputs");
  if (specs === undefined || specs.length === 0) return undefined;
  const first = specs[0] as Record<string, unknown>;
  if (first.type === "tensor") {
    return {
      kind: "tensors",
      tensors: specs.map((s) => {
        const spec = s as { name?: string; "tensor-spec"?: { dtype?: string; shape?: number[] } };
        return {
          kind: "tensor" as const,
          name: spec.name,
          dtype: spec["tensor-spec"]?.dtype ?? "float64",
          shape: spec["tensor-spec"]?.shape ?? [-1],
        };
      }),
    };
  }
  return {
    kind: "columns",
    columns: specs.map((s) => {
      const spec = s as { name?: string; type?: unknown; required?: boolean };
      const type =
        typeof spec.type === "string" && SCALAR_TYPES.has(spec.type)
          ? (spec.type as ScalarColumnType)
          : "composite";
      return { kind: "column" as const, name: spec.name, type, required: spec.required !== false };
    }),
  };
}

function parseParams(value: unknown): ParamSpec[] | undefined {
  const specs = parseJsonList(value, "params");
  return specs?.map((s) => {
    const spec = s as { name: string; type: string; default?: unknown; shape?: number[] | null };
    return { name: spec.name, type: spec.type, default: spec.default ?? null, shape: spec.shape ?? null };
  });
}

/** MLflow's text form of a column schema, as it appears in its error messages: `['x': double (required)]`. */
export function describeColumns(columns: readonly ColumnSpec[]): string {
  const parts = columns.map((c) => {
    const type = c.type === "composite" ? "Any" : c.type;
    const requirement = c.required ? "required" : "optional";
    return c.name === undefined ? `${type} (${requirement})` : `'${c.name}': ${type} (${requirement})`;
  });
  return `[${parts.join(", ")}]`;
}
