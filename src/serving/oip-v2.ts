// Open Inference Protocol v2 (KServe/Triton/MLServer) over the same runtimes: request tensors become a frame
// (one tensor per signature column, or one [N, columns] matrix) or a tensor input; predictions become tensors.
import type { FastifyInstance, FastifyReply } from "fastify";
import { FlowgateError, invalidParameter } from "../core/errors.js";
import { FLOWGATE_VERSION } from "../core/version.js";
import type { Cell, ModelInput } from "./frame.js";
import { routableOf, type DeploymentHost } from "./deployment-host.js";
import { submitPrediction, type HostedModel, type HostedModels } from "./hosted-model.js";
import type { PredictionResult } from "./runtime.js";
import { MAX_JSON_DEPTH, nestingDepth } from "./scoring-protocol.js";
import { checkTensor, type CheckedTensor } from "./tensor-shape.js";
import { describeViolation, modelParams, routeSchema, SERVING_SCHEMAS } from "./openapi.js";

interface InferTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

export interface OipOptions {
  models: HostedModels;
  isReady: () => boolean;
  await: (submitted: { result: Promise<PredictionResult>; cancel: () => void }) => Promise<PredictionResult>;
  /** A hosted deployment routes /v2/models/<model>/infer; the versioned path still names its version. */
  deployment?: DeploymentHost | undefined;
}

