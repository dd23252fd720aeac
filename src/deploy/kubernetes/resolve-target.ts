// What `deploy k8s|kserve` and `batch k8s-job` serve, resolved from what the user named: a model URI (through the
// model cache, as `models serve` resolves it) or a Flowgate deployment (its current revision, from the server).
// The model kind decides resources and runtime: `auto` is ONNX when the model has an onnx flavor, else Python.
import os from "node:os";
import path from "node:path";
import { invalidParameter } from "../../core/errors.js";
import { createLogger } from "../../core/logger.js";
import { createDeploymentsClient } from "../../sdk/deployments-client.js";
import { resolveModel } from "../../serving/model-cache.js";
import { readModelMetadata } from "../../serving/model-metadata.js";
import { trackingAuthorization } from "../../serving/model-loading.js";
import type { ModelKind, ServedDeployment, ServedModel } from "./serving-target.js";

export interface ResolveOptions {
  trackingUri?: string;
  /** auto | onnx | python */
  runtime: string;
  cacheDir?: string;
}

function trackingUriOf(options: ResolveOptions): string | undefined {
  return options.trackingUri ?? process.env.MLFLOW_TRACKING_URI;
}

function kindChoice(runtime: string): ModelKind | "auto" {
  if (runtime === "auto" || runtime === "onnx" || runtime === "python") return runtime;
  throw invalidParameter(`--runtime must be auto, onnx or python, not '${runtime}'.`);
}

export async function resolveServedModel(uri: string, options: ResolveOptions): Promise<ServedModel> {
  const choice = kindChoice(options.runtime);
  const cacheRoot = path.resolve(
    options.cacheDir ?? process.env.FLOWGATE_CACHE_DIR ?? path.join(os.homedir(), ".cache", "flowgate"),
  );
  const resolved = await resolveModel(uri, {
    cacheDir: path.join(cacheRoot, "models"),
    trackingUri: trackingUriOf(options),
    logger: createLogger({ name: "flowgate-deploy", level: "warn" }),
    authorization: trackingAuthorization(),
  });
  let kind: ModelKind;
  if (choice === "auto") {
    const meta = await readModelMetadata(resolved.dir);
    kind = meta.flavors.onnx !== undefined ? "onnx" : "python";
  } else {
    kind = choice;
  }
  return { name: resolved.name, version: resolved.version, kind, uri };
}

export async function resolveServedDeployment(
  name: string,
  options: ResolveOptions,
): Promise<ServedDeployment> {
  const trackingUri = trackingUriOf(options);
  if (trackingUri === undefined || !/^https?:\/\//.test(trackingUri)) {
    throw invalidParameter(
      "--deployment needs the Flowgate server that holds it: pass --tracking-uri http(s)://… or set MLFLOW_TRACKING_URI.",
    );
  }
  const view = await createDeploymentsClient({
    trackingUri,
    token: process.env.MLFLOW_TRACKING_TOKEN,
    username: process.env.MLFLOW_TRACKING_USERNAME,
    password: process.env.MLFLOW_TRACKING_PASSWORD,
  }).get(name);
  const choice = kindChoice(options.runtime);
  const kind =
    choice === "auto"
      ? (await resolveServedModel(`models:/${view.model}/${view.spec.primary}`, { ...options, trackingUri }))
          .kind
      : choice;
  return { name: view.name, model: view.model, kind, spec: view.spec, snapshot: view.routing, trackingUri };
}
