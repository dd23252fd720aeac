// What scores through a deployment in this process, with or without an HTTP server in front of it: a
// DeploymentHost following the deployment's routing snapshot on the control plane (RevisionWatch), the prediction
// log its answered requests go to, and a reporter that sends an ObservationWindow every interval. `models serve
// --deployment` puts its server in front; batch and stream scoring call the host directly (open-scorer.ts), so
// their requests are split, shadowed, logged and observed exactly like served ones.
import os from "node:os";
import { DeploymentHost } from "./deployment-host.js";
import { HostedModels } from "./hosted-model.js";
import {
  createDeploymentMetrics,
  registerPredictionLogMetrics,
  type DeploymentMetrics,
  type ServingMetrics,
} from "./metrics.js";
import { loadHostedModel, trackingAuthorization, type LoadOptions } from "./model-loading.js";
import { ObservationReporter } from "./observations.js";
import { RevisionWatch } from "./revision-watch.js";
import { DEFAULT_SHADOW_BUDGET } from "./shadow.js";
import { PredictionLog } from "./prediction-log/prediction-log.js";
import { httpSegmentSink } from "./prediction-log/segment-sink.js";

export interface DeploymentRuntimeOptions extends LoadOptions {
  trackingUri: string;
  deployment: string;
  /** Where <deployment>.json, the last routing snapshot served, is kept. */
  snapshotDir: string;
  reportIntervalMs: number;
  /** Largest input example body the warm-up reads. */
  maxBodyBytes: number;
  /** Shadow requests in flight at most (default 64). */
  shadowBudget?: number;
  /** Prediction-log segment rotation (defaults 50 000 rows or 10 s) and queue bound (default 100 000 rows). */
  logSegmentRows?: number;
  logSegmentSeconds?: number;
  logQueueRows?: number;
}

export interface DeploymentRuntime {
  host: DeploymentHost;
  watch: RevisionWatch;
  reporter: ObservationReporter;
  predictionLog: PredictionLog;
  models: HostedModels;
  deploymentMetrics: DeploymentMetrics;
  /** Names this process in segments and windows (a server knows its port only once it listens). */
  setReplica(name: string): void;
  /**
   * Follows the routing, reports windows and writes the log; starts from the disk cache when the plane is down.
   * Resolves after the first request to the plane: false when neither it nor the disk had a snapshot.
   */
  start(): Promise<boolean>;
  /**
   * Stops following the routing, then lets `drainCallers` finish the requests in flight (a server closes), then
   * sends the last window, writes and uploads what is left of the log and unloads every version.
   */
  stop(drainCallers?: () => Promise<void>): Promise<void>;
}

export function createDeploymentRuntime(
  options: DeploymentRuntimeOptions,
  metrics: ServingMetrics,
): DeploymentRuntime {
  const log = options.logger;
  const authorization = trackingAuthorization();
  const models = new HostedModels();
  const deploymentMetrics = createDeploymentMetrics(metrics.registry);
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
  const reporter = new ObservationReporter({
    trackingUri: options.trackingUri,
    deployment: options.deployment,
    authorization,
    intervalMs: options.reportIntervalMs,
    takeWindow: () => host.takeWindow(replica),
    logger: log,
  });
  let reachability: NodeJS.Timeout | undefined;
  return {
    host,
    watch,
    reporter,
    predictionLog,
    models,
    deploymentMetrics,
    setReplica: (name) => {
      replica = name;
    },
    start() {
      reachability = setInterval(
        () =>
          deploymentMetrics.controlPlaneReachable.set(
            { deployment: options.deployment },
            watch.status.reachable ? 1 : 0,
          ),
        1000,
      );
      reachability.unref();
      watch.start();
      reporter.start();
      predictionLog.start();
      // Started from the disk cache only when the control plane does not answer the first request.
      return watch.firstAttempt.then(async () => {
        if (watch.status.reachable || host.isServing()) return true;
        return host.offerCached().then((cached) => cached || host.isServing());
      });
    },
    async stop(drainCallers) {
      clearInterval(reachability);
      await watch.stop();
      await drainCallers?.();
      await reporter.stop().catch(() => undefined);
      // After the callers drained: every answered request is queued; what is left is written and uploaded.
      await predictionLog.stop().catch(() => undefined);
      await host.close();
    },
  };
}
