// Where an s3:// artifact store is and how to reach it, configured the way MLflow's S3ArtifactRepository is
// (so one environment serves `mlflow server` and `flowgate server` alike): MLFLOW_S3_ENDPOINT_URL for an
// S3-compatible server (MinIO, Ceph, moto…), MLFLOW_S3_IGNORE_TLS, MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE,
// MLFLOW_S3_EXPECTED_BUCKET_OWNER, and the SDK's own AWS_* credential and region chain.
import { Agent } from "node:https";
import { S3Client } from "@aws-sdk/client-s3";
import { invalidParameter } from "../core/errors.js";

export interface S3Location {
  bucket: string;
  /** The key prefix of the store: "" (the whole bucket) or ending with "/", so `1/abc` never matches `1/abcd`. */
  prefix: string;
}

// Bucket names as S3 allows them (3-63 lowercase letters, digits, dots and hyphens); S3-compatible servers
// accept the same, and anything else here is a typo that would fail at the first upload.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/some/prefix` → `{bucket, prefix: "some/prefix/"}`. */
export function parseS3Uri(uri: string, flag: string): S3Location {
  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(uri);
  const bucket = match?.[1] ?? "";
  if (match === null || !BUCKET.test(bucket)) {
    throw invalidParameter(
      `Invalid ${flag} '${uri}': an S3 location is s3://<bucket>[/<prefix>], the bucket 3-63 lowercase letters, digits, '.' or '-'.`,
    );
  }
  const segments = (match[2] ?? "").split("/").filter((s) => s !== "");
  if (segments.some((s) => s === "." || s === "..")) {
    throw invalidParameter(`Invalid ${flag} '${uri}': the prefix may not contain '.' or '..' segments.`);
  }
  return { bucket, prefix: segments.length === 0 ? "" : `${segments.join("/")}/` };
}

export function isS3Uri(uri: string): boolean {
  return /^s3:/i.test(uri);
}

/** The S3 settings read from the environment, as MLflow reads them. */
export interface S3Settings {
  endpoint?: string;
  ignoreTls: boolean;
  forcePathStyle: boolean;
  region: string;
  expectedBucketOwner?: string;
  /** Keys given in the environment; otherwise the SDK's chain (profiles, SSO, web identity, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function s3SettingsFrom(env: NodeJS.ProcessEnv): S3Settings {
  const endpoint = env.MLFLOW_S3_ENDPOINT_URL?.trim() || undefined;
  const style = (env.MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE ?? "auto").trim().toLowerCase();
  if (!["auto", "path", "virtual"].includes(style)) {
    throw invalidParameter(
      `Invalid MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE '${style}': use auto, path or virtual.`,
    );
  }
  const owner = env.MLFLOW_S3_EXPECTED_BUCKET_OWNER?.trim() || undefined;
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim() || undefined;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim() || undefined;
  const sessionToken = env.AWS_SESSION_TOKEN?.trim() || undefined;
  return {
    ...(endpoint === undefined ? {} : { endpoint }),
    ignoreTls: ["true", "1", "yes"].includes((env.MLFLOW_S3_IGNORE_TLS ?? "").trim().toLowerCase()),
    // S3-compatible servers rarely have a DNS name per bucket: "auto" means path style for a custom endpoint.
    forcePathStyle: style === "path" || (style === "auto" && endpoint !== undefined),
    // boto3 reads AWS_DEFAULT_REGION, the JS SDK AWS_REGION; S3 answers us-east-1 requests for any bucket.
    region: env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || "us-east-1",
    ...(owner === undefined ? {} : { expectedBucketOwner: owner }),
    ...(accessKeyId === undefined || secretAccessKey === undefined
      ? {}
      : {
          credentials: {
            accessKeyId,
            secretAccessKey,
            ...(sessionToken === undefined ? {} : { sessionToken }),
          },
        }),
  };
}

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    // The SDK's default CRC32 checksums on every PUT and GET are refused or mis-validated by many
    // S3-compatible servers (aws-sdk-js-v3#6810): checksum only where the S3 API requires one.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(settings.ignoreTls
      ? { requestHandler: { httpsAgent: new Agent({ rejectUnauthorized: false }) } }
      : {}),
  });
}
