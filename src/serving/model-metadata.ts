// The minimal reading of an MLmodel file that serving needs: flavors, signature, input example location.
// (Parsing is models/mlmodel.ts; this adds the file read and the serving view of the signature.)
import { readFile } from "node:fs/promises";
import path from "node:path";
import { invalidParameter } from "../core/errors.js";
import { parseMLmodel } from "../models/mlmodel.js";
import { servingSignature, type ModelSignature } from "../models/signature.js";

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
  const mlmodel = parseMLmodel(text);
  return {
    dir,
    flavors: mlmodel.flavors,
    signature: servingSignature(mlmodel.signature),
    servingInputExample: mlmodel.savedInputExampleInfo?.servingInputPath ?? undefined,
    mlflowVersion: mlmodel.mlflowVersion ?? undefined,
  };
}
