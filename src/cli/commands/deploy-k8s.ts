// `flowgate deploy k8s` and `flowgate deploy kserve`: manifests for a model version or a Flowgate deployment,
// validated before they are written (and, with --apply, server-side applied). Registers both under `deploy`.
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import { renderInferenceService, type KServeModel } from "../../deploy/kubernetes/kserve.js";
import { writeManifests } from "../../deploy/kubernetes/manifest-files.js";
import { resolveServedDeployment, resolveServedModel } from "../../deploy/kubernetes/resolve-target.js";
import { renderKubernetes } from "../../deploy/kubernetes/serving-manifests.js";
import type { ServingTarget } from "../../deploy/kubernetes/serving-target.js";
import type { validateManifests } from "../../deploy/validate/validate-manifests.js";

/**
 * Custom kinds are checked against the CRD schemas when this installation has them (a source checkout beside
 * ../shared/schemas, or FLOWGATE_CRD_SCHEMAS); core kinds always are.
 */
async function validateGenerated(objects: Parameters<typeof validateManifests>[0]): Promise<void> {
  // Loaded here, not at the top: the Kubernetes models and client take ~1.5 s to import, which every other
  // `flowgate` command (server, models serve) would otherwise pay at start.
  const { CrdSchemas } = await import("../../deploy/validate/crd-schemas.js");
  const { validateManifests } = await import("../../deploy/validate/validate-manifests.js");
  const crds = objects.some((o) => CrdSchemas.knows(o)) ? CrdSchemas.ifPresent() : undefined;
  if (crds === null) {
    process.stderr.write(
      "flowgate: note: no CRD schemas here (FLOWGATE_CRD_SCHEMAS): custom kinds were not schema-checked\n",
    );
  }
  await validateManifests(objects, { crds: crds ?? null });
}

interface TargetFlags {
  modelUri?: string;
  deployment?: string;
  output: string;
  namespace?: string;
  runtime: string;
  trackingUri?: string;
  podTrackingUri?: string;
  cacheDir?: string;
  json?: boolean;
}

interface K8sFlags extends TargetFlags {
  apply?: boolean;
  dryRun?: string;
  kubeconfig?: string;
  image?: string;
  replicas?: string;
  cpu?: string;
  memory?: string;
  minReplicas?: string;
  maxReplicas?: string;
  ingressHost?: string;
  ingressClass?: string;
  tokenSecret?: string;
  argo?: boolean;
  prometheusUrl?: string;
}

interface KServeFlags extends TargetFlags {
  storageUri: string;
  canaryPercent?: string;
  primaryStorageUri?: string;
  mode: string;
  minReplicas?: string;
  maxReplicas?: string;
  scaleMetric?: string;
  scaleTarget?: string;
  cpu?: string;
  memory?: string;
}

function count(raw: string | undefined, flag: string, min = 1): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min)
    throw invalidParameter(`${flag} must be an integer ≥ ${min}, not '${raw}'.`);
  return Number(raw);
}

function targetOptions(cmd: Command): Command {
  return cmd
    .option(
      "-m, --model-uri <uri>",
      "models:/<name>/<version>, models:/<name>@<alias>, runs:/… or a model directory",
    )
    .option(
      "--deployment <name>",
      "a Flowgate deployment: pods run `models serve --deployment` (canary, shadow, A/B)",
    )
    .requiredOption("-o, --output <dir>", "directory the manifests are written to (one YAML file per object)")
    .option("-n, --namespace <ns>", "namespace written into every object")
    .option(
      "--runtime <runtime>",
      "auto (ONNX if the model has an onnx flavor) | onnx | python: sets resources",
      "auto",
    )
    .option(
      "--tracking-uri <url>",
      "server resolving the model or holding the deployment (default MLFLOW_TRACKING_URI)",
    )
    .option("--pod-tracking-uri <url>", "the server's URL as the pods reach it (default --tracking-uri)")
    .option(
      "--cache-dir <dir>",
      "model cache root, as for models serve (default FLOWGATE_CACHE_DIR or ~/.cache/flowgate)",
    )
    .option("--json", "print what was written as JSON");
}

async function resolveTarget(flags: TargetFlags): Promise<ServingTarget> {
  if ((flags.modelUri === undefined) === (flags.deployment === undefined)) {
    throw invalidParameter("Pass either -m/--model-uri <uri> or --deployment <name>, not both.");
  }
  const options = {
    runtime: flags.runtime,
    ...(flags.trackingUri !== undefined ? { trackingUri: flags.trackingUri } : {}),
    ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
  };
  if (flags.modelUri !== undefined) return { model: await resolveServedModel(flags.modelUri, options) };
  const deployment = await resolveServedDeployment(flags.deployment as string, options);
  if (flags.podTrackingUri !== undefined) deployment.trackingUri = flags.podTrackingUri;
  return { deployment };
}

