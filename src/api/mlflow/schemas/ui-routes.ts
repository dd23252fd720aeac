// Schemas of the routes MLflow's web UI calls beside the REST API: server-info (3.0), the bulk metric
// history, dataset search, file reads (get-artifact, model-versions/get-artifact, a logged model's file),
// the UI's upload-artifact, and POST /graphql.
import type { FastifySchema } from "fastify";
import type { RouteSchema } from "../../openapi/route-schema.js";
import { ERROR_BODY, int64, message, ref, repeated, str } from "../../openapi/wire-schema.js";

const ERROR = { description: "An error.", content: { "application/json": { schema: ERROR_BODY } } };
const FILE = {
  200: {
    description: "The file's bytes.",
    content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
  },
  default: ERROR,
};
const VERSION = { type: ["string", "integer"] };

export const serverInfo: RouteSchema = {
  summary: "What kind of server this is (store type, multipart support, workspaces).",
  response: message({
    store_type: str(),
    workspaces_enabled: { type: "boolean" },
    trace_archival_enabled: { type: "boolean" },
    multipart_uploads_enabled: { type: "boolean" },
    multipart_downloads_enabled: { type: "boolean" },
    presigned_upload_run_id_supported: { type: "boolean" },
    presigned_upload_model_id_supported: { type: "boolean" },
    features_enabled: message({ gateway: { type: "boolean" } }),
  }),
};

export const getHistoryBulk: RouteSchema = {
  summary: "One metric's full history for several runs (the UI's charts).",
  args: message({ run_id: repeated(str()), metric_key: str(), max_results: int64() }),
  response: message({ metrics: repeated(ref("Metric")) }),
};

export const searchDatasets: RouteSchema = {
  summary: "The datasets logged in some experiments.",
  args: message({ experiment_ids: repeated(str()) }),
  response: message({
    dataset_summaries: repeated(
      message({ experiment_id: str(), name: str(), digest: str(), context: str() }),
    ),
  }),
};

export const getArtifact: FastifySchema = {
  tags: ["artifacts"],
  summary: "One file of a run's artifacts (the UI's viewer).",
  querystring: message({ path: str(), run_uuid: str(), run_id: str() }, ["path"]),
  response: FILE,
};

export const getModelVersionArtifact: FastifySchema = {
  tags: ["model-versions"],
  summary: "One file of a model version.",
  querystring: message({ path: str(), name: str(), version: VERSION }, ["path", "name", "version"]),
  response: FILE,
};

export const getLoggedModelFile: FastifySchema = {
  tags: ["logged-models"],
  summary: "One file of a logged model.",
  params: message({ model_id: str() }, ["model_id"]),
  querystring: message({ artifact_file_path: str() }),
  response: FILE,
};

export const uploadArtifact: FastifySchema = {
  tags: ["artifacts"],
  summary: "Upload one file into a run's artifacts (the UI's upload; the body is the file's bytes).",
  querystring: message({ run_uuid: str(), path: str() }),
  body: {
    content: {
      "application/octet-stream": { schema: { type: "string", format: "binary", "x-raw-body": true } },
    },
  },
  response: { 200: { description: "An empty body, as MLflow answers." }, default: ERROR },
};

export const graphql: FastifySchema = {
  tags: ["graphql"],
  summary: "MLflow's GraphQL endpoint (the subset of its schema the UI reads).",
  body: message({ query: str(), variables: { type: ["object", "null"] }, operationName: str() }),
  response: {
    200: message({
      data: { type: ["object", "null"] },
      errors: { type: ["array", "null"], items: {} },
    }),
    default: ERROR_BODY,
  },
};

export const graphqlGet: FastifySchema = {
  tags: ["graphql"],
  summary: "Refused: GraphQL queries are POSTs (a 400 that says so).",
  response: { 400: ERROR_BODY, default: ERROR_BODY },
};
