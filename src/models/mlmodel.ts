// The MLflow model format's descriptor, the `MLmodel` YAML file, as typed data: flavors, signature
// (inputs/outputs/params are JSON strings inside the YAML), input example info, size, uuid, versions.
// Parsing only: nothing here loads or runs a model (the registry never unpickles anything).
import { parse as parseYaml } from "yaml";
import { invalidParameter } from "../core/errors.js";

export type ColumnType = string | { type: string; [key: string]: unknown };

/** One entry of a signature schema: a named or unnamed column (ColSpec) or a tensor (TensorSpec). */
export type SchemaEntry =
  | { kind: "column"; name: string | null; type: ColumnType; required: boolean }
  | { kind: "tensor"; name: string | null; dtype: string; shape: number[] };

export interface ParamEntry {
  name: string;
  type: string;
  default: unknown;
  shape: number[] | null;
}

export interface MLmodelSignature {
  inputs: SchemaEntry[] | null;
  outputs: SchemaEntry[] | null;
  params: ParamEntry[] | null;
}

export interface SavedInputExampleInfo {
  artifactPath: string;
  type: string | null;
  pandasOrient: string | null;
  /** A ready /invocations body (serving_input_example.json), when MLflow wrote one. */
  servingInputPath: string | null;
}

export interface MLmodel {
  artifactPath: string | null;
  flavors: Record<string, Record<string, unknown>>;
  modelUuid: string | null;
  modelId: string | null;
  runId: string | null;
  utcTimeCreated: string | null;
  mlflowVersion: string | null;
  modelSizeBytes: number | null;
  signature: MLmodelSignature | null;
  savedInputExampleInfo: SavedInputExampleInfo | null;
  metadata: Record<string, unknown> | null;
  /** The python_function flavor's loader and environment files, when present. */
  pyfunc: { loaderModule: string | null; pythonVersion: string | null; env: Record<string, string> } | null;
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : null;
}

function record(v: unknown): Record<string, unknown> | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function jsonList(value: unknown, field: string): unknown[] | null {
  if (value === undefined || value === null) return null;
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw invalidParameter(`Invalid MLmodel: signature '${field}' is not valid JSON.`);
    }
  }
  if (!Array.isArray(parsed))
    throw invalidParameter(`Invalid MLmodel: signature '${field}' must be a JSON list.`);
  return parsed as unknown[];
}

function schema(value: unknown, field: string): SchemaEntry[] | null {
  return (
    jsonList(value, field)?.map((raw): SchemaEntry => {
      const spec = record(raw) ?? {};
      const name = str(spec.name);
      if (spec.type === "tensor") {
        const tensor = record(spec["tensor-spec"]) ?? {};
        const shape = Array.isArray(tensor.shape) ? tensor.shape.map(Number) : [];
        return { kind: "tensor", name, dtype: str(tensor.dtype) ?? "unknown", shape };
      }
      const type = typeof spec.type === "string" ? spec.type : (record(spec.type) as ColumnType | null);
      return { kind: "column", name, type: type ?? "any", required: spec.required !== false };
    }) ?? null
  );
}

function params(value: unknown): ParamEntry[] | null {
  return (
    jsonList(value, "params")?.map((raw) => {
      const spec = record(raw) ?? {};
      return {
        name: str(spec.name) ?? "",
        type: str(spec.type) ?? "unknown",
        default: spec.default ?? null,
        shape: Array.isArray(spec.shape) ? spec.shape.map(Number) : null,
      };
    }) ?? null
  );
}

export function parseMLmodel(text: string): MLmodel {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw invalidParameter(`Invalid MLmodel: not valid YAML (${(err as Error).message}).`);
  }
  const root = record(doc);
  if (root === null) throw invalidParameter("Invalid MLmodel: the file must be a YAML mapping.");
  const flavors = Object.fromEntries(
    Object.entries(record(root.flavors) ?? {}).map(([k, v]) => [k, record(v) ?? {}]),
  );
  const sig = record(root.signature);
  const example = record(root.saved_input_example_info);
  const pyfunc = flavors.python_function;
  const size = root.model_size_bytes;
  return {
    artifactPath: str(root.artifact_path),
    flavors,
    modelUuid: str(root.model_uuid),
    modelId: str(root.model_id),
    runId: str(root.run_id),
    utcTimeCreated: str(root.utc_time_created),
    mlflowVersion: str(root.mlflow_version),
    modelSizeBytes: typeof size === "number" && Number.isFinite(size) ? size : null,
    signature:
      sig === null
        ? null
        : {
            inputs: schema(sig.inputs, "inputs"),
            outputs: schema(sig.outputs, "outputs"),
            params: params(sig.params),
          },
    savedInputExampleInfo:
      example === null
        ? null
        : {
            artifactPath: str(example.artifact_path) ?? "input_example.json",
            type: str(example.type),
            pandasOrient: str(example.pandas_orient),
            servingInputPath: str(example.serving_input_path),
          },
    metadata: record(root.metadata),
    pyfunc:
      pyfunc === undefined
        ? null
        : {
            loaderModule: str(pyfunc.loader_module),
            pythonVersion: str(pyfunc.python_version),
            env: Object.fromEntries(
              Object.entries(record(pyfunc.env) ?? {}).flatMap(([k, v]) =>
                typeof v === "string" ? [[k, v]] : [],
              ),
            ),
          },
  };
}

/** `requirements.txt` lines that name packages (comments, blanks and `-r`/`-c` includes dropped). */
export function parseRequirements(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter((l) => l !== "" && !l.startsWith("-"));
}