function report(flags: TargetFlags, result: Record<string, unknown>, text: string): void {
  process.stdout.write(flags.json === true ? `${JSON.stringify(result)}\n` : text);
}

async function deployK8s(flags: K8sFlags): Promise<void> {
  if (flags.dryRun !== undefined && flags.dryRun !== "server") {
    throw invalidParameter(
      `--dry-run must be 'server' (a client-side dry run is leaving out --apply), not '${flags.dryRun}'.`,
    );
  }
  if (flags.dryRun !== undefined && flags.apply !== true)
    throw invalidParameter("--dry-run=server goes with --apply.");
  const target = await resolveTarget(flags);
  const replicas = count(flags.replicas, "--replicas");
  const minReplicas = count(flags.minReplicas, "--min-replicas");
  const maxReplicas = count(flags.maxReplicas, "--max-replicas");
  const { objects, notes } = renderKubernetes(target, {
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    ...(flags.image !== undefined ? { image: flags.image } : {}),
    ...(replicas !== undefined ? { replicas } : {}),
    ...(flags.cpu !== undefined ? { cpu: flags.cpu } : {}),
    ...(flags.memory !== undefined ? { memory: flags.memory } : {}),
    ...(minReplicas !== undefined ? { minReplicas } : {}),
    ...(maxReplicas !== undefined ? { maxReplicas } : {}),
    ...(flags.ingressHost !== undefined ? { ingressHost: flags.ingressHost } : {}),
    ...(flags.ingressClass !== undefined ? { ingressClass: flags.ingressClass } : {}),
    ...(flags.tokenSecret !== undefined ? { tokenSecret: flags.tokenSecret } : {}),
    ...(flags.argo === true
      ? { argo: flags.prometheusUrl !== undefined ? { prometheusAddress: flags.prometheusUrl } : {} }
      : {}),
  });
  await validateGenerated(objects);
  const files = await writeManifests(flags.output, objects);
  for (const note of notes) process.stderr.write(`flowgate: note: ${note}\n`);
  const applied =
    flags.apply === true
      ? await (
          await import("../../deploy/kubernetes/apply.js")
        ).applyManifests(objects, {
          dryRun: flags.dryRun === "server",
          ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
          ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
        })
      : [];
  const verb = flags.dryRun === "server" ? "accepted by a server-side dry run" : "applied";
  report(
    flags,
    { output: flags.output, files, notes, applied, dryRun: flags.dryRun === "server" },
    `Wrote ${files.length} manifests to ${flags.output}: ${files.join(", ")}\n` +
      (applied.length > 0
        ? `${applied.length} objects ${verb}: ${applied.map((a) => `${a.kind}/${a.name}`).join(", ")} (namespace ${applied[0]?.namespace})\n`
        : ""),
  );
}

async function deployKServe(flags: KServeFlags): Promise<void> {
  if (flags.mode !== "knative" && flags.mode !== "standard") {
    throw invalidParameter(`--mode must be knative or standard, not '${flags.mode}'.`);
  }
  const metric = flags.scaleMetric;
  if (metric !== undefined && !["cpu", "memory", "concurrency", "rps"].includes(metric)) {
    throw invalidParameter(`--scale-metric must be cpu, memory, concurrency or rps, not '${metric}'.`);
  }
  const target = await resolveTarget(flags);
  // {version} in a storage URI is each version's number, so one template serves a deployment's primary and canary.
  const storage = (uri: string, version: string): string => uri.replaceAll("{version}", version);
  let primary: KServeModel;
  let canary: { model: KServeModel; percent: number } | undefined;
  const percent = count(flags.canaryPercent, "--canary-percent", 0);
  if ("model" in target) {
    const m = target.model;
    const served: KServeModel = {
      name: m.name,
      version: m.version,
      kind: m.kind,
      storageUri: storage(flags.storageUri, m.version),
    };
    if (percent === undefined) primary = served;
    else if (flags.mode === "knative") {
      // Knative keeps the revision serving now; this model becomes the new revision taking `percent`.
      primary = served;
      canary = { model: served, percent };
    } else {
      if (flags.primaryStorageUri === undefined) {
        throw invalidParameter(
          "A Standard-mode canary needs the version serving now: pass --primary-storage-uri.",
        );
      }
      primary = { ...served, version: "primary", storageUri: flags.primaryStorageUri };
      canary = { model: served, percent };
    }
  } else {
    const d = target.deployment;
    const strategy = d.spec.strategy;
    primary = {
      name: d.name,
      version: d.spec.primary,
      kind: d.kind,
      storageUri: storage(flags.storageUri, d.spec.primary),
    };
    if (strategy !== undefined && "canary" in strategy) {
      const v = strategy.canary.version;
      const weight = percent ?? d.snapshot.routes.find((r) => r.version === v)?.weight ?? 0;
      canary = {
        model: { ...primary, version: v, storageUri: storage(flags.storageUri, v) },
        percent: weight,
      };
    }
  }
  const minReplicas = count(flags.minReplicas, "--min-replicas", 0);
  const maxReplicas = count(flags.maxReplicas, "--max-replicas");
  const scaleTarget = count(flags.scaleTarget, "--scale-target");
  const isvc = renderInferenceService(primary, {
    mode: flags.mode,
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    ...(minReplicas !== undefined ? { minReplicas } : {}),
    ...(maxReplicas !== undefined ? { maxReplicas } : {}),
    ...(metric !== undefined ? { scaleMetric: metric as "cpu" } : {}),
    ...(scaleTarget !== undefined ? { scaleTarget } : {}),
    ...(flags.cpu !== undefined ? { cpu: flags.cpu } : {}),
    ...(flags.memory !== undefined ? { memory: flags.memory } : {}),
    ...(canary !== undefined ? { canary } : {}),
  });
  await validateGenerated([isvc]);
  const files = await writeManifests(flags.output, [isvc]);
  report(flags, { output: flags.output, files }, `Wrote ${files.join(", ")} to ${flags.output}\n`);
}

