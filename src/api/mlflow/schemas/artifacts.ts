// Schemas of the artifact routes: MLflow's runs' artifact listing (ListArtifacts) and the artifact proxy
// (`/api/2.0/mlflow-artifacts/...`: raw-byte upload, download, listing, delete; multipart and presigned URLs
// are declined with 501). The path after `artifacts/` is the artifact's path (first segment: experiment id).
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

/** Multipart uploads (POST) and presigned URLs (GET): declined with 501 so the client uses plain PUT/GET. */
export const notImplemented = (method: "GET" | "POST", summary: string): FastifySchema => ({
  ...PROXY,
  summary: `${summary} Not supported: answers 501 so the client uses plain PUT/GET.`,
  params: PATH,
  ...(method === "POST" ? { body: MPU_BODY } : {}),
  response: { 501: ERROR_BODY, default: ERROR },
});
