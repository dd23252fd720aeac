// Chooses and starts a model's runtime. auto: a native `onnx` flavor runs in-process; a scikit-learn model is
// converted with skl2onnx in Python and served in-process only if the converted model gives the same predictions
// (see python/flowgate_worker/convert.py for the check and tolerance); anything else runs in the Python pool.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { invalidParameter } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { ModelMetadata } from "./model-metadata.js";
import { OnnxRuntime } from "./onnx/onnx-runtime.js";
import { elementType, planNativeOnnx, type OnnxPlan } from "./onnx/onnx-plan.js";
import { requireMlflowPython } from "./python/python-check.js";
import { PythonRuntime } from "./python/python-runtime.js";
import type { ModelRuntime } from "./runtime.js";

export type RuntimeChoice = "auto" | "onnx" | "python";

export interface RuntimeOptions {
  choice: RuntimeChoice;
  python: string;
  workerPath: string;
  workers: number;
  /** Longest a request waits for a replacement Python worker when none is ready. */
  workerWaitSeconds: number;
  onnxThreads: number;
  cacheDir: string;
  logger: Logger;
}

export interface StartedRuntime {
  runtime: ModelRuntime;
  reason: string;
  conversion?: Record<string, unknown>;
}

interface ConversionResult {
  ok: boolean;
  reason?: string;
  onnx_path?: string;
  layout?: "matrix" | "columns";
  columns?: string[];
  kinds?: Record<string, "float" | "string">;
  output?: string;
  flatten?: boolean;
  [k: string]: unknown;
}

const execFileAsync = promisify(execFile);

/** What `--runtime` decides for a model, before anything is started: the runtime kind and, for ONNX, its plan. */
export type RuntimeSelection =
  | { kind: "onnx"; plan: OnnxPlan; reason: string; conversion?: Record<string, unknown> }
  | { kind: "python"; reason: string; conversion?: Record<string, unknown> };

export type SelectionOptions = Pick<
  RuntimeOptions,
  "choice" | "python" | "workerPath" | "cacheDir" | "logger"
>;

export async function startRuntime(meta: ModelMetadata, options: RuntimeOptions): Promise<StartedRuntime> {
  const selected = await selectRuntime(meta, options);
  const runtime =
    selected.kind === "onnx"
      ? await OnnxRuntime.open(selected.plan, { intraOpThreads: options.onnxThreads })
      : await startPython(meta, options);
  return {
    runtime,
    reason: selected.reason,
    ...(selected.conversion ? { conversion: selected.conversion } : {}),
  };
}

/**
 * The choice `startRuntime` acts on, also used without starting anything (an image context decides from it
 * whether the image needs Python). A scikit-learn conversion is done, checked and cached here.
 */
