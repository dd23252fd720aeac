// The three AWS clients a SageMaker deployment talks to, configured the way the AWS CLI is: credentials from the
// default chain (AWS_* variables, ~/.aws, instance roles), the region from --region or AWS_REGION /
// AWS_DEFAULT_REGION / the profile, and an endpoint override from --endpoint-url or the SDK's own
// AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SAGEMAKER, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME and AWS_ENDPOINT_URL_S3.
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { FlowgateError, invalidParameter, notFound, type ErrorCode } from "../../core/errors.js";

export interface AwsTarget {
  region?: string | undefined;
  /** One endpoint for every service (as `aws --endpoint-url`), e.g. a local moto server. */
  endpointUrl?: string | undefined;
}

export interface SageMakerClients {
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  s3: S3Client;
  region: string | undefined;
}

export function sageMakerClients(target: AwsTarget, env: NodeJS.ProcessEnv = process.env): SageMakerClients {
  if (target.endpointUrl !== undefined && !/^https?:\/\/[^/]/.test(target.endpointUrl)) {
    throw invalidParameter(`--endpoint-url must be an http(s):// URL, not '${target.endpointUrl}'.`);
  }
  // The SDK warns on Node < 22 that its FUTURE releases will need Node 22; the pinned one runs on Node 20, which
  // Flowgate supports, so the warning would only be noise on every deploy command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // The SDK reads AWS_REGION and the profile but not AWS_DEFAULT_REGION, which the AWS CLI honours.
  const region = target.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const common = {
    ...(region !== undefined && region !== "" ? { region } : {}),
    ...(target.endpointUrl !== undefined ? { endpoint: target.endpointUrl } : {}),
  };
  // S3-compatible servers behind an endpoint override rarely resolve virtual-hosted bucket names
  // (bucket.127.0.0.1): address buckets by path there, as the AWS CLI's path style does.
  const s3Override = target.endpointUrl ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return {
    sagemaker: new SageMakerClient(common),
    runtime: new SageMakerRuntimeClient(common),
    s3: new S3Client({ ...common, forcePathStyle: s3Override !== undefined && s3Override !== "" }),
    region,
  };
}

/** SageMaker answers a missing endpoint, config or model with a ValidationException "Could not find …". */
export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return (
    (e.name === "ValidationException" || e.name === "ValidationError" || e.name === "ResourceNotFound") &&
    /could not find/i.test(e.message ?? "")
  );
}

/** An AWS SDK failure as a FlowgateError naming the call, so the CLI prints one line with a useful code. */
export function awsError(call: string, err: unknown): FlowgateError {
  if (err instanceof FlowgateError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const message = `${call} failed: ${e.name ?? "Error"}: ${e.message ?? String(err)}`;
  if (isNotFound(err)) return notFound(message);
  const status = e.$metadata?.httpStatusCode;
  let code: ErrorCode = "INTERNAL_ERROR";
  if (e.name === "CredentialsProviderError" || status === 401) code = "UNAUTHENTICATED";
  else if (status === 403 || e.name === "AccessDeniedException") code = "PERMISSION_DENIED";
  else if (e.name === "ThrottlingException" || status === 429) code = "REQUEST_LIMIT_EXCEEDED";
  else if (status !== undefined && status >= 400 && status < 500) code = "INVALID_PARAMETER_VALUE";
  else if (status === undefined || status >= 500) code = "TEMPORARILY_UNAVAILABLE";
  return new FlowgateError(code, message);
}

/** Runs one AWS call, turning its failure into a FlowgateError that names it. */
export async function aws<T>(call: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw awsError(call, err);
  }
}
