// `flowgate deploy sagemaker create|add|replace|delete|status|predict`: a model on an Amazon SageMaker endpoint, in
// the image `flowgate models build-docker` builds (pushed to ECR), with MLflow's modes and flags
// (`mlflow sagemaker deploy`) plus canary/linear updates with alarm rollback and a check that an update really
// took. AWS credentials, region and endpoint overrides are read as the AWS CLI reads them.
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import { createLogger } from "../../core/logger.js";
import type { AwsTarget, SageMakerClients } from "../../deploy/sagemaker/aws-clients.js";
import type { DeployMode } from "../../deploy/sagemaker/endpoint-deploy.js";
import type { Waiting } from "../../deploy/sagemaker/endpoint-wait.js";
import { checkedName } from "../../deploy/sagemaker/resource-names.js";
import { updatePolicyFromFlags, type UpdatePolicyFlags } from "../../deploy/sagemaker/update-policy.js";

interface AwsFlags {
  region?: string;
  endpointUrl?: string;
  json?: boolean;
}

interface WaitFlags {
  async?: boolean;
  archive?: boolean;
  timeout: string;
  pollInterval: string;
}

interface DeployFlags extends AwsFlags, WaitFlags, UpdatePolicyFlags {
  modelUri: string;
  imageUrl?: string;
  executionRoleArn?: string;
  bucket?: string;
  instanceType: string;
  instanceCount: string;
  serverlessMemory?: string;
  serverlessMaxConcurrency?: string;
  variantName?: string;
  vpcConfig?: string;
  dataCaptureConfig?: string;
  dataCapture: boolean;
  asyncInferenceConfig?: string;
  env: string[];
  tag: string[];
  trackingUri?: string;
  cacheDir?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerDeploySageMakerCommand(program: Command): void {
  const deploy =
    program.commands.find((c) => c.name() === "deploy") ??
    program.command("deploy").description("Deploy models to Docker, Kubernetes, KServe and SageMaker");
  const sagemaker = deploy
    .command("sagemaker")
    .description(
      "Deploy to Amazon SageMaker endpoints (AWS credentials, region and AWS_ENDPOINT_URL* as for the AWS CLI)",
    );

  const modes: [DeployMode, string][] = [
    ["create", "Create an endpoint serving the model (refused when the endpoint exists)"],
    [
      "add",
      "Add the model as a new variant at weight 0 beside the endpoint's variants (creates the endpoint when missing)",
    ],
    [
      "replace",
      "Replace the endpoint's variants with the model, optionally by canary or linear traffic shifting with alarm rollback (creates the endpoint when missing); the old models are deleted after",
    ],
  ];
  for (const [mode, description] of modes) {
    const cmd = sagemaker.command(mode).description(description).argument("<endpoint>", "endpoint name");
    deployOptions(cmd, mode);
    cmd.action((endpoint: string, flags: DeployFlags) => deploySageMaker(mode, endpoint, flags));
  }

  waitOptions(
    awsOptions(
      sagemaker
        .command("delete")
        .description(
          "Delete an endpoint and, unless --archive, its endpoint config, models and model tarballs",
        )
        .argument("<endpoint>", "endpoint name"),
    ),
    "300",
  ).action(async (endpoint: string, flags: AwsFlags & WaitFlags) => {
    const { deleteEndpoint } = await import("../../deploy/sagemaker/endpoint-ops.js");
    const result = await deleteEndpoint(
      await clientsFor(flags),
      checkedName(endpoint, "Endpoint name"),
      { archive: flags.archive === true, wait: waiting(flags) },
      progress,
    );
    print(flags, result, () => `deleted ${endpoint}${flags.async === true ? " (deletion in progress)" : ""}`);
  });

  awsOptions(
    sagemaker
      .command("status")
      .description("Show an endpoint's status, config and variants (weights, instances)")
      .argument("<endpoint>", "endpoint name"),
  ).action(async (endpoint: string, flags: AwsFlags) => {
    const { endpointStatus, statusText } = await import("../../deploy/sagemaker/endpoint-ops.js");
    const status = await endpointStatus(await clientsFor(flags), checkedName(endpoint, "Endpoint name"));
    print(flags, status, () => statusText(status));
  });

  awsOptions(
    sagemaker
      .command("predict")
      .description("Send one request to an endpoint (InvokeEndpoint) and print its answer")
      .argument("<endpoint>", "endpoint name")
      .requiredOption("-i, --input-path <file>", "request body: a JSON or CSV file, or - for stdin")
      .option(
        "--content-type <type>",
        "json | csv | a MIME type (default from the file's extension, else json)",
      )
      .option("--variant <name>", "send to this variant instead of by weight"),
  ).action(
    async (
      endpoint: string,
      flags: AwsFlags & { inputPath: string; contentType?: string; variant?: string },
    ) => {
      const body = flags.inputPath === "-" ? await readStdin() : await readFile(flags.inputPath);
      const { predictOnEndpoint } = await import("../../deploy/sagemaker/endpoint-ops.js");
      const answer = await predictOnEndpoint(await clientsFor(flags), {
        endpoint: checkedName(endpoint, "Endpoint name"),
        body,
        contentType: contentType(flags.contentType, flags.inputPath),
        targetVariant: flags.variant,
      });
      if (flags.json === true) process.stdout.write(`${JSON.stringify(answer)}\n`);
      else process.stdout.write(`${answer.body.replace(/\n$/, "")}\n`);
    },
  );
}

function awsOptions(cmd: Command): Command {
  return cmd
    .option("--region <region>", "AWS region (default AWS_REGION, AWS_DEFAULT_REGION or the profile's)")
    .option(
      "--endpoint-url <url>",
      "one endpoint for SageMaker, SageMaker Runtime and S3, e.g. a local emulator (default AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL)",
    )
    .option("--json", "print JSON instead of a summary");
}

function waitOptions(cmd: Command, timeout: string): Command {
  return cmd
    .option(
      "--archive",
      "keep the resources the change leaves unused (old endpoint configs, models, tarballs) instead of deleting them",
    )
    .option(
      "--async",
      "return once SageMaker has accepted the change instead of waiting for it (needs --archive)",
    )
    .option(
      "--timeout <seconds>",
      "longest wait for the endpoint to settle (a canary or linear replace needs every wait interval and the termination wait on top)",
      timeout,
    )
    .option("--poll-interval <seconds>", "time between two status checks", "10");
}

function deployOptions(cmd: Command, mode: DeployMode): Command {
  awsOptions(cmd)
    .requiredOption(
      "-m, --model-uri <uri>",
      "models:/<name>/<version>, models:/<name>@<alias>, runs:/<run_id>/<path> or a local model directory",
    )
    .option(
      "--image-url <url>",
      "ECR image built by `flowgate models build-docker` (default FLOWGATE_SAGEMAKER_IMAGE_URL or MLFLOW_SAGEMAKER_DEPLOY_IMG_URL)",
    )
    .option(
      "-e, --execution-role-arn <arn>",
      "IAM role SageMaker assumes to pull the image and read the model",
    )
    .option("-b, --bucket <bucket>", "S3 bucket for the model tarball (<model>/model.tar.gz)")
    .option("-t, --instance-type <type>", "instance type of the new variant", "ml.m5.large")
    .option("-c, --instance-count <n>", "instances of the new variant", "1")
    .option("--serverless-memory <MB>", "serverless inference instead of instances: memory 1024-6144 MB")
    .option(
      "--serverless-max-concurrency <n>",
      "with --serverless-memory: concurrent invocations at most",
      "5",
    )
    .option("--variant-name <name>", "name of the new production variant (default the new model's name)")
    .option("--vpc-config <file>", "JSON file: the model's VpcConfig ({SecurityGroupIds, Subnets})")
    .option(
      "--data-capture-config <file>",
      "JSON file: the endpoint's DataCaptureConfig (default: an update keeps the running config's)",
    )
    .option("--no-data-capture", "an update drops the running config's data capture")
    .option(
      "--async-inference-config <file>",
      "JSON file: AsyncInferenceConfig (default: an update keeps the running one)",
    )
    .option("--env <KEY=VALUE>", "environment variable of the model's container (repeatable)", collect, [])
    .option("--tag <KEY=VALUE>", "tag of the model and endpoint (repeatable)", collect, [])
    .option(
      "--tracking-uri <uri>",
      "tracking server that resolves models:/ and runs:/ (default MLFLOW_TRACKING_URI)",
    )
    .option(
      "--cache-dir <dir>",
      "cache root as for `flowgate models serve` (models are kept in <dir>/models)",
    );
  waitOptions(cmd, "1200");
  if (mode === "replace") {
    cmd
      .option(
        "--traffic-routing <mode>",
        "blue/green traffic shifting: all-at-once | canary | linear (the new variant keeps the old one's name)",
      )
      .option("--canary-size <n|n%>", "canary: instances or percent of capacity that take traffic first")
      .option("--linear-step-size <n|n%>", "linear: instances or percent of capacity shifted per step")
      .option("--wait-interval <seconds>", "baking time after each shift (canary/linear default 300)")
      .option("--termination-wait <seconds>", "baking time after the last shift before the old fleet goes")
      .option("--max-execution-timeout <seconds>", "longest the whole blue/green update may take (600-28800)")
      .option(
        "--rollback-alarm <name>",
        "CloudWatch alarm that rolls the update back when it fires (repeatable)",
        collect,
        [],
      );
  }
  return cmd;
}

async function deploySageMaker(mode: DeployMode, endpoint: string, flags: DeployFlags): Promise<void> {
  checkedName(endpoint, "Endpoint name");
  if (flags.variantName !== undefined) checkedName(flags.variantName, "--variant-name");
  const imageUrl =
    flags.imageUrl ?? process.env.FLOWGATE_SAGEMAKER_IMAGE_URL ?? process.env.MLFLOW_SAGEMAKER_DEPLOY_IMG_URL;
  if (imageUrl === undefined || imageUrl === "") {
    throw invalidParameter(
      "--image-url is required: the ECR URL of the image `flowgate models build-docker` built and you pushed (or set FLOWGATE_SAGEMAKER_IMAGE_URL).",
    );
  }
  if (flags.executionRoleArn === undefined || !flags.executionRoleArn.startsWith("arn:")) {
    throw invalidParameter(
      "-e/--execution-role-arn is required: the ARN (arn:aws:iam::<account>:role/<name>) of the role SageMaker assumes to pull the image and read the model.",
    );
  }
  if (flags.bucket === undefined || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(flags.bucket)) {
    throw invalidParameter(
      `-b/--bucket is required: an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)${flags.bucket !== undefined ? `, not '${flags.bucket}'` : ""}.`,
    );
  }
  const instanceCount = positiveInt(flags.instanceCount, "--instance-count");
  const serverless =
    flags.serverlessMemory === undefined
      ? undefined
      : {
          MemorySizeInMB: positiveInt(flags.serverlessMemory, "--serverless-memory"),
          MaxConcurrency: positiveInt(flags.serverlessMaxConcurrency ?? "5", "--serverless-max-concurrency"),
        };
  const updatePolicy = mode === "replace" ? updatePolicyFromFlags(flags) : undefined;
  const clients = await clientsFor(flags);
  const cacheRoot = path.resolve(
    flags.cacheDir ?? process.env.FLOWGATE_CACHE_DIR ?? path.join(os.homedir(), ".cache", "flowgate"),
  );
  const { resolveModel } = await import("../../serving/model-cache.js");
  const { trackingAuthorization } = await import("../../serving/model-loading.js");
  const resolved = await resolveModel(flags.modelUri, {
    cacheDir: path.join(cacheRoot, "models"),
    trackingUri: flags.trackingUri ?? process.env.MLFLOW_TRACKING_URI,
    logger: createLogger({ name: "flowgate-deploy", level: process.env.FLOWGATE_LOG_LEVEL ?? "warn" }),
    authorization: trackingAuthorization(),
  });
  const { deployToSageMaker } = await import("../../deploy/sagemaker/endpoint-deploy.js");
  const result = await deployToSageMaker(
    clients,
    {
      mode,
      endpoint,
      model: { uri: flags.modelUri, dir: resolved.dir },
      imageUrl,
      executionRoleArn: flags.executionRoleArn,
      bucket: flags.bucket,
      instanceType: flags.instanceType,
      instanceCount,
      serverless,
      variantName: flags.variantName,
      vpcConfig: await jsonFile(flags.vpcConfig, "--vpc-config"),
      dataCapture: flags.dataCapture
        ? await jsonFile(flags.dataCaptureConfig, "--data-capture-config")
        : null,
      asyncInference: await jsonFile(flags.asyncInferenceConfig, "--async-inference-config"),
      env: keyValues(flags.env, "--env"),
      tags: keyValues(flags.tag, "--tag"),
      updatePolicy,
      wait: waiting(flags),
      archive: flags.archive === true,
    },
    progress,
  );
  print(flags, result, () =>
    [
      `${result.action} ${result.endpoint} (${result.status})`,
      `  config   ${result.configName}`,
      `  variant  ${result.variantName} → model ${result.modelName}`,
      `  model    ${result.modelDataUrl}`,
      ...(result.deleted.configs.length + result.deleted.models.length > 0
        ? [`  deleted  ${[...result.deleted.configs, ...result.deleted.models].join(", ")}`]
        : []),
    ].join("\n"),
  );
}

/** The AWS SDK is loaded on use: it would otherwise slow every other command's start. */
async function clientsFor(flags: AwsFlags): Promise<SageMakerClients> {
  const { sageMakerClients } = await import("../../deploy/sagemaker/aws-clients.js");
  const target: AwsTarget = { region: flags.region, endpointUrl: flags.endpointUrl };
  return sageMakerClients(target);
}

function waiting(flags: WaitFlags): Waiting | undefined {
  if (flags.async === true) return undefined;
  const timeoutSeconds = Number(flags.timeout);
  const pollSeconds = Number(flags.pollInterval);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw invalidParameter(`--timeout must be a positive number of seconds, not '${flags.timeout}'.`);
  }
  if (!Number.isFinite(pollSeconds) || pollSeconds <= 0) {
    throw invalidParameter(
      `--poll-interval must be a positive number of seconds, not '${flags.pollInterval}'.`,
    );
  }
  return { timeoutSeconds, pollSeconds };
}

