// Deploying a model to a SageMaker endpoint, in MLflow's three modes:
// - create: a new endpoint (refused when one of that name exists);
// - add: a new variant at weight 0 beside the running ones (the endpoint is created when missing);
// - replace: a new config with only the new variant (created when missing); the old models go afterwards.
// Every deployment uploads the model tarball, creates a SageMaker model (the Flowgate image's container contract:
// model in /opt/ml/model, `serve`, port 8080) and a fresh endpoint config, then creates or updates the endpoint and
// waits for it. An update SageMaker rolls back ends InService on the OLD config without any error, so success is
// only reported once DescribeEndpoint shows the new config and its variants (MLflow checks the status only).
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  UpdateEndpointCommand,
  type AsyncInferenceConfig,
  type DataCaptureConfig,
  type DescribeEndpointOutput,
  type ProductionVariant,
  type ProductionVariantServerlessConfig,
  type Tag,
  type VpcConfig,
} from "@aws-sdk/client-sagemaker";
import { FlowgateError, alreadyExists, invalidParameter } from "../../core/errors.js";
import { aws, type SageMakerClients } from "./aws-clients.js";
import { configModels, deleteConfig, deleteModel, describeConfig } from "./endpoint-resources.js";
import { findEndpoint, pollUntil, type Poll, type Waiting } from "./endpoint-wait.js";
import { uploadModelTarball } from "./model-tarball.js";
import { uniqueName } from "./resource-names.js";
import { deploymentConfig, type UpdatePolicy } from "./update-policy.js";

export type DeployMode = "create" | "add" | "replace";

export interface ModelToDeploy {
  /** The URI the user gave (models:/…, runs:/… or a directory); recorded as the SageMaker model's tag. */
  uri: string;
  /** The resolved local model directory (holding MLmodel). */
  dir: string;
}

export interface DeployRequest {
  mode: DeployMode;
  endpoint: string;
  model: ModelToDeploy;
  imageUrl: string;
  executionRoleArn: string;
  bucket: string;
  instanceType: string;
  instanceCount: number;
  /** Serverless inference instead of instances. */
  serverless?: ProductionVariantServerlessConfig | undefined;
  /** Default: the new SageMaker model's name (MLflow's choice); a canary or linear replace keeps the old one. */
  variantName?: string | undefined;
  vpcConfig?: VpcConfig | undefined;
  /** undefined keeps the running config's capture (mlflow#7255 lost it on every update); null turns it off. */
  dataCapture?: DataCaptureConfig | null | undefined;
  asyncInference?: AsyncInferenceConfig | undefined;
  env: Record<string, string>;
  tags: Record<string, string>;
  updatePolicy?: UpdatePolicy | undefined;
  /** undefined: return once SageMaker has accepted the change (--async). */
  wait?: Waiting | undefined;
  /** Keep the models and configs a replace (or the config an add) leaves unused. */
  archive: boolean;
}

export interface DeployResult {
  endpoint: string;
  endpointArn: string | undefined;
  /** "created" or "updated" — an add or replace of a missing endpoint creates it. */
  action: "created" | "updated";
  status: string;
  configName: string;
  modelName: string;
  variantName: string;
  modelDataUrl: string;
  /** Old configs and models deleted after a successful update. */
  deleted: { configs: string[]; models: string[] };
}

const APP_TAG = "app_name";

