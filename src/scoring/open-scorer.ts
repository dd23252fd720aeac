// Opens a Scorer (scorer.ts) on the serving stack: one model version loaded as `models serve` loads it (its
// runtime, batcher and signature checks); a deployment's current primary version; or a whole deployment in
// this process, routed, shadowed, logged and observed as `models serve --deployment` does it.
import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type { RoutingSnapshot } from "../delivery/deployment.js";
import { FlowgateError, invalidParameter, type ErrorCode } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { createDeploymentRuntime } from "../serving/deployment-runtime.js";
import type { Frame, ModelInput } from "../serving/frame.js";
import { submitPrediction, type HostedModel } from "../serving/hosted-model.js";
import { createServingMetrics } from "../serving/metrics.js";
import { loadHostedModel, trackingAuthorization, type LoadOptions } from "../serving/model-loading.js";
import { applyDecision, decidesInServing, policyParams } from "../serving/policy.js";
import { PYTHON_WORKER_PATH } from "../serving/python/worker-path.js";
import type { PredictionResult } from "../serving/runtime.js";
import type { Scorer, ScorerTarget } from "./scorer.js";

export interface ScorerOptions extends LoadOptions {
  /** A deployment with route "policy": where its last routing snapshot is cached (default <cacheDir>/../deployments). */
  snapshotDir?: string;
  /** …how often its observation windows are sent to the control plane (default 1000 ms). */
  reportIntervalMs?: number;
  /** …how this process is named in its prediction-log segments and windows (default <host>/<pid>). */
  replica?: string;
  shadowBudget?: number;
  logSegmentRows?: number;
  logSegmentSeconds?: number;
  logQueueRows?: number;
  /** Longest a deployment may take to load the versions its snapshot names before opening fails (default 300 s). */
  openTimeoutMs?: number;
}

/**
 * The options `models serve` would use by default, for commands that score without serving: every CPU as a
 * Python worker, batches of up to 256 rows (a caller's frames larger than that run as one batch each).
 */
export function defaultScorerOptions(
  fields: Pick<LoadOptions, "logger"> & Partial<ScorerOptions>,
): ScorerOptions {
  const cacheRoot = path.resolve(
    process.env.FLOWGATE_CACHE_DIR ?? path.join(os.homedir(), ".cache", "flowgate"),
  );
  return {
    trackingUri: process.env.MLFLOW_TRACKING_URI,
    cacheDir: path.join(cacheRoot, "models"),
    runtime: "auto",
    python: process.env.FLOWGATE_PYTHON ?? "python3",
    workerPath: PYTHON_WORKER_PATH,
    workers: Math.max(1, os.availableParallelism()),
    workerWaitSeconds: 30,
    onnxThreads: 1,
    maxBatchSize: 256,
    maxBatchDelayMs: 2,
    maxQueue: 2048,
    ...fields,
  };
}

export async function openScorer(target: ScorerTarget, options: ScorerOptions): Promise<Scorer> {
  if (target.kind === "model") {
    const model = await loadHostedModel(target.modelUri, options, createServingMetrics());
    return modelScorer(model, undefined, options.logger);
  }
  const trackingUri = options.trackingUri;
  if (!trackingUri) {
    throw invalidParameter(
      `Scoring through deployment '${target.deployment}' needs the Flowgate server that holds it: pass --tracking-uri or set MLFLOW_TRACKING_URI.`,
    );
  }
  if (target.route === "primary") {
    const snapshot = await fetchRouting(trackingUri, target.deployment);
    const primary = primaryOf(snapshot);
    const model = await loadHostedModel(
      `models:/${snapshot.model}/${primary}`,
      options,
      createServingMetrics(),
    );
    return modelScorer(model, snapshot, options.logger);
  }
  return deploymentScorer(target.deployment, trackingUri, options);
}

/** One loaded version; a deployment's policy (its params or its decision) applies as serving applies it. */
function modelScorer(model: HostedModel, snapshot: RoutingSnapshot | undefined, log: Logger): Scorer {
  const policy = snapshot?.policy;
  const declared = model.meta.signature.params;
  return {
    name: model.name,
    version: model.version,
    meta: model.meta,
    slots: model.runtime.slots,
    async score(frame: Frame): Promise<PredictionResult> {
      const input: ModelInput = {
        kind: "frame",
        frame,
        params: policyParams(policy, declared, undefined),
      };
      const result = await refusalsAsResults(() => submitPrediction(model, input, log).result);
      if (!result.ok || !decidesInServing(policy, declared)) return result;
      return refusalsAsResults(async () => ({
        ok: true,
        predictions: applyDecision(result.predictions, policy),
      }));
    },
    close: () => model.runtime.close(),
  };
}

