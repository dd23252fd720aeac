// The serving process's API contract: one JSON schema per route's request and responses, registered with the
// routes (so Fastify validates params, and the OIP v2 infer body, with them) and published as an OpenAPI 3.1
// document at GET /openapi.json by @fastify/swagger. MLflow's scoring routes keep MLflow's error bodies
// ({error_code, message}; 415 in text/plain); Open Inference Protocol routes answer errors as {error}, as KServe
// and Triton do. The /invocations body is documented here but checked by the MLflow-compatible parser, whose
// messages clients match on.
import swagger from "@fastify/swagger";
import type { FastifyInstance, FastifySchema } from "fastify";
import { FLOWGATE_VERSION } from "../core/version.js";
import { OIP_DATATYPES } from "./tensor-shape.js";

export const OPENAPI_PATH = "/openapi.json";

type Schema = Record<string, unknown>;

const MLFLOW_ERROR: Schema = {
  type: "object",
  description: "MLflow's error body.",
  required: ["error_code", "message"],
  properties: {
    error_code: { type: "string" },
    message: { type: "string" },
    stack_trace: { type: "string" },
  },
};
const OIP_ERROR: Schema = {
  type: "object",
  description: "Open Inference Protocol error body.",
  required: ["error"],
  properties: { error: { type: "string" } },
};
/** OIP routes answer {error}; failures before the handler (body limit, content encoding) are MLflow's body. */
const OIP_OR_MLFLOW_ERROR: Schema = { anyOf: [OIP_ERROR, MLFLOW_ERROR] };
const TEXT_ERROR = { content: { "text/plain": { schema: { type: "string" } } } };

const json = (schema: Schema, description: string): Schema => ({
  description,
  content: { "application/json": { schema } },
});
const mlflowError = (description: string): Schema => json(MLFLOW_ERROR, description);
const oipError = (description: string): Schema => json(OIP_OR_MLFLOW_ERROR, description);

const TENSOR: Schema = {
  type: "object",
  required: ["name", "shape", "datatype", "data"],
  properties: {
    name: { type: "string", minLength: 1 },
    shape: { type: "array", maxItems: 32, items: { type: "integer", minimum: 0 } },
    datatype: { type: "string", enum: [...OIP_DATATYPES] },
    data: {
      type: "array",
      minItems: 1,
      description: "Row-major values, flat or nested; as many as the shape's product.",
    },
    parameters: { type: "object" },
  },
};
const OUTPUT_TENSOR: Schema = {
  type: "object",
  required: ["name", "shape", "datatype", "data"],
  properties: {
    name: { type: "string" },
    shape: { type: "array", items: { type: "integer" } },
    datatype: { type: "string" },
    data: { type: "array" },
  },
};

/** The OIP v2 infer request; Fastify validates the parsed body with it. */
export const INFER_REQUEST: Schema = {
  type: "object",
  required: ["inputs"],
  properties: {
    id: { type: "string" },
    parameters: { type: "object" },
    inputs: { type: "array", minItems: 1, items: TENSOR },
    outputs: { type: "array", items: { type: "object" } },
  },
};

const dataKey = (key: string, schema: Schema): Schema => ({
  type: "object",
  required: [key],
  properties: {
    [key]: schema,
    params: { type: ["object", "null"], description: "Inference parameters (the model's params schema)." },
  },
});
/** MLflow's JSON scoring body: exactly one of the four data keys (other keys are ignored, as in MLflow). */
const INVOCATION_JSON: Schema = {
  oneOf: [
    dataKey("dataframe_split", {
      type: "object",
      required: ["data"],
      properties: { columns: { type: "array" }, data: { type: "array" }, index: { type: "array" } },
      additionalProperties: false,
    }),
    dataKey("dataframe_records", { type: "array" }),
    dataKey("instances", { type: "array" }),
    dataKey("inputs", { type: ["array", "object", "string", "number", "boolean", "null"] }),
  ],
};

const READY_ERROR = mlflowError(
  "The model is not loaded yet, or (Python) no worker is ready; the message says why.",
);