export async function deployToSageMaker(
  clients: SageMakerClients,
  req: DeployRequest,
  log: (line: string) => void,
): Promise<DeployResult> {
  if (req.wait === undefined && !req.archive) {
    throw invalidParameter(
      "--async needs --archive: the resources an update leaves unused can only be deleted once it is known to have succeeded.",
    );
  }
  if (APP_TAG in req.tags)
    throw invalidParameter(`--tag ${APP_TAG} is set by Flowgate (the endpoint's name).`);
  const running = await findEndpoint(clients.sagemaker, req.endpoint);
  if (running !== undefined && req.mode === "create") {
    throw alreadyExists(
      `SageMaker endpoint '${req.endpoint}' already exists; to change it use \`flowgate deploy sagemaker replace\` or \`add\`.`,
    );
  }
  if (running === undefined && req.updatePolicy !== undefined) {
    throw invalidParameter(
      `SageMaker endpoint '${req.endpoint}' does not exist yet; traffic routing and rollback alarms apply to updates (replace) only.`,
    );
  }
  if (running !== undefined && req.updatePolicy !== undefined && req.mode === "add") {
    throw invalidParameter(
      "Traffic routing and rollback alarms apply to replace only: an added variant starts at weight 0 and takes no traffic until you shift it.",
    );
  }
  if (running !== undefined && !["InService", "Failed"].includes(running.EndpointStatus ?? "")) {
    throw new FlowgateError(
      "INVALID_STATE",
      `SageMaker endpoint '${req.endpoint}' is ${running.EndpointStatus}; it can be updated once it is InService (or Failed).`,
    );
  }
  const deployed =
    running?.EndpointConfigName === undefined
      ? undefined
      : await describeConfig(clients, running.EndpointConfigName);
  const deployedVariants = deployed?.ProductionVariants ?? [];

  let variantName = req.variantName;
  if (running !== undefined && req.mode === "replace" && req.updatePolicy !== undefined) {
    // Blue/green guardrails need the new config's variant to carry the old one's name.
    if (deployedVariants.length !== 1) {
      throw invalidParameter(
        `Traffic routing needs an endpoint with one variant; '${req.endpoint}' has ${deployedVariants.length}.`,
      );
    }
    const old = deployedVariants[0]?.VariantName as string;
    if (variantName !== undefined && variantName !== old) {
      throw invalidParameter(
        `With traffic routing the new variant keeps the running variant's name '${old}', not '${variantName}'.`,
      );
    }
    variantName = old;
  }
  const modelName = uniqueName(req.endpoint, "model");
  variantName ??= modelName;
  if (req.mode === "add" && deployedVariants.some((v) => v.VariantName === variantName)) {
    throw alreadyExists(
      `Endpoint '${req.endpoint}' already has a variant '${variantName}'; name the new one with --variant-name.`,
    );
  }
  const modelDataUrl = await uploadModelTarball(clients.s3, req.model.dir, req.bucket, modelName);
  log(`uploaded ${modelDataUrl}`);
  await aws("CreateModel", () =>
    clients.sagemaker.send(
      new CreateModelCommand({
        ModelName: modelName,
        PrimaryContainer: {
          Image: req.imageUrl,
          ModelDataUrl: modelDataUrl,
          Environment: req.env,
        },
        ExecutionRoleArn: req.executionRoleArn,
        ...(req.vpcConfig !== undefined ? { VpcConfig: req.vpcConfig } : {}),
        Tags: toTags({ ...req.tags, model_uri: req.model.uri }),
      }),
    ),
  );
  log(`created model ${modelName}`);

  const newVariant: ProductionVariant = {
    VariantName: variantName,
    ModelName: modelName,
    InitialVariantWeight: running !== undefined && req.mode === "add" ? 0 : 1,
    ...(req.serverless !== undefined
      ? { ServerlessConfig: req.serverless }
      : { InstanceType: req.instanceType, InitialInstanceCount: req.instanceCount }),
  } as ProductionVariant;
  const variants = req.mode === "add" ? [...deployedVariants, newVariant] : [newVariant];
  const dataCapture =
    req.dataCapture === undefined ? deployed?.DataCaptureConfig : (req.dataCapture ?? undefined);
  const asyncInference = req.asyncInference ?? deployed?.AsyncInferenceConfig;
  const configName = uniqueName(req.endpoint, "config");
  await aws("CreateEndpointConfig", () =>
    clients.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: configName,
        ProductionVariants: variants,
        ...(dataCapture !== undefined ? { DataCaptureConfig: dataCapture } : {}),
        ...(asyncInference !== undefined ? { AsyncInferenceConfig: asyncInference } : {}),
        Tags: toTags({ [APP_TAG]: req.endpoint }),
      }),
    ),
  );
  log(
    `created endpoint config ${configName} (${variants.map((v) => `${v.VariantName}:${v.InitialVariantWeight}`).join(", ")})`,
  );

  const result = {
    endpoint: req.endpoint,
    configName,
    modelName,
    variantName,
    modelDataUrl,
    deleted: { configs: [] as string[], models: [] as string[] },
  };
  if (running === undefined) {
    const created = await aws("CreateEndpoint", () =>
      clients.sagemaker.send(
        new CreateEndpointCommand({
          EndpointName: req.endpoint,
          EndpointConfigName: configName,
          Tags: toTags({ ...req.tags, [APP_TAG]: req.endpoint }),
        }),
      ),
    );
    log(`creating endpoint ${req.endpoint}`);
    if (req.wait === undefined) {
      return { ...result, endpointArn: created.EndpointArn, action: "created", status: "Creating" };
    }
    const info = await pollUntil(`Creating endpoint '${req.endpoint}'`, req.wait, async () =>
      creationState(await findEndpoint(clients.sagemaker, req.endpoint), configName, variants),
    );
    return { ...result, endpointArn: info.EndpointArn, action: "created", status: "InService" };
  }

  const before = running.LastModifiedTime;
  const policy = req.updatePolicy === undefined ? undefined : deploymentConfig(req.updatePolicy);
  await aws("UpdateEndpoint", () =>
    clients.sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: req.endpoint,
        EndpointConfigName: configName,
        // An add must not reset the running variants to their configs' initial weights and instance counts (which
        // UpdateEndpointWeightsAndCapacities or autoscaling may have changed since); only the new variant starts
        // from its config, at weight 0.
        ...(req.mode === "add" ? { RetainAllVariantProperties: true } : {}),
        ...(policy !== undefined ? { DeploymentConfig: policy } : {}),
      }),
    ),
  );
  log(`updating endpoint ${req.endpoint} to ${configName}`);
  if (req.wait === undefined) {
    return { ...result, endpointArn: running.EndpointArn, action: "updated", status: "Updating" };
  }
  let sawTransition = false;
  const info = await pollUntil(`Updating endpoint '${req.endpoint}'`, req.wait, async () => {
    const state = await findEndpoint(clients.sagemaker, req.endpoint);
    if (state !== undefined && state.EndpointStatus !== "InService") sawTransition = true;
    return updateState(state, configName, variants, before, sawTransition, running.EndpointConfigName);
  });
  if (!req.archive) {
    const oldConfig = running.EndpointConfigName;
    if (req.mode === "replace" && deployed !== undefined) {
      for (const model of configModels(deployed)) {
        await deleteModel(clients, model);
        result.deleted.models.push(model);
        log(`deleted model ${model}`);
      }
    }
    if (oldConfig !== undefined) {
      await deleteConfig(clients, oldConfig);
      result.deleted.configs.push(oldConfig);
      log(`deleted endpoint config ${oldConfig}`);
    }
  }
  return { ...result, endpointArn: info.EndpointArn, action: "updated", status: "InService" };
}

function toTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function creationState(
  info: DescribeEndpointOutput | undefined,
  configName: string,
  variants: ProductionVariant[],
): Poll<DescribeEndpointOutput> {
  if (info === undefined) return { done: false, status: "not visible yet" };
  const status = info.EndpointStatus ?? "unknown";
  if (status === "Failed") {
    throw new FlowgateError(
      "INVALID_STATE",
      `SageMaker endpoint '${info.EndpointName}' failed to start: ${info.FailureReason ?? "no reason given (see its CloudWatch logs)"}.`,
    );
  }
  if (status !== "InService") return { done: false, status };
  checkRunning(info, configName, variants);
  return { done: true, value: info };
}

function updateState(
  info: DescribeEndpointOutput | undefined,
  configName: string,
  variants: ProductionVariant[],
  before: Date | undefined,
  sawTransition: boolean,
  oldConfig: string | undefined,
): Poll<DescribeEndpointOutput> {
  if (info === undefined) {
    throw new FlowgateError("ABORTED", "The SageMaker endpoint disappeared while it was being updated.");
  }
  const status = info.EndpointStatus ?? "unknown";
  if (status === "Failed" || status === "UpdateRollbackFailed") {
    throw new FlowgateError(
      "INVALID_STATE",
      `Updating SageMaker endpoint '${info.EndpointName}' failed (${status}): ${info.FailureReason ?? "no reason given"}.`,
    );
  }
  if (status !== "InService") return { done: false, status };
  if (info.EndpointConfigName === configName) {
    checkRunning(info, configName, variants);
    return { done: true, value: info };
  }
  const modified =
    before !== undefined &&
    info.LastModifiedTime !== undefined &&
    info.LastModifiedTime.getTime() > before.getTime();
  if (sawTransition || modified) {
    // SageMaker rolled the update back (a variant failed its health checks or a rollback alarm fired) and says so
    // only by still running the old config.
    throw new FlowgateError(
      "ABORTED",
      `The update of SageMaker endpoint '${info.EndpointName}' was rolled back: it runs config '${info.EndpointConfigName}', not the new '${configName}'${info.FailureReason !== undefined ? ` (${info.FailureReason})` : ""}. The new config and model were kept for inspection; the old ones still serve.`,
    );
  }
  return { done: false, status: `InService on ${oldConfig ?? "the old config"}, update not started yet` };
}

/** The endpoint must run exactly the config's variants, or it is not what was deployed. */
function checkRunning(info: DescribeEndpointOutput, configName: string, variants: ProductionVariant[]): void {
  const running = (info.ProductionVariants ?? []).map((v) => v.VariantName).sort();
  const expected = variants.map((v) => v.VariantName).sort();
  if (info.EndpointConfigName !== configName || JSON.stringify(running) !== JSON.stringify(expected)) {
    throw new FlowgateError(
      "ABORTED",
      `SageMaker endpoint '${info.EndpointName}' is InService but runs config '${info.EndpointConfigName}' with variants [${running.join(", ")}], not '${configName}' with [${expected.join(", ")}].`,
    );
  }
}
