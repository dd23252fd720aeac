// `flowgate deploy kserve`: a KServe InferenceService (serving.kserve.io/v1beta1) that serves the model with
// KServe's MLflow runtime over the Open Inference Protocol (v2), with either canary form KServe has:
// `canaryTrafficPercent` on the predictor (Knative / serverless mode: KServe keeps the previous revision and
// splits traffic), or `spec.canary[]` (Standard / raw-deployment mode, KServe ≥ 0.20: the canary predictor is
// spelt out beside the main one).
import { invalidParameter } from "../../core/errors.js";
import type { Manifest } from "../validate/manifest.js";
import { appName } from "./k8s-names.js";
import { resourcesFor } from "./pod-template.js";
import type { ModelKind } from "./serving-target.js";

export interface KServeModel {
  name: string;
  version: string;
  kind: ModelKind;
  /** Where KServe's storage initializer fetches the model directory (s3://, gs://, pvc://, https://…). */
  storageUri: string;
}

export interface KServeOptions {
  namespace?: string;
  /** Knative (serverless, default) or Standard (raw Deployment) mode. */
  mode?: "knative" | "standard";
  minReplicas?: number;
  maxReplicas?: number;
  /** What the autoscaler scales on, and its target per replica. */
  scaleMetric?: "cpu" | "memory" | "concurrency" | "rps";
  scaleTarget?: number;
  cpu?: string;
  memory?: string;
  /** The canary: this version gets `percent` of traffic. */
  canary?: { model: KServeModel; percent: number };
}

function predictor(model: KServeModel, options: KServeOptions): Record<string, unknown> {
  const metric = options.scaleMetric ?? (options.mode === "standard" ? "cpu" : "concurrency");
  return {
    minReplicas: options.minReplicas ?? 1,
    maxReplicas: Math.max(options.maxReplicas ?? 5, options.minReplicas ?? 1),
    scaleMetric: metric,
    scaleTarget: options.scaleTarget ?? (metric === "cpu" || metric === "memory" ? 70 : 10),
    model: {
      // KServe's default container name; a canary predictor's model must name its container.
      name: "kserve-container",
      modelFormat: { name: "mlflow" },
      protocolVersion: "v2",
      storageUri: model.storageUri,
      resources: resourcesFor(model.kind, options.cpu, options.memory),
    },
  };
}

function deploymentMode(mode: "knative" | "standard"): string {
  // KServe ≥ 0.15 spells raw deployment "Standard"; older controllers read "RawDeployment".
  return mode === "standard" ? "Standard" : "Serverless";
}

export function renderInferenceService(model: KServeModel, options: KServeOptions = {}): Manifest {
  const mode = options.mode ?? "knative";
  const canary = options.canary;
  if (
    canary !== undefined &&
    (!Number.isInteger(canary.percent) || canary.percent < 0 || canary.percent > 100)
  ) {
    throw invalidParameter(`--canary-percent must be an integer from 0 to 100, not '${canary.percent}'.`);
  }
  const name = appName(model.name);
  const spec: Record<string, unknown> = {};
  if (canary === undefined) {
    spec.predictor = predictor(model, options);
  } else if (mode === "knative") {
    // Knative keeps the previously ready revision: apply the canary version as the predictor, and the percent
    // is what the new revision gets; the rest stays on the revision that served before.
    spec.predictor = { ...predictor(canary.model, options), canaryTrafficPercent: canary.percent };
  } else {
    spec.predictor = predictor(model, options);
    spec.canary = [{ trafficPercent: canary.percent, predictor: predictor(canary.model, options) }];
  }
  return {
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: {
      name,
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "flowgate" },
      annotations: {
        "serving.kserve.io/deploymentMode": deploymentMode(mode),
        "flowgate.dev/model": model.name,
        "flowgate.dev/model-version": model.version,
        ...(canary !== undefined ? { "flowgate.dev/canary-version": canary.model.version } : {}),
      },
    },
    spec,
  };
}
