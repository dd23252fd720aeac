// How request columns map onto an ONNX graph's inputs and which outputs answer: either recorded by the sklearn
// conversion, or derived from a native `onnx` flavor's graph inputs and the model signature.
import type { InputSchema } from "../../models/signature.js";
import { invalidParameter } from "../../core/errors.js";

export type OnnxElementType = "float32" | "float64" | "int64" | "int32" | "string" | "bool";

export interface OnnxPlan {
  modelPath: string;
  /** matrix: one [N, columns] input; columns: one [N, 1] input per column; tensor: requests send tensors. */
  layout: "matrix" | "columns" | "tensor";
  /** Graph input names: one for matrix/tensor, one per column (same order as `columns`) for columns. */
  inputNames: string[];
  /** Element type per graph input, same order as inputNames. */
  inputTypes: OnnxElementType[];
  /** Signature column order the request frames arrive in. */
  columns: string[];
  /** The single output whose values are the predictions (converted sklearn models); undefined = every output. */
  output: string | undefined;
  /** A [N, 1] output becomes [N], as scikit-learn's predict returns. */
  flatten: boolean;
}

export interface GraphInput {
  name: string;
  type: string;
}

/** Plans a native ONNX model: columns onto one matrix input, or onto same-named inputs; else tensors. */
export function planNativeOnnx(
  modelPath: string,
  inputs: readonly GraphInput[],
  schema: InputSchema | undefined,
): OnnxPlan {
  const types = inputs.map((i) => elementType(i.type));
  const names = inputs.map((i) => i.name);
  if (schema?.kind === "columns" && schema.columns.every((c) => c.name !== undefined)) {
    const columns = schema.columns.map((c) => c.name as string);
    if (inputs.length === 1) {
      return {
        modelPath,
        layout: "matrix",
        inputNames: names,
        inputTypes: types,
        columns,
        output: undefined,
        flatten: false,
      };
    }
    if (columns.length === inputs.length && columns.every((c) => names.includes(c))) {
      return {
        modelPath,
        layout: "columns",
        inputNames: columns,
        inputTypes: columns.map((c) => types[names.indexOf(c)] as OnnxElementType),
        columns,
        output: undefined,
        flatten: false,
      };
    }
  }
  return {
    modelPath,
    layout: "tensor",
    inputNames: names,
    inputTypes: types,
    columns: [],
    output: undefined,
    flatten: false,
  };
}

export function elementType(type: string): OnnxElementType {
  const known: Record<string, OnnxElementType> = {
    float32: "float32",
    float: "float32",
    float64: "float64",
    double: "float64",
    int64: "int64",
    int32: "int32",
    string: "string",
    bool: "bool",
  };
  const t = known[type];
  if (t === undefined)
    throw invalidParameter(`ONNX input element type '${type}' is not supported by the onnx runtime.`);
  return t;
}
