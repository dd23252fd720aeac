// `deploy k8s --argo`: an Argo Rollouts `Rollout` + `AnalysisTemplate`s in place of the Deployment, for teams
// whose rollouts Argo drives. The Flowgate spec already uses Argo's names, so a canary's steps and analysis map
// one to one; the pods then serve one version each (Argo splits traffic by replica count) and what needs
// Flowgate's router — shadow traffic, sticky A/B, policy values, the preview header — is reported as not mapped.
import { FlowgateError } from "../../core/errors.js";
import type {
  AnalysisTemplate,
  CanaryStep,
  DeploymentSpec,
  Duration,
  MetricProvider,
} from "../../delivery/deployment.js";
import type { Manifest } from "../validate/manifest.js";
import { dnsLabel } from "./k8s-names.js";
import { FLOWGATE_COMMAND, podTemplate, SERVING_PORT, type ServingRun } from "./pod-template.js";
import type { KubernetesOptions, TargetIdentity } from "./target-identity.js";
import type { ServingTarget } from "./serving-target.js";

/** The ramp a Rollout gets when the Flowgate side names none (a plain model version, or no strategy). */
const DEFAULT_STEPS = [
  { setWeight: 20 },
  { pause: { duration: "5m" } },
  { setWeight: 50 },
  { pause: { duration: "5m" } },
];

function duration(d: Duration): string {
  return typeof d === "number" ? `${d}s` : d;
}

function templateName(app: string, template: string): string {
  return `${app}-${dnsLabel(template, 63 - app.length - 1)}`;
}

/** Serving metrics as PromQL over the pods' /metrics (each series carries model and version labels). */
function servingQuery(metric: string, model: string, version: string, window: string): string | undefined {
  const sel = `model="${model.replace(/["\\]/g, "\\$&")}",version="${version}"`;
  const rate = (extra: string): string =>
    `sum(rate(flowgate_serving_requests_total{${sel}${extra}}[${window}]))`;
  const quantile = (q: number): string =>
    `1000 * histogram_quantile(${q}, sum by (le) (rate(flowgate_serving_request_duration_seconds_bucket{${sel}}[${window}])))`;
  switch (metric) {
    case "error_rate":
      return `scalar(${rate(',status=~"5.."')} / ${rate("")})`;
    case "request_rate":
      return `scalar(${rate("")})`;
    case "p99_latency_ms":
      return `scalar(${quantile(0.99)})`;
    case "p50_latency_ms":
      return `scalar(${quantile(0.5)})`;
    default:
      return undefined;
  }
}

interface Versions {
  model: string;
  canary: string;
  primary: string;
}

function provider(
  t: AnalysisTemplate,
  v: Versions,
  prometheusAddress: string | undefined,
): Record<string, unknown> | string {
  const p: MetricProvider = t.provider;
  const substitute = (text: string): string =>
    text
      .replaceAll("{{canary}}", v.canary)
      .replaceAll("{{primary}}", v.primary)
      .replaceAll("{{model}}", v.model)
      .replaceAll("{{deployment}}", v.model);
  if ("prometheus" in p) {
    return {
      prometheus: {
        address: p.prometheus.address,
        query: substitute(p.prometheus.query),
        ...(p.prometheus.timeoutSeconds !== undefined ? { timeout: p.prometheus.timeoutSeconds } : {}),
      },
    };
  }
  if ("web" in p) {
    return {
      web: {
        url: substitute(p.web.url),
        ...(p.web.jsonPath !== undefined ? { jsonPath: p.web.jsonPath } : {}),
        ...(p.web.timeoutSeconds !== undefined ? { timeoutSeconds: p.web.timeoutSeconds } : {}),
        ...(p.web.headers !== undefined
          ? { headers: Object.entries(p.web.headers).map(([key, value]) => ({ key, value })) }
          : {}),
      },
    };
  }
  const version = p.serving.of === "primary" ? v.primary : v.canary;
  const query = servingQuery(p.serving.metric, v.model, version, duration(t.interval ?? "30s"));
  if (query === undefined) return `${p.serving.metric} is measured by Flowgate's router (shadow traffic)`;
  if (prometheusAddress === undefined) return "it reads serving metrics: pass --prometheus-url";
  return { prometheus: { address: prometheusAddress, query } };
}

function analysisTemplate(
  id: TargetIdentity,
  t: AnalysisTemplate,
  v: Versions,
  options: KubernetesOptions,
): Manifest {
  const p = provider(t, v, options.argo?.prometheusAddress);
  if (typeof p === "string") {
    throw new FlowgateError(
      "INVALID_PARAMETER_VALUE",
      `Analysis template '${t.name}' cannot run under Argo: ${p}. Deploy without --argo to keep Flowgate's analysis.`,
    );
  }
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: {
      name: templateName(id.app, t.name),
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      labels: id.labels,
      annotations: { "flowgate.dev/analysis-template": t.name },
    },
    spec: {
      metrics: [
        {
          name: dnsLabel(t.name),
          interval: duration(t.interval ?? "30s"),
          ...(t.count !== undefined ? { count: t.count } : {}),
          ...(t.successCondition !== undefined ? { successCondition: t.successCondition } : {}),
          ...(t.failureCondition !== undefined ? { failureCondition: t.failureCondition } : {}),
          ...(t.failureLimit !== undefined ? { failureLimit: t.failureLimit } : {}),
          ...(t.inconclusiveLimit !== undefined ? { inconclusiveLimit: t.inconclusiveLimit } : {}),
          ...(t.consecutiveErrorLimit !== undefined
            ? { consecutiveErrorLimit: t.consecutiveErrorLimit }
            : {}),
          provider: p,
        },
      ],
    },
  };
}