function positiveInt(raw: string, flag: string): number {
  if (!/^[1-9]\d*$/.test(raw)) throw invalidParameter(`${flag} must be a positive integer, not '${raw}'.`);
  return Number(raw);
}

function keyValues(pairs: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw invalidParameter(`${flag} takes KEY=VALUE, not '${pair}'.`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

async function jsonFile<T>(file: string | undefined, flag: string): Promise<T | undefined> {
  if (file === undefined) return undefined;
  const text = await readFile(file, "utf8").catch(() => {
    throw invalidParameter(`${flag}: cannot read '${file}'.`);
  });
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as T;
  } catch {
    throw invalidParameter(`${flag}: '${file}' must hold a JSON object.`);
  }
}

function contentType(given: string | undefined, file: string): string {
  const type = given ?? (file.toLowerCase().endsWith(".csv") ? "csv" : "json");
  if (type === "json") return "application/json";
  if (type === "csv") return "text/csv";
  if (/^[\w.+-]+\/[\w.+-]+/.test(type)) return type;
  throw invalidParameter(`--content-type must be json, csv or a MIME type, not '${type}'.`);
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

function print(flags: AwsFlags, data: unknown, text: () => string): void {
  process.stdout.write(flags.json === true ? `${JSON.stringify(data, null, 2)}\n` : `${text()}\n`);
}