export async function selectRuntime(
  meta: ModelMetadata,
  options: SelectionOptions,
): Promise<RuntimeSelection> {
  const log = options.logger;
  const onnxFlavor = meta.flavors.onnx;
  if (options.choice !== "python" && onnxFlavor !== undefined) {
    const named = onnxFlavor.data ?? onnxFlavor.onnx_model_artifact;
    const file = typeof named === "string" ? named : "model.onnx";
    const modelPath = path.join(meta.dir, file);
    const plan = planNativeOnnx(modelPath, await OnnxRuntime.graphInputs(modelPath), meta.signature.inputs);
    return { kind: "onnx", plan, reason: "the model has an onnx flavor" };
  }
  if (options.choice !== "python" && meta.flavors.sklearn !== undefined) {
    const conversion = await convertSklearn(meta, options);
    if (conversion.ok) {
      const plan: OnnxPlan = {
        modelPath: conversion.onnx_path as string,
        layout: conversion.layout as "matrix" | "columns",
        inputNames: conversion.layout === "matrix" ? ["X"] : (conversion.columns as string[]),
        inputTypes:
          conversion.layout === "matrix"
            ? ["float32"]
            : (conversion.columns as string[]).map((c) =>
                elementType(conversion.kinds?.[c] === "string" ? "string" : "float32"),
              ),
        columns: conversion.columns as string[],
        output: conversion.output,
        flatten: conversion.flatten === true,
      };
      const reason = `scikit-learn model converted with skl2onnx; predictions matched on ${String(conversion.rows_checked)} rows (labels exact, numbers within atol 1e-4 + rtol 1e-3)`;
      return { kind: "onnx", plan, reason, conversion };
    }
    if (options.choice === "onnx")
      throw invalidParameter(
        `--runtime onnx: the scikit-learn model could not be served by ONNX: ${conversion.reason ?? "unknown reason"}`,
      );
    log.warn({ reason: conversion.reason }, "ONNX conversion not used; falling back to the Python runtime");
    return {
      kind: "python",
      reason: `ONNX conversion not used (${conversion.reason ?? "unknown"}); python_function runs in the Python pool`,
      conversion,
    };
  }
  if (options.choice === "onnx")
    throw invalidParameter("--runtime onnx needs a model with an onnx or sklearn flavor.");
  if (meta.flavors.python_function === undefined)
    throw invalidParameter("The model has no python_function flavor, so the Python runtime cannot load it.");
  const reason =
    options.choice === "python"
      ? "--runtime python was requested"
      : "no onnx or sklearn flavor; python_function runs in the Python pool";
  return { kind: "python", reason };
}

async function startPython(meta: ModelMetadata, options: RuntimeOptions): Promise<PythonRuntime> {
  await requireMlflowPython(options.python);
  return PythonRuntime.start({
    python: options.python,
    workerPath: options.workerPath,
    modelPath: meta.dir,
    cacheDir: path.join(options.cacheDir, "python"),
    workers: options.workers,
    replacementWaitMs: options.workerWaitSeconds * 1000,
    logger: options.logger,
  });
}

/** Converts once per model content: the result (and the .onnx) are cached under the cache dir by content hash. */
async function convertSklearn(meta: ModelMetadata, options: SelectionOptions): Promise<ConversionResult> {
  const key = await contentHash(meta.dir);
  const dir = path.join(options.cacheDir, "onnx", key);
  const resultFile = path.join(dir, "conversion.json");
  const cached = await readFile(resultFile, "utf8").catch(() => undefined);
  if (cached !== undefined) {
    options.logger.info({ dir }, "using the cached ONNX conversion");
    // The converted file always sits beside its result, so a cache that was moved (an image context copied
    // into /opt/flowgate/cache) still finds it.
    const result = JSON.parse(cached) as ConversionResult;
    return result.ok ? { ...result, onnx_path: path.join(dir, "model.onnx") } : result;
  }
  // Only converting needs Python: a cached conversion serves with none installed (the ONNX image has none).
  await requireMlflowPython(options.python);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const started = Date.now();
  options.logger.info(
    { model: meta.dir },
    "converting the scikit-learn model to ONNX and checking its predictions",
  );
  let result: ConversionResult;
  try {
    const { stdout } = await execFileAsync(
      options.python,
      ["-m", "flowgate_worker", "convert", "--model-path", meta.dir, "--out", path.join(dir, "model.onnx")],
      {
        env: { ...process.env, PYTHONPATH: options.workerPath },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 600_000,
      },
    );
    result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as ConversionResult;
  } catch (err) {
    result = {
      ok: false,
      reason: `the conversion process failed: ${(err as Error).message.split("\n")[0] ?? ""}`,
    };
  }
  options.logger.info(
    { ok: result.ok, reason: result.reason, seconds: (Date.now() - started) / 1000 },
    "ONNX conversion finished",
  );
  await writeFile(resultFile, JSON.stringify(result), { mode: 0o600 });
  return result;
}

async function contentHash(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) await walk(child);
      else hash.update(child).update(await readFile(path.join(dir, child)));
    }
  };
  await walk("");
  return hash.digest("hex").slice(0, 32);
}