export function registerOipV2(app: FastifyInstance, options: OipOptions): void {
  const { models } = options;
  const oipError = (reply: FastifyReply, status: number, message: string): FastifyReply =>
    reply.status(status).send({ error: message });
  const lookup = (params: { name: string; version?: string }): HostedModel | undefined =>
    models.find(params.name, params.version);

  app.get("/v2", { schema: routeSchema(SERVING_SCHEMAS.oipServer) }, async () => ({
    name: "flowgate",
    version: FLOWGATE_VERSION,
    extensions: [],
  }));
  app.get("/v2/health/live", { schema: routeSchema(SERVING_SCHEMAS.oipLive) }, async () => ({ live: true }));
  app.get("/v2/health/ready", { schema: routeSchema(SERVING_SCHEMAS.oipReady) }, async (_req, reply) =>
    reply.status(options.isReady() ? 200 : 503).send({ ready: options.isReady() }),
  );

  for (const prefix of ["/v2/models/:name", "/v2/models/:name/versions/:version"]) {
    const params = modelParams(prefix.includes(":version"));
    app.get<{ Params: { name: string; version?: string } }>(
      prefix,
      { schema: routeSchema(SERVING_SCHEMAS.oipModel, params) },
      async (request, reply) => {
        const model = lookup(request.params);
        if (model === undefined)
          return oipError(reply, 404, `Model '${request.params.name}' is not served here.`);
        return metadataOf(model, models);
      },
    );
    app.get<{ Params: { name: string; version?: string } }>(
      `${prefix}/ready`,
      { schema: routeSchema(SERVING_SCHEMAS.oipModelReady, params) },
      async (request, reply) => {
        const model = lookup(request.params);
        const ready = model?.runtime.ready() === true;
        return reply
          .status(ready ? 200 : model === undefined ? 404 : 503)
          .send({ name: request.params.name, ready });
      },
    );
    app.post<{ Params: { name: string; version?: string } }>(
      `${prefix}/infer`,
      {
        schema: routeSchema(SERVING_SCHEMAS.oipInfer, params),
        // The raw body is parsed here so that Fastify validates the JSON with the documented schema; the handler
        // answers a violation in the protocol's {error} form.
        attachValidation: true,
        preValidation: async (request, reply) => {
          try {
            request.body = JSON.parse(
              (request.body as Buffer | undefined)?.toString("utf8") ?? "",
            ) as unknown;
          } catch (err) {
            return oipError(reply, 400, `Malformed JSON body: ${(err as Error).message}`);
          }
          if (nestingDepth(request.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
            return oipError(reply, 400, `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
          }
        },
      },
      async (request, reply) => {
        const model = lookup(request.params);
        if (model === undefined)
          return oipError(reply, 404, `Model '${request.params.name}' is not served here.`);
        if (request.validationError !== undefined) {
          return oipError(
            reply,
            400,
            `Invalid inference request: ${describeViolation(request.validationError)}.`,
          );
        }
        try {
          const body = request.body;
          const routed =
            options.deployment !== undefined && request.params.version === undefined
              ? options.deployment.route(routableOf(request, () => body))
              : undefined;
          const target = routed?.model ?? model;
          const input = toModelInput(body, target);
          let result: PredictionResult;
          if (routed !== undefined && options.deployment !== undefined) {
            reply.header("x-flowgate-version", routed.decision.version);
            if (routed.decision.setCookie !== undefined)
              reply.header("set-cookie", routed.decision.setCookie);
            const scored = await options.deployment.score(
              routed,
              request.id,
              input,
              options.await,
              request.log,
            );
            result = scored.result;
            if (scored.afterReply !== undefined) reply.raw.once("finish", scored.afterReply);
          } else {
            result = await options.await(submitPrediction(target, input, request.log));
          }
          if (!result.ok) throw result.error;
          const id = (body as { id?: unknown }).id;
          return {
            model_name: target.name,
            model_version: target.version,
            ...(typeof id === "string" ? { id } : {}),
            outputs: toTensors(JSON.parse(result.predictions) as unknown),
          };
        } catch (err) {
          if (err instanceof FlowgateError) return oipError(reply, err.status, err.message);
          throw err;
        }
      },
    );
  }
}

function metadataOf(model: HostedModel, models: HostedModels): Record<string, unknown> {
  const schema = model.meta.signature.inputs;
  const inputs =
    schema?.kind === "columns"
      ? schema.columns.map((c) => ({ name: c.name ?? "", datatype: oipType(c.type), shape: [-1] }))
      : (schema?.tensors ?? []).map((t) => ({
          name: t.name ?? "input",
          datatype: oipType(t.dtype),
          shape: t.shape,
        }));
  return {
    name: model.name,
    versions: models
      .all()
      .filter((m) => m.name === model.name)
      .map((m) => m.version),
    platform: model.runtime.kind === "onnx" ? "onnxruntime_onnx" : "mlflow_pyfunc",
    inputs,
    outputs: [{ name: "predictions", datatype: "BYTES", shape: [-1] }],
  };
}

function oipType(type: string): string {
  const map: Record<string, string> = {
    double: "FP64",
    float64: "FP64",
    float: "FP32",
    float32: "FP32",
    long: "INT64",
    int64: "INT64",
    integer: "INT32",
    int32: "INT32",
    boolean: "BOOL",
    bool: "BOOL",
  };
  return map[type] ?? "BYTES";
}

function toModelInput(body: unknown, model: HostedModel): ModelInput {
  const request = body as { inputs?: unknown; parameters?: unknown };
  if (
    request === null ||
    typeof request !== "object" ||
    Array.isArray(request) ||
    !Array.isArray(request.inputs) ||
    request.inputs.length === 0
  ) {
    throw invalidParameter(
      "An inference request needs 'inputs': a non-empty list of {name, shape, datatype, data}.",
    );
  }
  const rawParams = request.parameters;
  if (
    rawParams !== undefined &&
    (rawParams === null || typeof rawParams !== "object" || Array.isArray(rawParams))
  ) {
    throw invalidParameter("'parameters' must be a JSON object.");
  }
  const params = rawParams as Record<string, unknown> | undefined;
  // Every tensor is checked (shape against data) before anything is built from its shape.
  const tensors = request.inputs.map(checkTensor);
  const schema = model.meta.signature.inputs;
  const columns = schema?.kind === "columns" ? schema.columns.map((c) => c.name ?? "") : [];
  if (columns.length > 0 && tensors.every((t) => columns.includes(t.name))) {
    const rows = tensors[0]?.shape[0] ?? 0;
    const columnShaped = (t: CheckedTensor): boolean =>
      (t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1)) && t.shape[0] === rows;
    if (!tensors.every(columnShaped))
      throw invalidParameter("Every column tensor must have shape [N] or [N, 1] with the same N.");
    return {
      kind: "frame",
      frame: {
        columns: tensors.map((t) => t.name),
        data: tensors.map((t) => t.values),
        rows,
        fromText: false,
      },
      params,
    };
  }
  const only = tensors[0] as CheckedTensor;
  if (
    columns.length > 0 &&
    tensors.length === 1 &&
    only.shape.length === 2 &&
    only.shape[1] === columns.length
  ) {
    const rows = only.shape[0] as number;
    const data = columns.map((_c, j) =>
      Array.from({ length: rows }, (_v, i) => only.values[i * columns.length + j] as Cell),
    );
    return { kind: "frame", frame: { columns, data, rows, fromText: false }, params };
  }
  if (tensors.length === 1) {
    const reshape = (offset: number, level: number): unknown => {
      if (level === only.shape.length) return only.values[offset];
      const stride = only.shape.slice(level + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: only.shape[level] as number }, (_v, i) =>
        reshape(offset + i * stride, level + 1),
      );
    };
    return { kind: "tensor", body: { inputs: reshape(0, 0) }, params };
  }
  throw invalidParameter(
    `Input tensors must be named after the signature columns ${JSON.stringify(columns)}, or be one [N, ${columns.length}] tensor.`,
  );
}

function toTensors(predictions: unknown): InferTensor[] {
  if (
    Array.isArray(predictions) &&
    predictions.length > 0 &&
    predictions.every((p) => p !== null && typeof p === "object" && !Array.isArray(p))
  ) {
    const keys = Object.keys(predictions[0] as object);
    return keys.map((k) =>
      tensorOf(
        k,
        predictions.map((p) => (p as Record<string, unknown>)[k]),
      ),
    );
  }
  if (predictions !== null && typeof predictions === "object" && !Array.isArray(predictions)) {
    return Object.entries(predictions).map(([k, v]) => tensorOf(k, Array.isArray(v) ? v : [v]));
  }
  return [tensorOf("predictions", Array.isArray(predictions) ? predictions : [predictions])];
}

function tensorOf(name: string, values: unknown[]): InferTensor {
  const shape: number[] = [];
  for (let level: unknown = values; Array.isArray(level); level = level[0]) shape.push(level.length);
  const data = values.flat(Infinity);
  const datatype = data.every((v) => typeof v === "boolean")
    ? "BOOL"
    : data.every((v) => typeof v === "number" && Number.isInteger(v))
      ? "INT64"
      : data.every((v) => typeof v === "number" || v === null)
        ? "FP64"
        : "BYTES";
  return { name, shape, datatype, data };
}
