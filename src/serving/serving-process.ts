// Composition root of `flowgate models serve`: listen (health answers 503 until ready), resolve the model URI
// into the local cache, read its MLmodel, choose and start the runtime, then report ready. Every step is logged
// as structured JSON. stop() drains: readiness false, stop accepting, finish in-flight requests, stop workers.
import type { FastifyInstance } from "fastify";
import { FlowgateError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { HostedModels, hostModel } from "./hosted-model.js";
import { createServingMetrics, type ServingMetrics } from "./metrics.js";
import { resolveModel } from "./model-cache.js";
import { readModelMetadata } from "./model-metadata.js";
import { startRuntime, type RuntimeChoice } from "./runtime-selection.js";
import { buildServingServer } from "./server.js";

export interface ServeOptions {
  modelUri: string;
  host: string;
  port: number;
  workers: number;
  /** Longest a request waits for a replacement Python worker when none is ready (then 503). */
  workerWaitSeconds: number;
  runtime: RuntimeChoice;
  maxBatchSize: number;
  maxBatchDelayMs: number;
  maxQueue: number;
  maxBodyBytes: number;
  requestTimeoutSeconds: number;
  bodyTimeoutSeconds: number;
  headersTimeoutSeconds: number;
  trackingUri: string | undefined;
  cacheDir: string;
  python: string;
  workerPath: string;
  onnxThreads: number;
  logger: Logger;
}

export interface ServingProcess {
  app: FastifyInstance;
  address: string;
  models: HostedModels;
  metrics: ServingMetrics;
  /** Resolves once the model is loaded (rejects if it cannot be). */
  loaded: Promise<void>;
  stop(): Promise<void>;
}

export async function startServing(options: ServeOptions): Promise<ServingProcess> {
  const log = options.logger;
  const models = new HostedModels();
  const metrics = createServingMetrics();
  let ready = false;
  const app = await buildServingServer({
    logger: log,
    models,
    metrics,
    maxBodyBytes: options.maxBodyBytes,
    requestTimeoutSeconds: options.requestTimeoutSeconds,
    bodyTimeoutSeconds: options.bodyTimeoutSeconds,
    headersTimeoutSeconds: options.headersTimeoutSeconds,
    isReady: () => ready && models.primary()?.runtime.ready() === true,
    isServing: () => ready,
    notReadyReason: () =>
      ready
        ? (models.primary()?.runtime.notReadyReason() ?? "The model is not loaded yet.")
        : "The model is not loaded yet.",
  });
  let address: string;
  try {
    address = await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw listenFailure(err as NodeJS.ErrnoException, options);
  }
  log.info({ step: "listen", address }, "serving: listening (not ready until the model is loaded)");

  const load = async (): Promise<void> => {
    const started = Date.now();
    log.info(
      { step: "resolve", model_uri: options.modelUri, tracking_uri: options.trackingUri },
      "serving: resolving the model",
    );
    const resolved = await resolveModel(options.modelUri, {
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
    models.add(
      hostModel(
        {
          name: resolved.name,
          version: resolved.version,
          meta,
          runtime: started_.runtime,
          reason: started_.reason,
          loadSeconds,
          details: {
            model_uri: options.modelUri,
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
      ),
    );
    ready = true;
    log.info(
      { step: "ready", reason: started_.reason, load_seconds: loadSeconds, ...labels },
      "serving: model loaded, ready",
    );
  };
  const loaded = load();
  loaded.catch((err: unknown) =>
    log.error({ step: "load_failed", err: (err as Error).message }, "serving: the model could not be loaded"),
  );

  return {
    app,
    address,
    models,
    metrics,
    loaded,
    async stop() {
      log.info({ step: "drain" }, "serving: shutting down; draining in-flight requests");
      ready = false;
      await app.close();
      await models.closeAll();
      log.info({ step: "stopped" }, "serving: stopped");
    },
  };
}

/** The usual first-run mistakes, said in one line with what to do (issue 11). */
function listenFailure(err: NodeJS.ErrnoException, options: ServeOptions): Error {
  if (err.code === "EADDRINUSE") {
    return new FlowgateError(
      "INVALID_STATE",
      `port ${options.port} is in use on ${options.host} — is \`flowgate server\` running there? pass --port`,
    );
  }
  if (err.code === "EACCES" || err.code === "EADDRNOTAVAIL") {
    return new FlowgateError(
      "INVALID_STATE",
      `cannot listen on ${options.host}:${options.port} (${err.code}); pass another --host or --port`,
    );
  }
  return err;
}

/** The same credentials the MLflow client reads from its environment. */
function trackingAuthorization(): string | undefined {
  const token = process.env.MLFLOW_TRACKING_TOKEN;
  if (token) return `Bearer ${token}`;
  const user = process.env.MLFLOW_TRACKING_USERNAME;
  const password = process.env.MLFLOW_TRACKING_PASSWORD;
  if (user && password) return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  return undefined;
}
