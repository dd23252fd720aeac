// Composition root of `flowgate models serve --deployment <name>`: the serving app with a DeploymentHost that
// follows the deployment's routing snapshot on the control plane (RevisionWatch), a reporter that sends an
// ObservationWindow every interval, and the snapshot cached on disk for starts during a control-plane outage.
import os from "node:os";
import { FlowgateError } from "../core/errors.js";
import { DeploymentHost } from "./deployment-host.js";
import { HostedModels } from "./hosted-model.js";
import { createDeploymentMetrics, createServingMetrics, registerPredictionLogMetrics } from "./metrics.js";
import { loadHostedModel, trackingAuthorization } from "./model-loading.js";
import { ObservationReporter } from "./observations.js";
import { RevisionWatch } from "./revision-watch.js";
import { buildServingServer } from "./server.js";
import type { ServeOptions, ServingProcess } from "./serving-process.js";
import { DEFAULT_SHADOW_BUDGET } from "./shadow.js";
import { PredictionLog } from "./prediction-log/prediction-log.js";
import { httpSegmentSink } from "./prediction-log/segment-sink.js";

export interface DeploymentServeOptions extends Omit<ServeOptions, "modelUri"> {
  trackingUri: string;
  deployment: string;
  /** Where <deployment>.json, the last routing snapshot served, is kept. */
  snapshotDir: string;
  reportIntervalMs: number;
  /** Shadow requests in flight at most (default 64). */
  shadowBudget?: number;
  /** Prediction-log segment rotation (defaults 50 000 rows or 10 s) and queue bound (default 100 000 rows). */
  logSegmentRows?: number;
  logSegmentSeconds?: number;
  logQueueRows?: number;
}

export interface DeploymentServingProcess extends ServingProcess {
  host: DeploymentHost;
  watch: RevisionWatch;
  reporter: ObservationReporter;
  predictionLog: PredictionLog;
}

export async function startDeploymentServing(
  options: DeploymentServeOptions,
): Promise<DeploymentServingProcess> {
  const log = options.logger;
  const authorization = trackingAuthorization();
  const models = new HostedModels();
  const metrics = createServingMetrics();
  const deploymentMetrics = createDeploymentMetrics(metrics.registry);
  // The replica's name is known once it listens; segments are only uploaded after that.
  let replica = `${os.hostname()}/${process.pid}`;
  const predictionLog = new PredictionLog({
    sink: httpSegmentSink({
      trackingUri: options.trackingUri,
      deployment: options.deployment,
      replica: () => replica,
      authorization,
    }),
    logger: log,
    ...(options.logSegmentRows !== undefined ? { segmentRows: options.logSegmentRows } : {}),
    ...(options.logSegmentSeconds !== undefined ? { segmentSeconds: options.logSegmentSeconds } : {}),
    ...(options.logQueueRows !== undefined ? { maxQueuedRows: options.logQueueRows } : {}),
  });
  registerPredictionLogMetrics(metrics.registry, options.deployment, () => predictionLog.counts);
  const watch: RevisionWatch = new RevisionWatch({
    trackingUri: options.trackingUri,
    deployment: options.deployment,
    authorization,
    logger: log,
    onSnapshot: (snapshot) => void host.offer(snapshot),
  });
  const host: DeploymentHost = new DeploymentHost({
    deployment: options.deployment,
    load: (model, version) => loadHostedModel(`models:/${model}/${version}`, options, metrics),
    snapshotDir: options.snapshotDir,
    models,
    metrics: deploymentMetrics,
    logger: log,
    maxBodyBytes: options.maxBodyBytes,
    shadowBudget: options.shadowBudget ?? DEFAULT_SHADOW_BUDGET,
    controlPlane: () => watch.status,
    predictionLog,
  });
  let stopping = false;
  const app = await buildServingServer({
    logger: log,
    models,
    metrics,
    maxBodyBytes: options.maxBodyBytes,
    requestTimeoutSeconds: options.requestTimeoutSeconds,
    bodyTimeoutSeconds: options.bodyTimeoutSeconds,
    headersTimeoutSeconds: options.headersTimeoutSeconds,
    isReady: () => !stopping && host.isServing(),
    isServing: () => !stopping && host.isServing(),
    notReadyReason: () => host.statusText(),
    deployment: host,
  });
  let address: string;
  try {
    address = await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    throw e.code === "EADDRINUSE"
      ? new FlowgateError("INVALID_STATE", `port ${options.port} is in use on ${options.host}; pass --port`)
      : e;
  }
  replica = `${os.hostname()}:${new URL(address).port}/${process.pid}`;
  const reporter = new ObservationReporter({
    trackingUri: options.trackingUri,
    deployment: options.deployment,
    authorization,
    intervalMs: options.reportIntervalMs,
    takeWindow: () => host.takeWindow(replica),
    logger: log,
  });
  const reachability = setInterval(
    () =>
      deploymentMetrics.controlPlaneReachable.set(
        { deployment: options.deployment },
        watch.status.reachable ? 1 : 0,
      ),
    1000,
  );
  reachability.unref();
  log.info(
    { step: "listen", address, deployment: options.deployment, tracking_uri: options.trackingUri },
    "serving: listening; following the deployment's routing",
  );
  watch.start();
  reporter.start();
  predictionLog.start();
  // Started from the disk cache only when the control plane does not answer the first request.
  void watch.firstAttempt.then(async () => {
    if (!watch.status.reachable && !host.isServing()) await host.offerCached();
  });

  return {
    app,
    address,
    models,
    metrics,
    host,
    watch,
    reporter,
    predictionLog,
    loaded: host.serving,
    async stop() {
      log.info({ step: "drain" }, "serving: shutting down; draining in-flight requests");
      stopping = true;
      clearInterval(reachability);
      await watch.stop();
      await app.close();
      await reporter.stop().catch(() => undefined);
      // After the server closed: every answered request is queued; what is left is written and uploaded.
      await predictionLog.stop().catch(() => undefined);
      await host.close();
      log.info({ step: "stopped" }, "serving: stopped");
    },
  };
}