/** Route schemas, by route. Tags group the document; every response the route gives is listed. */
export const SERVING_SCHEMAS = {
  ping: {
    tags: ["MLflow scoring"],
    summary: "Liveness and readiness, as MLflow's /ping: 200 once the model is loaded.",
    response: {
      // type null: no content in the document; the body is MLflow's "\n", which is not JSON.
      200: {
        type: "null",
        description: "Ready; the body is an empty line, as MLflow's scoring server answers.",
      },
      503: READY_ERROR,
    },
  },
  health: {
    tags: ["MLflow scoring"],
    summary: "The same as /ping; a 503 says why the model cannot answer (e.g. a Python worker restarting).",
    response: {
      200: { type: "null", description: "Ready; the body is an empty line." },
      503: READY_ERROR,
    },
  },
  version: {
    tags: ["MLflow scoring"],
    summary: "The serving process's version.",
    response: {
      200: { description: "Version string.", content: { "text/plain": { schema: { type: "string" } } } },
    },
  },
  metadata: {
    tags: ["Flowgate"],
    summary: "The hosted models: runtime, why it was chosen, load time, workers or ONNX inputs.",
    response: {
      200: json(
        {
          type: "object",
          required: ["flowgate_version", "ready", "models"],
          properties: {
            flowgate_version: { type: "string" },
            ready: { type: "boolean" },
            models: {
              type: "array",
              items: {
                type: "object",
                required: ["name", "version", "runtime", "reason"],
                properties: {
                  name: { type: "string" },
                  version: { type: "string" },
                  runtime: { type: "string", enum: ["onnx", "python"] },
                  reason: { type: "string" },
                  load_seconds: { type: "number" },
                  flavors: { type: "array", items: { type: "string" } },
                  queued: { type: "integer" },
                  python: { type: "string", description: "The Python runtime's interpreter." },
                  workers: {
                    type: "array",
                    description: "The Python runtime's worker processes.",
                    items: {
                      type: "object",
                      properties: {
                        pid: { type: "integer" },
                        state: { type: "string", enum: ["loading", "ready", "failed", "exited"] },
                        loaded_by: {
                          type: "string",
                          description:
                            "What loaded the model: flowgate_worker.sklearn_model (a plain mlflow.sklearn model, without importing MLflow) or mlflow.pyfunc.",
                        },
                      },
                    },
                  },
                  workers_replaced: { type: "integer" },
                },
              },
            },
          },
        },
        "Hosted models.",
      ),
    },
  },
  metrics: {
    tags: ["Flowgate"],
    summary: "Prometheus metrics (requests, latency, batch sizes, in-flight, load time).",
    response: {
      200: {
        description: "Prometheus text format.",
        content: { "text/plain": { schema: { type: "string" } } },
      },
    },
  },
  invocations: {
    tags: ["MLflow scoring"],
    summary: "Score a batch with MLflow's scoring protocol (JSON, CSV or Parquet; gzip/deflate allowed).",
    response: {
      200: json(
        { type: "object", required: ["predictions"], properties: { predictions: {} } },
        "The model's predictions.",
      ),
      400: mlflowError("Invalid input (MLflow's messages)."),
      413: mlflowError("The body, or what it decompresses or decodes to, is over the limit."),
      415: { description: "Unsupported content type or encoding (text/plain, as MLflow).", ...TEXT_ERROR },
      503: mlflowError("Not loaded yet, or the queue is full."),
      504: mlflowError("MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT exceeded."),
    },
  },
  openapi: {
    tags: ["Flowgate"],
    summary: "This document (OpenAPI 3.1).",
    response: {
      200: json(
        { type: "object", required: ["openapi"], properties: { openapi: { type: "string" } } },
        "The document.",
      ),
    },
  },
  oipServer: {
    tags: ["Open Inference Protocol v2"],
    summary: "Server metadata.",
    response: {
      200: json(
        {
          type: "object",
          required: ["name", "version", "extensions"],
          properties: {
            name: { type: "string" },
            version: { type: "string" },
            extensions: { type: "array", items: { type: "string" } },
          },
        },
        "Server metadata.",
      ),
    },
  },
  oipLive: {
    tags: ["Open Inference Protocol v2"],
    summary: "Server liveness.",
    response: {
      200: json({ type: "object", required: ["live"], properties: { live: { type: "boolean" } } }, "Live."),
    },
  },
  oipReady: {
    tags: ["Open Inference Protocol v2"],
    summary: "Server readiness.",
    response: {
      200: json(
        { type: "object", required: ["ready"], properties: { ready: { type: "boolean" } } },
        "Ready.",
      ),
      503: json(
        { type: "object", required: ["ready"], properties: { ready: { type: "boolean" } } },
        "Not ready.",
      ),
    },
  },
  oipModel: {
    tags: ["Open Inference Protocol v2"],
    summary: "Model metadata: its inputs (from the signature) and outputs.",
    response: {
      200: json(
        {
          type: "object",
          required: ["name", "versions", "platform", "inputs", "outputs"],
          properties: {
            name: { type: "string" },
            versions: { type: "array", items: { type: "string" } },
            platform: { type: "string" },
            inputs: { type: "array", items: { type: "object" } },
            outputs: { type: "array", items: { type: "object" } },
          },
        },
        "Model metadata.",
      ),
      404: json(OIP_ERROR, "The model is not served here."),
    },
  },
  oipModelReady: {
    tags: ["Open Inference Protocol v2"],
    summary: "Model readiness.",
    response: {
      200: json(MODEL_READY(), "Ready."),
      404: json(MODEL_READY(), "The model is not served here."),
      503: json(MODEL_READY(), "Not ready."),
    },
  },
  oipInfer: {
    tags: ["Open Inference Protocol v2"],
    summary: "Inference with input tensors; the product of each shape must equal the number of values sent.",
    body: INFER_REQUEST,
    response: {
      200: json(
        {
          type: "object",
          required: ["model_name", "model_version", "outputs"],
          properties: {
            model_name: { type: "string" },
            model_version: { type: "string" },
            id: { type: "string" },
            outputs: { type: "array", items: OUTPUT_TENSOR },
          },
        },
        "Output tensors.",
      ),
      400: oipError(
        "Invalid request: malformed JSON, a schema violation, or tensors inconsistent with their shape.",
      ),
      404: oipError("The model is not served here."),
      413: oipError("The body is over the limit."),
      415: { description: "Unsupported content encoding.", ...TEXT_ERROR },
      503: oipError("Not ready, or the queue is full."),
      504: oipError("MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT exceeded."),
    },
  },
} satisfies Record<string, Schema>;

