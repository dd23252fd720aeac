// The pod every Kubernetes target runs (Deployment, Argo Rollout, batch Job): the serving image's contract
// (port 8080, /health, non-root), locked down — read-only root file system, no privilege escalation, every
// capability dropped, no service-account token — with emptyDirs for the only paths Flowgate writes: /tmp and
// the model cache.
import { IMAGE_PATHS, IMAGE_USER } from "../image/dockerfile.js";
import type { ModelKind } from "./serving-target.js";
import type { KubernetesOptions, TargetIdentity } from "./target-identity.js";

export const SERVING_PORT = 8080;
export const CACHE_DIR = "/var/cache/flowgate";
/** Where `models serve --deployment` keeps <deployment>.json (FLOWGATE_CACHE_DIR/deployments). */
export const SNAPSHOT_DIR = `${CACHE_DIR}/deployments`;
/**
 * The Flowgate CLI in a Flowgate image (the layout `models generate-dockerfile` writes), for pods that run a
 * command other than the image's `serve`.
 */
export const FLOWGATE_COMMAND = ["node", IMAGE_PATHS.cli];
/** The unprivileged user the image runs as (uid and gid), as its Dockerfile sets it. */
export const SERVING_UID = Number(IMAGE_USER.split(":")[0]);

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/**
 * What a model of each kind needs by default: ONNX runs in-process in a few hundred MiB; a Python model runs a
 * worker pool (two interpreters with the model's libraries) and needs several times that.
 */
export function defaultResources(kind: ModelKind): Resources {
  return kind === "onnx"
    ? { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } }
    : { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } };
}

/** --cpu / --memory set request and limit alike (memory beyond the request is what gets a pod OOM-killed). */
export function resourcesFor(kind: ModelKind, cpu?: string, memory?: string): Resources {
  const r = defaultResources(kind);
  return {
    requests: { cpu: cpu ?? r.requests.cpu, memory: memory ?? r.requests.memory },
    limits: { cpu: cpu ?? r.limits.cpu, memory: memory ?? r.limits.memory },
  };
}

/** How long a pod may take to load its model before the kubelet gives up (Python imports and warms up workers). */
function startupFailures(kind: ModelKind): number {
  return kind === "onnx" ? 24 : 60;
}

export interface ContainerOptions {
  image: string;
  kind: ModelKind;
  resources: Resources;
  command?: string[];
  args: string[];
  env?: Record<string, unknown>[];
  /** Extra volume mounts (the routing ConfigMap). */
  mounts?: Record<string, unknown>[];
  /** Serve probes on /health (a batch Job's pods serve nothing). */
  probes: boolean;
  /** Mount a writable model cache (pods that download models). */
  modelCache: boolean;
}

export function containerSecurity(): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
  };
}

export function podSecurity(): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: SERVING_UID,
    runAsGroup: SERVING_UID,
    fsGroup: SERVING_UID,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * The writable paths: /tmp, and for pods that download models (a deployment's, a batch job's) the model cache.
 * A model image keeps its own read-only cache (the checked ONNX conversion `generate-dockerfile` put there).
 */
export function scratchVolumes(
  kind: ModelKind,
  modelCache: boolean,
): { volumes: Record<string, unknown>[]; mounts: Record<string, unknown>[] } {
  return {
    volumes: [
      { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
      ...(modelCache
        ? [{ name: "model-cache", emptyDir: { sizeLimit: kind === "onnx" ? "2Gi" : "10Gi" } }]
        : []),
    ],
    mounts: [
      { name: "tmp", mountPath: "/tmp" },
      ...(modelCache ? [{ name: "model-cache", mountPath: CACHE_DIR }] : []),
    ],
  };
}

export function baseEnv(modelCache: boolean): Record<string, unknown>[] {
  return [
    ...(modelCache ? [{ name: "FLOWGATE_CACHE_DIR", value: CACHE_DIR }] : []),
    // Python writes bytecode and library caches under the root and $HOME otherwise, which are read-only.
    { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
    { name: "HOME", value: "/tmp" },
  ];
}

export function servingContainer(options: ContainerOptions): Record<string, unknown> {
  const probe = (extra: Record<string, unknown>): Record<string, unknown> => ({
    httpGet: { path: "/health", port: "http" },
    timeoutSeconds: 2,
    ...extra,
  });
  const { mounts } = scratchVolumes(options.kind, options.modelCache);
  return {
    name: "serving",
    image: options.image,
    imagePullPolicy: "IfNotPresent",
    ...(options.command !== undefined ? { command: options.command } : {}),
    args: options.args,
    ...(options.probes ? { ports: [{ name: "http", containerPort: SERVING_PORT, protocol: "TCP" }] } : {}),
    env: [...baseEnv(options.modelCache), ...(options.env ?? [])],
    resources: options.resources,
    ...(options.probes
      ? {
          // Startup gates the other two until the model is loaded: a slow load is not a dead process.
          startupProbe: probe({ periodSeconds: 5, failureThreshold: startupFailures(options.kind) }),
          readinessProbe: probe({ periodSeconds: 5, failureThreshold: 2 }),
          livenessProbe: probe({ periodSeconds: 10, failureThreshold: 6 }),
        }
      : {}),
    securityContext: containerSecurity(),
    volumeMounts: [...mounts, ...(options.mounts ?? [])],
  };
}

/** What the serving container runs, and what it needs for it. */
export interface ServingRun {
  command?: string[];
  args: string[];
  /** The Flowgate server the pods resolve models from or follow a deployment on. */
  trackingUri?: string;
  /** The ConfigMap holding the routing snapshot, mounted where serving keeps its cached copy. */
  routingConfigMap?: string;
  /** The pods download models into a writable cache (a model image serves the model baked into it). */
  modelCache: boolean;
}

/** The serving pod template. */
export function podTemplate(
  id: TargetIdentity,
  options: KubernetesOptions,
  run: ServingRun,
): Record<string, unknown> {
  const resources = resourcesFor(id.kind, options.cpu, options.memory);
  const { volumes } = scratchVolumes(id.kind, run.modelCache);
  const env: Record<string, unknown>[] = [];
  if (run.trackingUri !== undefined) {
    env.push({ name: "MLFLOW_TRACKING_URI", value: run.trackingUri });
    if (options.tokenSecret !== undefined) {
      env.push({
        name: "MLFLOW_TRACKING_TOKEN",
        valueFrom: { secretKeyRef: { name: options.tokenSecret, key: "token" } },
      });
    }
  }
  return {
    metadata: { labels: id.labels, annotations: { "flowgate.dev/runtime": id.kind } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: podSecurity(),
      terminationGracePeriodSeconds: 30,
      topologySpreadConstraints: ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map(
        (topologyKey) => ({
          maxSkew: 1,
          topologyKey,
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: id.selector },
        }),
      ),
      containers: [
        servingContainer({
          image: id.image,
          kind: id.kind,
          resources,
          ...(run.command !== undefined ? { command: run.command } : {}),
          args: run.args,
          env,
          probes: true,
          modelCache: run.modelCache,
          ...(run.routingConfigMap !== undefined
            ? { mounts: [{ name: "routing", mountPath: SNAPSHOT_DIR, readOnly: true }] }
            : {}),
        }),
      ],
      volumes: [
        ...volumes,
        ...(run.routingConfigMap !== undefined
          ? [{ name: "routing", configMap: { name: run.routingConfigMap } }]
          : []),
      ],
    },
  };
}
