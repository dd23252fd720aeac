// Model signatures as serving enforces them: input columns (scalar types named) or tensors, and params. Built from
// the MLmodel parse in mlmodel.ts; enforcement on requests lives in serving/.
import type { MLmodelSignature, ParamEntry } from "./mlmodel.js";

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

export type ParamSpec = ParamEntry;

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

/** The serving view of an MLmodel signature (parsed by mlmodel.ts): input schema and params. */
export function servingSignature(signature: MLmodelSignature | null): ModelSignature {
  const entries = signature?.inputs ?? [];
  let inputs: InputSchema | undefined;
  if (entries.length > 0 && entries.every((e) => e.kind === "tensor")) {
    inputs = {
      kind: "tensors",
      tensors: entries.map((e) => ({
        kind: "tensor" as const,
        name: e.name ?? undefined,
        dtype: e.dtype,
        shape: e.shape,
      })),
    };
  } else if (entries.length > 0) {
    inputs = {
      kind: "columns",
      columns: entries.map((e) => {
        const type =
          e.kind === "column" && typeof e.type === "string" && SCALAR_TYPES.has(e.type)
            ? (e.type as ScalarColumnType)
            : "composite";
        return {
          kind: "column" as const,
          name: e.name ?? undefined,
          type,
          required: e.kind === "column" ? e.required : true,
        };
      }),
    };
  }
  return { inputs, params: signature?.params ?? undefined };
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
