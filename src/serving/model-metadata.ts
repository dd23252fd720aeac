// The minimal reading of an MLmodel file that serving needs: flavors, signature, input example location.
// (The registry's full MLmodel model lives in models/mlmodel.ts; this stays small on purpose.)
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { invalidParameter } from "../core/errors.js";
import { parseSignature, type ModelSignature } from "../models/signature.js";

export interface ModelMetadata {
  /** Directory holding MLmodel and the model's files. */
  dir: string;
  flavors: Record<string, Record<string, unknown>>;
  signature: ModelSignature;
  /** Relative path of a ready /invocations body (serving_input_example.json), when the model has one. */
  servingInputExample: string | undefined;
  mlflowVersion: string | undefined;
}

export async function readModelMetadata(dir: string): Promise<ModelMetadata> {
  let text: string;
  try {
    text = await readFile(path.join(dir, "MLmodel"), "utf8");
  } catch {
    throw invalidParameter(
      `No MLmodel file in '${dir}': a model URI must point at an MLflow model directory.`,
    );
  }
  const doc = parseYaml(text) as Record<string, unknown> | null;
  if (doc === null || typeof doc !== "object")
    throw invalidParameter(`MLmodel in '${dir}' is not a mapping.`);
  const flavors = (doc.flavors ?? {}) as Record<string, Record<string, unknown>>;
  const example = (doc.saved_input_example_info ?? {}) as Record<string, unknown>;
  const servingInput =
    typeof example.serving_input_path === "string" ? example.serving_input_path : undefined;
  return {
    dir,
    flavors,
    signature: parseSignature(doc.signature),
    servingInputExample: servingInput,
    mlflowVersion: typeof doc.mlflow_version === "string" ? doc.mlflow_version : undefined,
  };
}
