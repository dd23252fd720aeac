// Who a Kubernetes target is: its app name, labels, annotations, image and model kind, and the options every
// Kubernetes renderer takes.
import { FLOWGATE_VERSION } from "../../core/version.js";
import { appName, defaultModelImage } from "./k8s-names.js";
import type { ModelKind, ServingTarget } from "./serving-target.js";

export interface KubernetesOptions {
  namespace?: string;
  /** The serving image (default: <model>:<version> for a model, flowgate:<version> for a deployment). */
  image?: string;
  /** Initial replicas (default: minReplicas). */
  replicas?: number;
  /** CPU and memory, request and limit alike (default by model kind). */
  cpu?: string;
  memory?: string;
  /** HPA bounds (defaults 2 and 10). */
  minReplicas?: number;
  maxReplicas?: number;
  /** Ingress host (absent: a rule for any host). */
  ingressHost?: string;
  ingressClass?: string;
  /** Largest request body the Ingress lets through (default 64 MiB, serving's own limit). */
  maxBodyBytes?: number;
  /** Secret with key `token` holding MLFLOW_TRACKING_TOKEN, for pods following a deployment on a server with auth. */
  tokenSecret?: string;
  /** Emit an Argo Rollout + AnalysisTemplates instead of the Deployment. */
  argo?: { prometheusAddress?: string };
}

/** Names, labels and the serving command of a target. */
export interface TargetIdentity {
  app: string;
  kind: ModelKind;
  image: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  annotations: Record<string, string>;
}

export function targetIdentity(target: ServingTarget, options: { image?: string }): TargetIdentity {
  const name = "model" in target ? target.model.name : target.deployment.name;
  const app = appName(name);
  const selector = { "app.kubernetes.io/name": app, "app.kubernetes.io/component": "serving" };
  if ("model" in target) {
    const m = target.model;
    return {
      app,
      kind: m.kind,
      image: options.image ?? defaultModelImage(m.name, m.version),
      selector,
      labels: {
        ...selector,
        "app.kubernetes.io/managed-by": "flowgate",
        "app.kubernetes.io/part-of": "flowgate",
      },
      annotations: {
        "flowgate.dev/model": m.name,
        "flowgate.dev/model-version": m.version,
        "flowgate.dev/model-uri": m.uri,
        "flowgate.dev/runtime": m.kind,
      },
    };
  }
  const d = target.deployment;
  return {
    app,
    kind: d.kind,
    image: options.image ?? `flowgate:${FLOWGATE_VERSION}`,
    selector,
    labels: {
      ...selector,
      "app.kubernetes.io/managed-by": "flowgate",
      "app.kubernetes.io/part-of": "flowgate",
    },
    annotations: {
      "flowgate.dev/deployment": d.name,
      "flowgate.dev/model": d.model,
      "flowgate.dev/revision": String(d.snapshot.revision),
      "flowgate.dev/runtime": d.kind,
    },
  };
}
