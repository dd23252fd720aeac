// `flowgate batch k8s-job`: batch scoring over N pods — an Indexed Kubernetes Job whose pods each run
// `flowgate batch score --shard <index>/N`, validated before it is written. Registers `k8s-job` under `batch`.
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";

interface JobFlags {
  modelUri?: string;
  deployment?: string;
  input: string;
  output: string;
  shards: string;
  outputDir: string;
  namespace?: string;
  image?: string;
  runtime: string;
  cpu?: string;
  memory?: string;
  trackingUri?: string;
  podTrackingUri?: string;
  tokenSecret?: string;
  backoffLimitPerIndex: string;
  cacheDir?: string;
}

async function writeJob(flags: JobFlags): Promise<void> {
  if ((flags.modelUri === undefined) === (flags.deployment === undefined)) {
    throw invalidParameter("Pass either -m/--model-uri <uri> or --deployment <name>, not both.");
  }
  if (!/^\d+$/.test(flags.shards))
    throw invalidParameter(`--shards must be a positive integer, not '${flags.shards}'.`);
  if (!/^\d+$/.test(flags.backoffLimitPerIndex)) {
    throw invalidParameter(
      `--backoff-limit-per-index must be an integer ≥ 0, not '${flags.backoffLimitPerIndex}'.`,
    );
  }
  // Loaded on use: `batch score` shares this command group and would otherwise pay for them at start.
  const { resolveServedDeployment, resolveServedModel } =
    await import("../../deploy/kubernetes/resolve-target.js");
  const { renderBatchJob } = await import("../../deploy/kubernetes/batch-job.js");
  const { writeManifests } = await import("../../deploy/kubernetes/manifest-files.js");
  const options = {
    runtime: flags.runtime,
    ...(flags.trackingUri !== undefined ? { trackingUri: flags.trackingUri } : {}),
    ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
  };
  let name: string;
  let kind;
  let trackingUri = flags.podTrackingUri ?? flags.trackingUri ?? process.env.MLFLOW_TRACKING_URI;
  if (flags.modelUri !== undefined) {
    const model = await resolveServedModel(flags.modelUri, options);
    ({ name, kind } = model);
  } else {
    const d = await resolveServedDeployment(flags.deployment as string, options);
    ({ name, kind } = d);
    trackingUri = flags.podTrackingUri ?? d.trackingUri;
  }
  const job = renderBatchJob({
    scorer:
      flags.modelUri !== undefined
        ? { modelUri: flags.modelUri }
        : { deployment: flags.deployment as string },
    name,
    kind,
    input: flags.input,
    output: flags.output,
    shards: Number(flags.shards),
    backoffLimitPerIndex: Number(flags.backoffLimitPerIndex),
    ...(trackingUri !== undefined ? { trackingUri } : {}),
    ...(flags.tokenSecret !== undefined ? { tokenSecret: flags.tokenSecret } : {}),
    ...(flags.image !== undefined ? { image: flags.image } : {}),
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    ...(flags.cpu !== undefined ? { cpu: flags.cpu } : {}),
    ...(flags.memory !== undefined ? { memory: flags.memory } : {}),
  });
  // Loaded on use: the Kubernetes models take ~1 s to import, which every other command would pay at start.
  const { validateManifests } = await import("../../deploy/validate/validate-manifests.js");
  await validateManifests([job]);
  const files = await writeManifests(flags.outputDir, [job]);
  process.stdout.write(`Wrote ${files.join(", ")} to ${flags.outputDir} (${flags.shards} shards)\n`);
}

/** Adds `k8s-job` to the `batch` command group, creating the group if no other file has yet. */
export function registerBatchK8sJobCommand(program: Command): void {
  const batch =
    program.commands.find((c) => c.name() === "batch") ??
    program.command("batch").description("Score files in bulk");
  batch
    .command("k8s-job")
    .description(
      "Write an Indexed Kubernetes Job scoring the inputs in N shards, one pod each (batch score --shard i/N)",
    )
    .option("-m, --model-uri <uri>", "model to score with")
    .option("--deployment <name>", "score through this deployment's current primary")
    .requiredOption(
      "-i, --input <input>",
      "input file, directory or glob, as the pods see it (s3://… or a mounted path)",
    )
    .requiredOption("-o, --output <output>", "output, as the pods see it")
    .requiredOption("--shards <n>", "pods, each scoring one shard of the inputs")
    .requiredOption("--output-dir <dir>", "directory the Job manifest is written to")
    .option("-n, --namespace <ns>", "namespace written into the Job")
    .option("--image <image>", "image with the flowgate CLI", undefined)
    .option("--runtime <runtime>", "auto | onnx | python: sets resources", "auto")
    .option("--cpu <quantity>", "CPU request and limit per pod")
    .option("--memory <quantity>", "memory request and limit per pod")
    .option("--tracking-uri <url>", "server resolving the model (default MLFLOW_TRACKING_URI)")
    .option("--pod-tracking-uri <url>", "the server's URL as the pods reach it (default --tracking-uri)")
    .option("--token-secret <name>", "Secret whose key 'token' is the pods' MLFLOW_TRACKING_TOKEN")
    .option("--backoff-limit-per-index <n>", "retries of one shard before it counts as failed", "2")
    .option("--cache-dir <dir>", "model cache root (default FLOWGATE_CACHE_DIR or ~/.cache/flowgate)")
    .action((flags: JobFlags) => writeJob(flags));
}