/** Adds `k8s` and `kserve` to the `deploy` command group, creating the group if no other file has yet. */
export function registerDeployK8sCommands(program: Command): void {
  const deploy =
    program.commands.find((c) => c.name() === "deploy") ??
    program.command("deploy").description("Deploy models to Docker, Kubernetes, KServe and SageMaker");
  targetOptions(
    deploy
      .command("k8s")
      .description(
        "Write Kubernetes manifests (Deployment, Service, Ingress, HPA, PodDisruptionBudget; for a deployment the " +
          "pinned routing snapshot in a ConfigMap) validated against their schemas; --apply applies them server-side",
      ),
  )
    .option("--apply", "server-side apply with your kubeconfig (field manager 'flowgate')")
    .option(
      "--dry-run <mode>",
      "with --apply: 'server' — the API server checks everything and stores nothing",
    )
    .option("--kubeconfig <file>", "kubeconfig to apply with (default KUBECONFIG or ~/.kube/config)")
    .option(
      "--image <image>",
      "serving image (default <model>:<version> as build-docker tags it; flowgate:<version> for a deployment)",
    )
    .option("--replicas <n>", "initial replicas (default --min-replicas)")
    .option("--cpu <quantity>", "CPU request and limit, e.g. 500m (default by model kind)")
    .option("--memory <quantity>", "memory request and limit, e.g. 1Gi (default by model kind)")
    .option("--min-replicas <n>", "autoscaler's lower bound", "2")
    .option("--max-replicas <n>", "autoscaler's upper bound", "10")
    .option("--ingress-host <host>", "host the Ingress answers for (default: any)")
    .option("--ingress-class <class>", "ingressClassName")
    .option("--token-secret <name>", "Secret whose key 'token' is the pods' MLFLOW_TRACKING_TOKEN")
    .option("--argo", "an Argo Rollouts Rollout + AnalysisTemplates instead of the Deployment")
    .option("--prometheus-url <url>", "with --argo: Prometheus that analysis on serving metrics queries")
    .action((flags: K8sFlags) => deployK8s(flags));
  targetOptions(
    deploy
      .command("kserve")
      .description(
        "Write a KServe InferenceService (modelFormat mlflow, protocol v2) validated against KServe's CRD; a canary " +
          "as canaryTrafficPercent (knative) or spec.canary[] (standard, KServe ≥ 0.20)",
      ),
  )
    .requiredOption(
      "--storage-uri <uri>",
      "where KServe fetches the model directory (s3://…, gs://…, pvc://…); {version} is replaced",
    )
    .option(
      "--canary-percent <n>",
      "traffic for the canary: this model (-m) or the deployment's canary version",
    )
    .option(
      "--primary-storage-uri <uri>",
      "with -m, --mode standard and --canary-percent: the version serving now",
    )
    .option("--mode <mode>", "knative (serverless) | standard (raw deployment)", "knative")
    .option("--min-replicas <n>", "predictor's lower bound (0 scales to zero in knative mode)")
    .option("--max-replicas <n>", "predictor's upper bound")
    .option(
      "--scale-metric <metric>",
      "cpu | memory | concurrency | rps (default concurrency in knative, cpu in standard)",
    )
    .option("--scale-target <n>", "target value of the scale metric per replica")
    .option("--cpu <quantity>", "CPU request and limit")
    .option("--memory <quantity>", "memory request and limit")
    .action((flags: KServeFlags) => deployKServe(flags));
}
