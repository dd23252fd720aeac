// Schemas of the artifact routes: MLflow's runs' artifact listing (ListArtifacts) and the artifact proxy
// (`/api/2.0/mlflow-artifacts/...`: raw-byte upload, download, listing, delete; multipart uploads and presigned
// downloads, 501 for a store without them). The path after `artifacts/` is the artifact's path (first segment: experiment id).
import type { FastifySchema } from "fastify";
import type { RouteSchema } from "../../openapi/route-schema.js";
import { ERROR_BODY, EMPTY, int64, message, str } from "../../openapi/wire-schema.js";
import { LIST_ARTIFACTS_RESPONSE } from "./logged-models.js";

export const listArtifacts: RouteSchema = {
  summary: "A run's artifact files under a directory.",
  args: message({ run_id: str(), run_uuid: str(), path: str(), page_token: str() }),
  response: LIST_ARTIFACTS_RESPONSE,
};

const PATH = message({ "*": str("The artifact's path, e.g. `1/<run_id>/artifacts/model/MLmodel`.") }, ["*"]);
const BYTES = { type: "string", format: "binary" };
const ERROR = { description: "An error.", content: { "application/json": { schema: ERROR_BODY } } };
const PROXY = { tags: ["mlflow-artifacts"] };

export const uploadArtifact: FastifySchema = {
  ...PROXY,
  summary: "Upload a file (raw bytes of any content type).",
  params: PATH,
  body: { content: { "application/octet-stream": { schema: { ...BYTES, "x-raw-body": true } } } },
  response: { 200: EMPTY, default: ERROR },
};

export const listProxyArtifacts: FastifySchema = {
  ...PROXY,
  summary: "The files under `path` in the artifact store.",
  querystring: message({ path: str() }),
  response: {
    200: {
      description: "The listing.",
      content: { "application/json": { schema: LIST_ARTIFACTS_RESPONSE } },
    },
    default: ERROR,
  },
};

export const downloadArtifact: FastifySchema = {
  ...PROXY,
  summary: "Download a file.",
  params: PATH,
  response: {
    200: { description: "The file's bytes.", content: { "application/octet-stream": { schema: BYTES } } },
    default: ERROR,
  },
};

export const deleteArtifact: FastifySchema = {
  ...PROXY,
  summary: "Delete a file or directory.",
  params: PATH,
  response: { 200: EMPTY, default: ERROR },
};

export const deleteArtifactRoot: FastifySchema = {
  ...PROXY,
  summary: "Delete under `path` (the client names the path in the URL; a bare prefix is refused).",
  response: { 200: EMPTY, default: ERROR },
};

const MPU_BODY = {
  content: {
    "application/json": {
      schema: { ...message({ path: str(), num_parts: int64(), upload_id: str() }), "x-raw-body": true },
    },
  },
};

const MPU_RESPONSE = message({
  upload_id: str(),
  credentials: {
    type: "array",
    items: message({
      url: str(),
      part_number: int64(),
      headers: { type: "object", additionalProperties: str() },
    }),
  },
});

/** Multipart uploads: signed part URLs for a store that has them (S3); 501 otherwise, so the client uses a plain PUT. */
export const multipartUpload = (action: "create" | "complete" | "abort"): FastifySchema => ({
  ...PROXY,
  summary: {
    create:
      "Start a multipart upload: one presigned URL per part, which the client PUTs to the object store.",
    complete: "Complete a multipart upload from its parts' ETags: the file appears whole.",
    abort: "Abort a multipart upload: its parts are dropped, no file appears.",
  }[action],
  description:
    "The path is the directory; the body's `path` names the file. 501 when the artifact store is a local directory.",
  params: PATH,
  body: MPU_BODY,
  response: {
    200: {
      description: action === "create" ? "The upload id and a credential per part." : "Done.",
      content: { "application/json": { schema: action === "create" ? MPU_RESPONSE : EMPTY } },
    },
    default: ERROR,
  },
});

export const presignedDownload: FastifySchema = {
  ...PROXY,
  summary: "A presigned URL to download the file from the object store directly (S3); 501 for a local store.",
  params: PATH,
  response: {
    200: {
      description: "The URL, the headers to send with it and the file's size.",
      content: {
        "application/json": {
          schema: message({
            url: str(),
            headers: { type: "object", additionalProperties: str() },
            file_size: int64(),
          }),
        },
      },
    },
    default: ERROR,
  },
};
