// `flowgate models generate-dockerfile`: an image build context in MLflow's layout — Dockerfile + model_dir/ —
// for one model, resolved through the same cache as `models serve` (models:/, runs:/ or a directory, against a
// Flowgate or MLflow tracking server). The runtime is chosen as `models serve --runtime auto` chooses it
// (selectRuntime): a model ONNX can serve gets an image with no Python, its checked conversion included; any
// other gets a slim Python image with the model's pinned requirements installed at build time.
import { chmod, cp, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { invalidParameter } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { FLOWGATE_VERSION, MLFLOW_COMPAT_VERSION } from "../../core/version.js";
import { parseMLmodel, parseRequirements } from "../../models/mlmodel.js";
import { resolveModel } from "../../serving/model-cache.js";
import { trackingAuthorization } from "../../serving/model-loading.js";
import { readModelMetadata } from "../../serving/model-metadata.js";
import { PYTHON_WORKER_PATH } from "../../serving/python/worker-path.js";
import { selectRuntime, type RuntimeChoice } from "../../serving/runtime-selection.js";
import {
  DEFAULT_NODE_IMAGE,
  pythonImage,
  renderDockerfile,
  renderDockerignore,
  renderEntrypoint,
} from "./dockerfile.js";
import { PACKAGE_FILE, placeFlowgatePackage } from "./flowgate-package.js";
import type { ImageSpec, ServedRuntime } from "./image-spec.js";
import { modelProvenance, type ModelProvenance } from "./model-provenance.js";

export interface ImageContextOptions {
  modelUri: string;
  /** The context directory: created, or empty. */
  outputDir: string;
  runtime?: RuntimeChoice;
  /** The final stage's base image instead of node:20-bookworm-slim (onnx) or python:<model's>-slim-bookworm. */
  baseImage?: string | undefined;
  trackingUri: string | undefined;
  /** Model cache (`<cache root>/models`), shared with `models serve`: downloads and ONNX conversions. */
  cacheDir: string;
  /** Python with mlflow + skl2onnx, to convert and check a scikit-learn model while choosing (FLOWGATE_PYTHON). */
  python: string;
  /** A flowgate tarball (`npm pack`) to put in the image instead of packing the running installation. */
  flowgatePackage?: string | undefined;
  logger: Logger;
}

export interface ImageContextResult {
  dir: string;
  dockerfile: string;
  modelDir: string;
  runtime: ServedRuntime;
  reason: string;
  baseImage: string;
  model: ModelProvenance;
  labels: Record<string, string>;
  /** Every file of the context, relative to it, sorted. */
  files: string[];
}

export const MODEL_DIR_NAME = "model_dir";

export async function generateImageContext(options: ImageContextOptions): Promise<ImageContextResult> {
  const dir = path.resolve(options.outputDir);
  await requireEmptyDir(dir);
  const log = options.logger;
  const authorization = trackingAuthorization();
  const resolved = await resolveModel(options.modelUri, {
    cacheDir: options.cacheDir,
    trackingUri: options.trackingUri,
    logger: log,
    authorization,
  });
  const modelDir = path.join(dir, MODEL_DIR_NAME);
  await cp(resolved.dir, modelDir, { recursive: true });
  const meta = await readModelMetadata(modelDir);
  const mlmodel = parseMLmodel(await readFile(path.join(modelDir, "MLmodel"), "utf8"));
  const selected = await selectRuntime(meta, {
    choice: options.runtime ?? "auto",
    python: options.python,
    workerPath: PYTHON_WORKER_PATH,
    cacheDir: options.cacheDir,
    logger: log,
  });
  const runtime: ServedRuntime = selected.kind;
  let hasConversion = false;
  if (selected.kind === "onnx" && selected.conversion !== undefined) {
    // models serve looks a conversion up by the model's content under <cache>/models/onnx/<key>/.
    const from = path.dirname(selected.plan.modelPath);
    const to = path.join(dir, "cache", "models", "onnx", path.basename(from));
    await mkdir(to, { recursive: true });
    await cp(path.join(from, "model.onnx"), path.join(to, "model.onnx"));
    const result = { ...selected.conversion, onnx_path: "model.onnx" };
    await writeFile(path.join(to, "conversion.json"), `${JSON.stringify(result, null, 2)}\n`);
    hasConversion = true;
  }
  const python =
    runtime === "python" ? await pythonEnvironment(modelDir, mlmodel.mlflowVersion, dir) : undefined;
  const baseImage =
    options.baseImage ?? (python === undefined ? DEFAULT_NODE_IMAGE : pythonImage(python.version));
  const model = await modelProvenance(resolved, mlmodel, {
    trackingUri: options.trackingUri,
    authorization,
    logger: log,
  });
  const labels = imageLabels(options.modelUri, model, runtime, baseImage);
  await placeFlowgatePackage(dir, options.flowgatePackage);
  const spec: ImageSpec = {
    modelUri: options.modelUri,
    flowgateVersion: FLOWGATE_VERSION,
    runtime,
    reason: selected.reason,
    baseImage,
    baseImageOverridden: options.baseImage !== undefined,
    packageFile: PACKAGE_FILE,
    requirementsFile: python?.requirementsFile ?? "",
    extraRequirement: python?.extraRequirement,
    hasConversion,
    labels,
  };
  const dockerfile = path.join(dir, "Dockerfile");
  await writeFile(dockerfile, renderDockerfile(spec));
  await writeFile(path.join(dir, ".dockerignore"), renderDockerignore(spec));
  await writeFile(path.join(dir, "entrypoint.sh"), renderEntrypoint(runtime));
  // The cache keeps its files 0600; in the image they belong to root and must be readable by the serving user.
  await makeReadable(dir);
  log.info({ dir, runtime, reason: selected.reason, base_image: baseImage }, "image context written");
  return {
    dir,
    dockerfile,
    modelDir,
    runtime,
    reason: selected.reason,
    baseImage,
    model,
    labels,
    files: await listFiles(dir),
  };
}

function imageLabels(
  uri: string,
  model: ModelProvenance,
  runtime: ServedRuntime,
  baseImage: string,
): Record<string, string> {
  const labels: Record<string, string | undefined> = {
    "org.opencontainers.image.title": model.name,
    "org.opencontainers.image.version": model.version,
    "org.opencontainers.image.description": `Flowgate serving image for ${uri} (${runtime} runtime)`,
    "org.opencontainers.image.revision": model.gitCommit,
    "org.opencontainers.image.base.name": baseImage,
    "io.flowgate.model.uri": uri,
    "io.flowgate.model.name": model.name,
    "io.flowgate.model.version": model.version,
    "io.flowgate.model.run-id": model.runId,
    "io.flowgate.model.git-commit": model.gitCommit,
    "io.flowgate.model.signature-digest": model.signatureDigest,
    "io.flowgate.runtime": runtime,
    "io.flowgate.version": FLOWGATE_VERSION,
  };
  return Object.fromEntries(
    Object.entries(labels).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  );
}

interface PythonEnvironment {
  version: string;
  requirementsFile: string;
  extraRequirement: string | undefined;
}

/**
 * The model's Python version (python_env.yaml, else the flavor's python_version) and its pinned requirements:
 * requirements.txt, else the pip list of conda.yaml written beside the Dockerfile. The worker loads the model with
 * mlflow, so mlflow at the version that saved the model is added when the list lacks it.
 */
async function pythonEnvironment(
  modelDir: string,
  mlflowVersion: string | null,
  contextDir: string,
): Promise<PythonEnvironment> {
  const envFile = await readFile(path.join(modelDir, "python_env.yaml"), "utf8").catch(() => undefined);
  const env = envFile === undefined ? undefined : (parseYaml(envFile) as { python?: unknown } | null);
  const mlmodel = parseMLmodel(await readFile(path.join(modelDir, "MLmodel"), "utf8"));
  const flavorVersion = mlmodel.flavors.python_function?.python_version;
  const named = env?.python ?? flavorVersion;
  const version = typeof named === "string" || typeof named === "number" ? String(named) : "3.11";
  if (!/^3\.\d+(\.\d+)?$/.test(version))
    throw invalidParameter(
      `The model names Python '${version}', which is not a Python 3 version like 3.11.7.`,
    );
  let requirements = await readFile(path.join(modelDir, "requirements.txt"), "utf8").catch(() => undefined);
  let requirementsFile = `${MODEL_DIR_NAME}/requirements.txt`;
  if (requirements === undefined) {
    const conda = await readFile(path.join(modelDir, "conda.yaml"), "utf8").catch(() => undefined);
    const deps =
      conda === undefined
        ? undefined
        : (parseYaml(conda) as { dependencies?: unknown[] } | null)?.dependencies;
    const pip = deps?.find(
      (d): d is { pip: unknown[] } => typeof d === "object" && d !== null && "pip" in d,
    )?.pip;
    if (pip === undefined)
      throw invalidParameter(
        "A Python image installs the model's pinned requirements, but the model has no requirements.txt and no pip list in conda.yaml.",
      );
    requirements = `${pip.map(String).join("\n")}\n`;
    requirementsFile = "requirements.txt";
    await writeFile(path.join(contextDir, requirementsFile), requirements);
  }
  const hasMlflow = parseRequirements(requirements).some((r) => /^mlflow(-skinny)?\b/i.test(r));
  return {
    version,
    requirementsFile,
    extraRequirement: hasMlflow ? undefined : `mlflow==${mlflowVersion ?? MLFLOW_COMPAT_VERSION}`,
  };
}

async function requireEmptyDir(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) {
    await mkdir(dir, { recursive: true });
    return;
  }
  if (!info.isDirectory())
    throw invalidParameter(`'${dir}' is not a directory; pass a new or empty directory.`);
  if ((await readdir(dir)).length > 0)
    throw invalidParameter(
      `'${dir}' is not empty; an image context is written into a new or empty directory.`,
    );
}

async function makeReadable(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await chmod(p, 0o755);
      await makeReadable(p);
    } else await chmod(p, 0o644);
  }
  await chmod(dir, 0o755);
}

async function listFiles(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, child)));
    else out.push(child);
  }
  return out.sort();
}