/** The deployment hosted in this process: every request routed by its current snapshot, as served ones are. */
async function deploymentScorer(
  deployment: string,
  trackingUri: string,
  options: ScorerOptions,
): Promise<Scorer> {
  const runtime = createDeploymentRuntime(
    {
      ...options,
      trackingUri,
      deployment,
      snapshotDir: options.snapshotDir ?? path.join(path.dirname(options.cacheDir), "deployments"),
      reportIntervalMs: options.reportIntervalMs ?? 1000,
      maxBodyBytes: 64 * 1024 * 1024,
    },
    createServingMetrics(),
  );
  if (options.replica !== undefined) runtime.setReplica(options.replica);
  const host = runtime.host;
  if (!(await runtime.start())) {
    const why = runtime.watch.status.lastError ?? "unknown";
    await runtime.stop();
    throw new FlowgateError(
      why.startsWith("HTTP 404") ? "RESOURCE_DOES_NOT_EXIST" : "TEMPORARILY_UNAVAILABLE",
      `Deployment '${deployment}': no routing snapshot from ${trackingUri} (${why}) and none cached.`,
    );
  }
  const timeoutMs = options.openTimeoutMs ?? 300_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const outcome = await Promise.race([host.serving.then(() => "serving" as const), timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    await runtime.stop();
    throw new FlowgateError(
      "TEMPORARILY_UNAVAILABLE",
      `Deployment '${deployment}' did not load its versions within ${timeoutMs / 1000} s: ${host.statusText()}.`,
    );
  }
  const snapshot = host.current() as RoutingSnapshot;
  const primary = runtime.models.find(snapshot.model, primaryOf(snapshot)) as HostedModel;
  return {
    name: primary.name,
    version: primary.version,
    meta: primary.meta,
    slots: primary.runtime.slots,
    async score(frame: Frame, requestId?: string): Promise<PredictionResult> {
      const id = requestId ?? randomUUID();
      const input: ModelInput = { kind: "frame", frame, params: undefined };
      return refusalsAsResults(async () => {
        const routed = host.route({
          id,
          headers: {},
          query: {},
          // A sticky JSON field is read from the first row, as from a dataframe_split body.
          json: () => ({
            dataframe_split: { columns: frame.columns, data: [frame.data.map((column) => column[0])] },
          }),
        });
        const { result, afterReply } = await host.score(routed, id, input, (s) => s.result, options.logger);
        afterReply?.();
        return result;
      });
    },
    close: () => runtime.stop(),
  };
}

/** A refusal thrown before the request reached the model (signature, routing) comes back as a result. */
async function refusalsAsResults(run: () => Promise<PredictionResult>): Promise<PredictionResult> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof FlowgateError) return { ok: false, error: err };
    throw err;
  }
}

function primaryOf(snapshot: RoutingSnapshot): string {
  const route = snapshot.routes.find((r) => r.role === "primary") ?? snapshot.routes[0];
  if (route === undefined) {
    throw new FlowgateError(
      "INVALID_STATE",
      `Deployment '${snapshot.deployment}' revision ${snapshot.revision} names no version to score with.`,
    );
  }
  return route.version;
}

/** The deployment's current routing snapshot, as the control plane answers serving (GET …/routing). */
async function fetchRouting(trackingUri: string, deployment: string): Promise<RoutingSnapshot> {
  const url = `${trackingUri.replace(/\/+$/, "")}/api/flowgate/v1/deployments/${encodeURIComponent(deployment)}/routing`;
  const authorization = trackingAuthorization();
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json", ...(authorization ? { authorization } : {}) },
    });
  } catch (err) {
    const cause = (err as Error).cause ? String((err as Error).cause) : (err as Error).message;
    throw new FlowgateError(
      "TEMPORARILY_UNAVAILABLE",
      `Could not reach ${trackingUri} for deployment '${deployment}': ${cause}`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let code: ErrorCode = response.status === 404 ? "RESOURCE_DOES_NOT_EXIST" : "INTERNAL_ERROR";
    let message = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { error_code?: ErrorCode; message?: string };
      code = body.error_code ?? code;
      message = body.message ?? message;
    } catch {
      /* not JSON: the text says it */
    }
    throw new FlowgateError(code, `Deployment '${deployment}' on ${trackingUri}: ${message}`);
  }
  return JSON.parse(text) as RoutingSnapshot;
}
