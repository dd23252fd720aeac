// Validation of Open Inference Protocol v2 input tensors before anything is built from them. A declared `shape` is
// a claim by the client: nothing may be allocated from it until it is checked against the data actually sent
// (whose size the body limit already bounds), so a 90-byte request cannot ask for a 4 GB array.
import { invalidParameter } from "../core/errors.js";
import type { Cell } from "./frame.js";

/** A checked input tensor: `values` is the row-major data, exactly `shape`'s product of scalars. */
export interface CheckedTensor {
  name: string;
  shape: number[];
  datatype: string;
  values: Cell[];
}

export const OIP_DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
] as const;

/** Deeper than any real tensor; also keeps the flattening below from walking pathological nesting. */
const MAX_RANK = 32;

/** Checks one `inputs[i]` of an infer request; any inconsistency is a 400 naming the tensor. */
export function checkTensor(raw: unknown, index: number): CheckedTensor {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw invalidParameter(`inputs[${index}] must be an object {name, shape, datatype, data}.`);
  }
  const t = raw as Record<string, unknown>;
  if (typeof t.name !== "string" || t.name === "") {
    throw invalidParameter(`inputs[${index}] needs a non-empty string 'name'.`);
  }
  const label = `Input tensor '${t.name.slice(0, 64)}'`;
  if (!Array.isArray(t.shape) || t.shape.length > MAX_RANK) {
    throw invalidParameter(`${label} needs 'shape': a list of at most ${MAX_RANK} dimensions.`);
  }
  const shape = t.shape as unknown[];
  if (!shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) {
    throw invalidParameter(`${label}: every dimension of 'shape' must be a non-negative integer.`);
  }
  if (typeof t.datatype !== "string" || !(OIP_DATATYPES as readonly string[]).includes(t.datatype)) {
    throw invalidParameter(`${label}: 'datatype' must be one of ${OIP_DATATYPES.join(", ")}.`);
  }
  if (!Array.isArray(t.data)) throw invalidParameter(`${label} needs 'data': a list of values.`);
  const values = flatten(t.data, label);
  // A zero dimension would make any other dimension "consistent" with empty data, and the nested lists built
  // from that shape would again be sized by the client's claim alone.
  if (values.length === 0) throw invalidParameter(`${label} carries no values; there is nothing to predict.`);
  const dims = shape as number[];
  // Multiplied step by step and compared as it grows: the product is never trusted beyond the data's length.
  let product = 1;
  for (const d of dims) {
    product *= d;
    if (product > values.length) break;
  }
  if (product !== values.length) {
    throw invalidParameter(
      `${label} declares shape [${dims.join(", ")}] but carries ${values.length} value(s); the product of the shape must equal the number of values in 'data'.`,
    );
  }
  checkElements(values, t.datatype, label);
  return { name: t.name, shape: dims, datatype: t.datatype, values };
}

/** Row-major flattening of nested lists, iterative so deep nesting cannot overflow the stack. */
function flatten(data: unknown[], label: string): Cell[] {
  const out: Cell[] = [];
  const stack: { list: unknown[]; at: number }[] = [{ list: data, at: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { list: unknown[]; at: number };
    if (top.at >= top.list.length) {
      stack.pop();
      continue;
    }
    const value = top.list[top.at++];
    if (Array.isArray(value)) {
      if (stack.length >= MAX_RANK) throw invalidParameter(`${label}: 'data' is nested too deeply.`);
      stack.push({ list: value, at: 0 });
    } else {
      out.push(value as Cell);
    }
  }
  return out;
}

function checkElements(values: readonly Cell[], datatype: string, label: string): void {
  const ok =
    datatype === "BOOL"
      ? (v: Cell) => typeof v === "boolean"
      : datatype === "BYTES"
        ? (v: Cell) => typeof v === "string"
        : (v: Cell) => typeof v === "number" && Number.isFinite(v);
  const at = values.findIndex((v) => !ok(v));
  if (at >= 0) {
    throw invalidParameter(
      `${label} has datatype ${datatype} but 'data' holds ${String(JSON.stringify(values[at])).slice(0, 40)} at position ${at}.`,
    );
  }
}
