// Composition root of `flowgate models serve`: listen (health answers 503 until ready), resolve the model URI
// into the local cache, read its MLmodel, choose and start the runtime, then report ready. Every step is logged
// as structured JSON. stop() drains: readiness false, stop accepting, finish in-flight requests, stop workers.
import type { FastifyInstance } from "fastify";
import { FlowgateError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { HostedModels } from "./hosted-model.js";
import { createServingMetrics, type ServingMetrics } from "./metrics.js";
import { loadHostedModel, type LoadOptions } from "./model-loading.js";
import type { RuntimeChoice } from "./runtime-selection.js";
import { buildServingServer } from "./server.js";

export interface ServeOptions extends LoadOptions {
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
    const hosted = await loadHostedModel(options.modelUri, options, metrics);
    models.add(hosted);
    ready = true;
    log.info(
      {
        step: "ready",
        reason: hosted.reason,
        load_seconds: hosted.loadSeconds,
        model: hosted.name,
        version: hosted.version,
        runtime: hosted.runtime.kind,
      },
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