function MODEL_READY(): Schema {
  return {
    type: "object",
    required: ["name", "ready"],
    properties: { name: { type: "string" }, ready: { type: "boolean" } },
  };
}

/** A schema violation as one sentence: the first failing field, named as in the body (`'inputs[0].shape[1]'`). */
export function describeViolation(error: {
  message: string;
  validation?: { instancePath: string; message?: string }[];
}): string {
  const first = error.validation?.[0];
  if (first === undefined) return error.message;
  const field = first.instancePath
    .split("/")
    .filter((p) => p !== "")
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join("");
  return field === ""
    ? `the body ${first.message ?? "is invalid"}`
    : `'${field}' ${first.message ?? "is invalid"}`;
}

/** Path parameters of the OIP model routes (a version is optional). */
export function modelParams(withVersion: boolean): Schema {
  return {
    type: "object",
    required: withVersion ? ["name", "version"] : ["name"],
    properties: { name: { type: "string" }, ...(withVersion ? { version: { type: "string" } } : {}) },
  };
}

/** A route's schema as Fastify takes it (the swagger plugin adds tags and summary to its type). */
export function routeSchema(schema: Schema, params?: Schema): FastifySchema {
  return { ...schema, ...(params ? { params } : {}) };
}

/**
 * Registers the document builder; call before the routes are added. The /invocations body is added to the
 * document only (its raw body is parsed by the MLflow-compatible parser, not validated by Fastify).
 */
export async function installServingOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Flowgate model serving",
        version: FLOWGATE_VERSION,
        description:
          "MLflow's scoring protocol (/invocations, /ping, /health, /version), Open Inference Protocol v2 " +
          "(/v2/...), and Flowgate's /metadata and /metrics.",
      },
    },
    transform: ({ schema, url }) => {
      if (url !== "/invocations") return { schema, url };
      return {
        schema: {
          ...schema,
          body: {
            content: {
              "application/json": { schema: INVOCATION_JSON },
              "text/csv": { schema: { type: "string" } },
              "application/vnd.apache.parquet": { schema: { type: "string", format: "binary" } },
            },
          },
        },
        url,
      };
    },
  });
  app.get(OPENAPI_PATH, { schema: routeSchema(SERVING_SCHEMAS.openapi) }, async () => app.swagger());
}
