// Reading, calling and deleting a SageMaker endpoint: `status` (the endpoint, its config and each variant's
// weights and instances), `predict` (InvokeEndpoint) and `delete` (the endpoint, then — unless archived — its
// config, models and their tarballs, as MLflow does).
import { DeleteEndpointCommand } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { invalidParameter, notFound } from "../../core/errors.js";
import { aws, type SageMakerClients } from "./aws-clients.js";
import { configModels, deleteConfig, deleteModel, describeConfig } from "./endpoint-resources.js";
import { findEndpoint, pollUntil, type Waiting } from "./endpoint-wait.js";

export interface VariantStatus {
  name: string;
  model: string | undefined;
  instanceType: string | undefined;
  currentWeight: number | undefined;
  desiredWeight: number | undefined;
  currentInstances: number | undefined;
  desiredInstances: number | undefined;
  status: string | undefined;
}

export interface EndpointStatus {
  endpoint: string;
  arn: string | undefined;
  status: string;
  failureReason: string | undefined;
  configName: string | undefined;
  /** A blue/green update in flight: the config it moves to and its status. */
  pendingConfig: string | undefined;
  dataCapture: boolean;
  variants: VariantStatus[];
  lastModified: string | undefined;
}

export async function endpointStatus(clients: SageMakerClients, endpoint: string): Promise<EndpointStatus> {
  const info = await findEndpoint(clients.sagemaker, endpoint);
  if (info === undefined) throw notFound(`There is no SageMaker endpoint '${endpoint}'.`);
  const config =
    info.EndpointConfigName === undefined
      ? undefined
      : await describeConfig(clients, info.EndpointConfigName);
  const configured = new Map((config?.ProductionVariants ?? []).map((v) => [v.VariantName, v]));
  return {
    endpoint,
    arn: info.EndpointArn,
    status: info.EndpointStatus ?? "unknown",
    failureReason: info.FailureReason,
    configName: info.EndpointConfigName,
    pendingConfig: info.PendingDeploymentSummary?.EndpointConfigName,
    dataCapture: info.DataCaptureConfig?.EnableCapture === true,
    lastModified: info.LastModifiedTime?.toISOString(),
    variants: (info.ProductionVariants ?? []).map((v) => {
      const c = configured.get(v.VariantName);
      return {
        name: v.VariantName ?? "",
        model: c?.ModelName,
        instanceType: c?.InstanceType,
        currentWeight: v.CurrentWeight,
        desiredWeight: v.DesiredWeight,
        currentInstances: v.CurrentInstanceCount,
        desiredInstances: v.DesiredInstanceCount,
        status: v.VariantStatus?.map((s) => s.Status).join(", "),
      };
    }),
  };
}

export function statusText(s: EndpointStatus): string {
  const lines = [
    `endpoint   ${s.endpoint}`,
    `status     ${s.status}${s.failureReason !== undefined ? ` (${s.failureReason})` : ""}`,
    `config     ${s.configName ?? "-"}${s.pendingConfig !== undefined ? ` → ${s.pendingConfig} (update in progress)` : ""}`,
    `capture    ${s.dataCapture ? "on" : "off"}`,
    "variants",
  ];
  for (const v of s.variants) {
    lines.push(
      `  ${v.name}  model=${v.model ?? "-"}  weight=${v.currentWeight ?? "-"}→${v.desiredWeight ?? "-"}  instances=${v.currentInstances ?? "-"}→${v.desiredInstances ?? "-"} ${v.instanceType ?? ""}`.trimEnd(),
    );
  }
  return lines.join("\n");
}

export interface PredictRequest {
  endpoint: string;
  body: Uint8Array;
  contentType: string;
  /** Send the request to this variant instead of by the variants' weights. */
  targetVariant?: string | undefined;
}

export async function predictOnEndpoint(
  clients: SageMakerClients,
  req: PredictRequest,
): Promise<{ contentType: string | undefined; body: string; variant: string | undefined }> {
  const out = await aws(`InvokeEndpoint ${req.endpoint}`, () =>
    clients.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: req.endpoint,
        Body: req.body,
        ContentType: req.contentType,
        Accept: "application/json",
        ...(req.targetVariant !== undefined ? { TargetVariant: req.targetVariant } : {}),
      }),
    ),
  );
  return {
    contentType: out.ContentType,
    body: Buffer.from(out.Body ?? new Uint8Array()).toString("utf8"),
    variant: out.InvokedProductionVariant,
  };
}

export interface DeleteResult {
  endpoint: string;
  deleted: { configs: string[]; models: string[] };
}

/** Deletes the endpoint; unless `archive`, also its config and models once the endpoint is gone. */
export async function deleteEndpoint(
  clients: SageMakerClients,
  endpoint: string,
  options: { archive: boolean; wait: Waiting | undefined },
  log: (line: string) => void,
): Promise<DeleteResult> {
  if (options.wait === undefined && !options.archive) {
    throw invalidParameter(
      "--async needs --archive: the endpoint's config and models can only be deleted once the endpoint is gone.",
    );
  }
  const info = await findEndpoint(clients.sagemaker, endpoint);
  if (info === undefined) throw notFound(`There is no SageMaker endpoint '${endpoint}'.`);
  // Read before deleting: the config names the models to clean up.
  const config =
    info.EndpointConfigName === undefined
      ? undefined
      : await describeConfig(clients, info.EndpointConfigName);
  await aws(`DeleteEndpoint ${endpoint}`, () =>
    clients.sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpoint })),
  );
  log(`deleting endpoint ${endpoint}`);
  const result: DeleteResult = { endpoint, deleted: { configs: [], models: [] } };
  if (options.wait === undefined) return result;
  await pollUntil(`Deleting endpoint '${endpoint}'`, options.wait, async () => {
    const state = await findEndpoint(clients.sagemaker, endpoint);
    return state === undefined
      ? { done: true, value: undefined }
      : { done: false, status: state.EndpointStatus ?? "unknown" };
  });
  log(`deleted endpoint ${endpoint}`);
  if (options.archive || config?.EndpointConfigName === undefined) return result;
  await deleteConfig(clients, config.EndpointConfigName);
  result.deleted.configs.push(config.EndpointConfigName);
  log(`deleted endpoint config ${config.EndpointConfigName}`);
  for (const model of configModels(config)) {
    await deleteModel(clients, model);
    result.deleted.models.push(model);
    log(`deleted model ${model}`);
  }
  return result;
}
