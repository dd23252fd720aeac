// Composition root of `flowgate models serve --deployment <name>`: the serving app in front of a deployment
// runtime (deployment-runtime.ts: a DeploymentHost that follows the deployment's routing snapshot on the control
// plane, its prediction log, a reporter that sends an ObservationWindow every interval, and the snapshot cached on
// disk for starts during a control-plane outage).
import os from "node:os";
import { FlowgateError } from "../core/errors.js";
import type { DeploymentHost } from "./deployment-host.js";
import { createDeploymentRuntime, type DeploymentRuntimeOptions } from "./deployment-runtime.js";
import { createServingMetrics } from "./metrics.js";
import type { ObservationReporter } from "./observations.js";
import type { RevisionWatch } from "./revision-watch.js";
import { buildServingServer } from "./server.js";
import type { ServeOptions, ServingProcess } from "./serving-process.js";
import type { PredictionLog } from "./prediction-log/prediction-log.js";

export interface DeploymentServeOptions
  extends Omit<ServeOptions, "modelUri">, Omit<DeploymentRuntimeOptions, keyof ServeOptions> {
  trackingUri: string;
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
  const metrics = createServingMetrics();
  const runtime = createDeploymentRuntime(options, metrics);
  const { host, watch, reporter, predictionLog, models } = runtime;
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
  runtime.setReplica(`${os.hostname()}:${new URL(address).port}/${process.pid}`);
  log.info(
    { step: "listen", address, deployment: options.deployment, tracking_uri: options.trackingUri },
    "serving: listening; following the deployment's routing",
  );
  void runtime.start();

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
      await runtime.stop(() => app.close());
      log.info({ step: "stopped" }, "serving: stopped");
    },
  };
}