function argoStep(app: string, step: CanaryStep): Record<string, unknown> {
  if ("setWeight" in step) return { setWeight: step.setWeight };
  if ("pause" in step)
    return { pause: step.pause.duration !== undefined ? { duration: duration(step.pause.duration) } : {} };
  return {
    analysis: { templates: step.analysis.templates.map((t) => ({ templateName: templateName(app, t) })) },
  };
}

/** The version the Rollout's pods serve and the strategy, from a Flowgate spec (or the default ramp). */
function strategyOf(
  id: TargetIdentity,
  spec: DeploymentSpec | undefined,
  notes: string[],
): { version?: string; strategy: Record<string, unknown>; templates: Set<string> } {
  const templates = new Set<string>();
  const s = spec?.strategy;
  if (s === undefined) {
    notes.push("No canary strategy to map: the Rollout uses a default ramp (20%, 5m, 50%, 5m, 100%).");
    return { strategy: { canary: { maxSurge: "25%", maxUnavailable: 0, steps: DEFAULT_STEPS } }, templates };
  }
  if ("abTest" in s) {
    throw new FlowgateError(
      "INVALID_PARAMETER_VALUE",
      "An A/B test (sticky split by a request key) needs Flowgate's router; Argo cannot express it. Deploy without --argo.",
    );
  }
  if ("blueGreen" in s) {
    const b = s.blueGreen;
    if (b.previewHeader !== undefined)
      notes.push(
        `The preview header '${b.previewHeader}' is not mapped: Argo previews through the ${id.app}-preview Service.`,
      );
    return {
      version: b.previewVersion,
      templates,
      strategy: {
        blueGreen: {
          activeService: id.app,
          previewService: `${id.app}-preview`,
          autoPromotionEnabled: b.autoPromotion ?? false,
          ...(b.autoPromotionSeconds !== undefined ? { autoPromotionSeconds: b.autoPromotionSeconds } : {}),
          scaleDownDelaySeconds: b.scaleDownDelaySeconds ?? 30,
        },
      },
    };
  }
  const c = s.canary;
  for (const step of c.steps)
    if ("analysis" in step) step.analysis.templates.forEach((t) => templates.add(t));
  c.analysis?.templates.forEach((t) => templates.add(t));
  if (c.maxWeight !== undefined && c.maxWeight < 100)
    notes.push(`maxWeight ${c.maxWeight} is not mapped: Argo goes to 100% after the last step.`);
  if (c.promoteAlias !== undefined)
    notes.push(`promoteAlias '${c.promoteAlias}' is not mapped: move the alias after Argo promotes.`);
  return {
    version: c.version,
    templates,
    strategy: {
      canary: {
        maxSurge: "25%",
        maxUnavailable: 0,
        steps: c.steps.map((step) => argoStep(id.app, step)),
        ...(c.analysis !== undefined
          ? {
              analysis: {
                templates: c.analysis.templates.map((t) => ({ templateName: templateName(id.app, t) })),
                ...(c.analysis.startingStep !== undefined ? { startingStep: c.analysis.startingStep } : {}),
              },
            }
          : {}),
      },
    },
  };
}

export function argoObjects(
  target: ServingTarget,
  id: TargetIdentity,
  options: KubernetesOptions,
  replicas: number,
): { objects: Manifest[]; notes: string[] } {
  const notes: string[] = [];
  const spec = "deployment" in target ? target.deployment.spec : undefined;
  const { version, strategy, templates } = strategyOf(id, spec, notes);
  let run: ServingRun;
  let versions: Versions;
  if ("deployment" in target) {
    const d = target.deployment;
    if (d.spec.shadow !== undefined)
      notes.push("The shadow version is not mapped: mirroring needs Flowgate's router or a mesh.");
    if (d.spec.policy !== undefined)
      notes.push(
        "Policy values are not applied: they reach serving through the deployment's routing snapshot.",
      );
    const served = version ?? d.spec.primary;
    versions = { model: d.model, canary: served, primary: d.spec.primary };
    // Each pod serves one version; Argo's stable and canary ReplicaSets differ only in it.
    run = {
      trackingUri: d.trackingUri,
      modelCache: true,
      command: FLOWGATE_COMMAND,
      args: [
        "models",
        "serve",
        "-m",
        `models:/${d.model}/${served}`,
        "--host",
        "0.0.0.0",
        "--port",
        String(SERVING_PORT),
        "--runtime",
        d.kind,
      ],
    };
  } else {
    versions = { model: target.model.name, canary: target.model.version, primary: target.model.version };
    run = { args: ["serve"], modelCache: false };
  }
  const meta = {
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    labels: id.labels,
    annotations: id.annotations,
  };
  const objects: Manifest[] = [
    {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: id.app, ...meta },
      spec: {
        replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: id.selector },
        template: podTemplate(id, options, run),
        strategy,
      },
    },
  ];
  if ("blueGreen" in strategy) {
    objects.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `${id.app}-preview`, ...meta },
      spec: {
        type: "ClusterIP",
        selector: id.selector,
        ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
      },
    });
  }
  for (const name of templates) {
    const t = spec?.analysisTemplates?.find((a) => a.name === name);
    if (t === undefined)
      throw new FlowgateError(
        "INVALID_PARAMETER_VALUE",
        `Analysis template '${name}' is not defined in the spec.`,
      );
    objects.push(analysisTemplate(id, t, versions, options));
  }
  return { objects, notes };
}
