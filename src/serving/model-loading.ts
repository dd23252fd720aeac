// Loading one model version into this process: resolve its URI through the local cache, read its MLmodel, start
// the runtime chosen for it, and wrap it with its batcher. Plain serving loads one; a deployment loads several.
import type { Logger } from "../core/logger.js";
import { hostModel, type HostedModel } from "./hosted-model.js";
import type { ServingMetrics } from "./metrics.js";
import { resolveModel } from "./model-cache.js";
import { readModelMetadata, type ModelMetadata } from "./model-metadata.js";
import { startRuntime, type RuntimeChoice } from "./runtime-selection.js";

/** What loading a version needs from `models serve`'s options. */
export interface LoadOptions {
  trackingUri: string | undefined;
  cacheDir: string;
  runtime: RuntimeChoice;
  python: string;
  workerPath: string;
  workers: number;
  workerWaitSeconds: number;
  onnxThreads: number;
  maxBatchSize: number;
  maxBatchDelayMs: number;
  maxQueue: number;
  logger: Logger;
  /**
   * Told the version and its MLmodel before its runtime starts, which waits for it: batch checks its inputs
   * against the signature and starts reading them meanwhile (a Python runtime's start takes seconds).
   */
  onMetadata?: (model: { name: string; version: string; meta: ModelMetadata }) => Promise<void>;
}

/** Resolves a model URI into the local cache, reads its MLmodel and starts its runtime (logged step by step). */
export async function loadHostedModel(
  modelUri: string,
  options: LoadOptions,
  metrics: ServingMetrics,
): Promise<HostedModel> {
  const log = options.logger;
  const started = Date.now();
  log.info(
    { step: "resolve", model_uri: modelUri, tracking_uri: options.trackingUri },
    "serving: resolving the model",
  );
  const resolved = await resolveModel(modelUri, {
    cacheDir: options.cacheDir,
    trackingUri: options.trackingUri,
    logger: log,
    authorization: trackingAuthorization(),
  });
  log.info(
    {
      step: "resolved",
      dir: resolved.dir,
      name: resolved.name,
      version: resolved.version,
      offline: resolved.offline,
    },
    "serving: model files ready",
  );
  const meta = await readModelMetadata(resolved.dir);
  log.info(
    {
      step: "metadata",
      flavors: Object.keys(meta.flavors),
      signature: meta.signature.inputs?.kind ?? "none",
    },
    "serving: MLmodel read",
  );
  await options.onMetadata?.({ name: resolved.name, version: resolved.version, meta });
  const started_ = await startRuntime(meta, {
    choice: options.runtime,
    python: options.python,
    workerPath: options.workerPath,
    workers: options.workers,
    workerWaitSeconds: options.workerWaitSeconds,
    onnxThreads: options.onnxThreads,
    cacheDir: options.cacheDir,
    logger: log,
  });
  const loadSeconds = (Date.now() - started) / 1000;
  const labels = { model: resolved.name, version: resolved.version, runtime: started_.runtime.kind };
  metrics.loadSeconds.set(labels, loadSeconds);
  return hostModel(
    {
      name: resolved.name,
      version: resolved.version,
      meta,
      runtime: started_.runtime,
      reason: started_.reason,
      loadSeconds,
      details: {
        model_uri: modelUri,
        offline: resolved.offline,
        ...(started_.conversion ? { conversion: started_.conversion } : {}),
      },
    },
    {
      maxBatchSize: options.maxBatchSize,
      maxBatchDelayMs: options.maxBatchDelayMs,
      maxQueue: options.maxQueue,
      onBatch: (requests) => metrics.batchSize.observe(labels, requests),
    },
  );
}

/** The same credentials the MLflow client reads from its environment. */
export function trackingAuthorization(): string | undefined {
  const token = process.env.MLFLOW_TRACKING_TOKEN;
  if (token) return `Bearer ${token}`;
  const user = process.env.MLFLOW_TRACKING_USERNAME;
  const password = process.env.MLFLOW_TRACKING_PASSWORD;
  if (user && password) return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  return undefined;
}
