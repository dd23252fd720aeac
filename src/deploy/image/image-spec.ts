// What an image context is rendered from: the model, the runtime chosen for it and the files placed beside the
// Dockerfile. Built by generateImageContext, rendered by dockerfile.ts.

/** The runtime an image serves with: `onnx` images carry no Python at all. */
export type ServedRuntime = "onnx" | "python";

export interface ImageSpec {
  modelUri: string;
  flowgateVersion: string;
  runtime: ServedRuntime;
  /** Why this runtime (the same sentence `models serve` logs and reports on /metadata). */
  reason: string;
  /** The final stage's base image (python: the slim image of the model's Python version). */
  baseImage: string;
  baseImageOverridden: boolean;
  /** File name of the flowgate npm package tarball in the context. */
  packageFile: string;
  /** python: the requirements file to install, relative to the model's copy in the build stage (/tmp/…). */
  requirementsFile: string;
  /** python: a pinned requirement the model's own list lacks and the worker needs (mlflow itself). */
  extraRequirement: string | undefined;
  /** Whether the context carries a checked scikit-learn → ONNX conversion under cache/. */
  hasConversion: boolean;
  labels: Record<string, string>;
}
