// `flowgate deploy k8s`: the objects that serve one model version or one Flowgate deployment on Kubernetes —
// Deployment (or, with Argo, a Rollout and its AnalysisTemplates), Service, Ingress, HPA, PodDisruptionBudget,
// and for a deployment a ConfigMap with the pinned revision's routing snapshot. Pure: target and options in,
// objects out; writing and applying them are elsewhere.
import type { Manifest } from "../validate/manifest.js";
import { argoObjects } from "./argo-rollout.js";
import { FLOWGATE_COMMAND, podTemplate, SERVING_PORT, type ServingRun } from "./pod-template.js";
import type { ServingTarget } from "./serving-target.js";
import { targetIdentity, type KubernetesOptions, type TargetIdentity } from "./target-identity.js";

export interface RenderedManifests {
  objects: Manifest[];
  /** What did not map onto the target (printed by the CLI), e.g. a shadow under Argo. */
  notes: string[];
}

/**
 * What the serving container runs. A model image serves its baked-in model with the image contract's `serve`;
 * a deployment's pods run `flowgate models serve --deployment`, which routes canary, shadow and A/B traffic
 * itself (no service mesh needed).
 */
export function servingRun(target: ServingTarget, app: string): ServingRun {
  if ("model" in target) return { args: ["serve"], modelCache: false };
  const d = target.deployment;
  return {
    trackingUri: d.trackingUri,
    routingConfigMap: `${app}-routing`,
    modelCache: true,
    command: FLOWGATE_COMMAND,
    args: [
      "models",
      "serve",
      "--deployment",
      d.name,
      "--host",
      "0.0.0.0",
      "--port",
      String(SERVING_PORT),
      "--runtime",
      d.kind,
    ],
  };
}

function meta(id: TargetIdentity, name: string, namespace: string | undefined): Manifest["metadata"] {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    labels: id.labels,
    annotations: id.annotations,
  };
}

export function renderKubernetes(target: ServingTarget, options: KubernetesOptions = {}): RenderedManifests {
  const id = targetIdentity(target, options);
  const ns = options.namespace;
  const minReplicas = options.minReplicas ?? 2;
  const maxReplicas = Math.max(options.maxReplicas ?? 10, minReplicas);
  const replicas = options.replicas ?? minReplicas;
  const notes: string[] = [];
  const objects: Manifest[] = [];

  if ("deployment" in target && options.argo === undefined) {
    const d = target.deployment;
    objects.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(id, `${id.app}-routing`, ns),
      // The pinned revision's routing snapshot, where serving looks for its cached copy: a pod starting while the
      // server is down serves this. Rolling back without the server is `kubectl patch configmap` + a restart.
      data: { [`${encodeURIComponent(d.name)}.json`]: `${JSON.stringify(d.snapshot, null, 2)}\n` },
    });
  }

  let scaleTarget: { apiVersion: string; kind: string; name: string };
  if (options.argo !== undefined) {
    const argo = argoObjects(target, id, options, replicas);
    objects.push(...argo.objects);
    notes.push(...argo.notes);
    scaleTarget = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: id.app };
  } else {
    objects.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(id, id.app, ns),
      spec: {
        replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: id.selector },
        // Never below the serving capacity during a rollout: a new pod is ready before an old one goes.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
        template: podTemplate(id, options, servingRun(target, id.app)),
      },
    });
    scaleTarget = { apiVersion: "apps/v1", kind: "Deployment", name: id.app };
  }

  objects.push({
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(id, id.app, ns),
    spec: {
      type: "ClusterIP",
      selector: id.selector,
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
    },
  });

  const bodyMiB = Math.ceil((options.maxBodyBytes ?? 64 * 1024 * 1024) / (1024 * 1024));
  objects.push({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      ...meta(id, id.app, ns),
      annotations: {
        ...id.annotations,
        // ingress-nginx refuses bodies over 1 MiB by default; a batch of rows is often larger.
        "nginx.ingress.kubernetes.io/proxy-body-size": `${bodyMiB}m`,
        "nginx.ingress.kubernetes.io/proxy-read-timeout": "60",
      },
    },
    spec: {
      ...(options.ingressClass !== undefined ? { ingressClassName: options.ingressClass } : {}),
      rules: [
        {
          ...(options.ingressHost !== undefined ? { host: options.ingressHost } : {}),
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: id.app, port: { name: "http" } } },
              },
            ],
          },
        },
      ],
    },
  });

  objects.push({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: meta(id, id.app, ns),
    spec: {
      scaleTargetRef: scaleTarget,
      minReplicas,
      maxReplicas,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
      ],
      // Up fast (a traffic spike doubles the pods every 15 s), down slowly (5 minutes of lower load, then at most
      // 10% a minute) so a dip between bursts does not drop warm replicas.
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: "Max",
          policies: [
            { type: "Percent", value: 100, periodSeconds: 15 },
            { type: "Pods", value: 4, periodSeconds: 15 },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          selectPolicy: "Min",
          policies: [{ type: "Percent", value: 10, periodSeconds: 60 }],
        },
      },
    },
  });

  objects.push({
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: meta(id, id.app, ns),
    spec: { maxUnavailable: 1, selector: { matchLabels: id.selector } },
  });
  return { objects, notes };
}
