// The serving HTTP app (its own Fastify instance, separate from the tracking server): MLflow's scoring routes
// (/invocations, /ping, /health, /version), /metadata, /metrics and Open Inference Protocol v2. Bodies are read
// raw with a size limit enforced before parsing — also on the decompressed size of gzip/deflate bodies.
import { promisify } from "node:util";
import { gunzip, inflate } from "node:zlib";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { FlowgateError } from "../core/errors.js";
import { newRequestId } from "../core/ids.js";
import type { Logger } from "../core/logger.js";
import { FLOWGATE_VERSION } from "../core/version.js";
import type { DeploymentHost } from "./deployment-host.js";
import { routableOf } from "./deployment-host.js";
import type { HostedModels } from "./hosted-model.js";
import { submitPrediction } from "./hosted-model.js";
import type { ServingMetrics } from "./metrics.js";
import { registerOipV2 } from "./oip-v2.js";
import { installServingOpenApi, routeSchema, SERVING_SCHEMAS } from "./openapi.js";
import type { PredictionResult } from "./runtime.js";
import { checkContentType, parseInvocation } from "./scoring-protocol.js";

export interface ServingServerOptions {
  logger: Logger;
  models: HostedModels;
  metrics: ServingMetrics;
  maxBodyBytes: number;
  /** MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT, in seconds. */
  requestTimeoutSeconds: number;
  /** Longest a client may take to send a whole request, headers and body (408 beyond). */
  bodyTimeoutSeconds: number;
  /** Longest a client may take to send the request headers (408 beyond); at most bodyTimeoutSeconds. */
  headersTimeoutSeconds: number;
  /** False until the model is loaded, and again once shutdown starts. */
  isReady: () => boolean;
  /** True once the model is loaded until shutdown starts, even while its runtime recovers from a crash. */
  isServing: () => boolean;
  /** Why not ready, for /health (e.g. a Python worker restarting after a crash). */
  notReadyReason: () => string;
  /** `models serve --deployment`: requests are routed between the deployment's versions. */
  deployment?: DeploymentHost;
}

const REQUEST_ID = /^[\w.-]{1,128}$/;
const SCORING_ROUTES = new Set([
  "/invocations",
  "/v2/models/:name/infer",
  "/v2/models/:name/versions/:version/infer",
]);
const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export async function buildServingServer(options: ServingServerOptions): Promise<FastifyInstance> {
  const { models, metrics } = options;
  const loggerInstance: FastifyBaseLogger = options.logger;
  // A client that trickles its headers or body (1 byte/s) would otherwise hold a socket forever; Node ends such
  // requests with the clientError below. Node only looks at the clock every connectionsCheckingInterval.
  const requestTimeout = options.bodyTimeoutSeconds * 1000;
  const headersTimeout = Math.min(options.headersTimeoutSeconds * 1000, requestTimeout);
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.maxBodyBytes,
    requestTimeout,
    http: {
      requestTimeout,
      headersTimeout,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, headersTimeout / 4)),
    },
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      if (err.code === "ECONNRESET" || socket.destroyed) return;
      const timedOut = err.code === "ERR_HTTP_REQUEST_TIMEOUT";
      const [status, reason, message] = timedOut
        ? [
            408,
            "Request Timeout",
            `The request was not received in time (headers within ${headersTimeout / 1000} s, the whole request within ${requestTimeout / 1000} s).`,
          ]
        : err.code === "HPE_HEADER_OVERFLOW"
          ? [431, "Request Header Fields Too Large", "The request headers are too large."]
          : [400, "Bad Request", "The request is not valid HTTP."];
      options.logger.info({ err_code: err.code, status }, message);
      const body = JSON.stringify({ error_code: "BAD_REQUEST", message });
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    },
    // Per-request access logs would dominate the cost of a 50 µs prediction; errors are logged with the id.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "request_id" }),
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : newRequestId();
    },
    return503OnClosing: true,
    forceCloseConnections: "idle",
    // Validation must not rewrite what the client sent (no coercion of "4" to 4, no defaults, nothing removed).
    ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false } },
  });
  // Response schemas document the routes; bodies are serialised exactly as the handlers build them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await installServingOpenApi(app);

  // Every body is read raw (Fastify enforces bodyLimit on the wire bytes first); compressed bodies are inflated
  // with the same limit on their output, so a zip bomb gets 413 before any parsing.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (request, body, done) => {
    const encoding = String(request.headers["content-encoding"] ?? "identity").toLowerCase();
    if (encoding === "identity") return done(null, body);
    const inflater = encoding === "gzip" ? gunzipAsync : encoding === "deflate" ? inflateAsync : undefined;
    if (inflater === undefined) {
      return done(
        new FlowgateError(
          "UNSUPPORTED_MEDIA_TYPE",
          `Content-Encoding '${encoding}' is not supported; use gzip, deflate or none.`,
        ),
      );
    }
    inflater(body as Buffer, { maxOutputLength: options.maxBodyBytes }).then(
      (out) => done(null, out),
      (err: NodeJS.ErrnoException) =>
        done(
          err.code === "ERR_BUFFER_TOO_LARGE"
            ? new FlowgateError(
                "PAYLOAD_TOO_LARGE",
                `The decompressed request body is larger than the limit of ${options.maxBodyBytes} bytes.`,
              )
            : new FlowgateError(
                "BAD_REQUEST",
                `The request body is not valid ${encoding} data: ${err.message}`,
              ),
        ),
    );
  });

  const labels = (): { model: string; version: string; runtime: string } => {
    const m = models.primary();
    return { model: m?.name ?? "", version: m?.version ?? "", runtime: m?.runtime.kind ?? "" };
  };
  // Closing drops idle keep-alive connections, but one busy at that moment would stay open after its answer
  // until keepAliveTimeout (72 s), holding up a drain that is otherwise done: answers sent while closing end theirs.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (request, reply, payload) => {
    if (closing) reply.header("connection", "close");
    return payload;
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    if (SCORING_ROUTES.has(request.routeOptions.url ?? "")) metrics.inFlight.inc(labels());
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unknown";
    if (SCORING_ROUTES.has(route)) metrics.inFlight.dec(labels());
    metrics.requests.inc({ route, status: String(reply.statusCode), ...labels() });
    if (SCORING_ROUTES.has(route)) metrics.latency.observe({ route, ...labels() }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error instanceof FlowgateError) return sendFlowgateError(reply, error);
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return sendFlowgateError(
        reply,
        new FlowgateError(
          "PAYLOAD_TOO_LARGE",
          `The request body is larger than the limit of ${options.maxBodyBytes} bytes.`,
        ),
      );
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendFlowgateError(reply, new FlowgateError("BAD_REQUEST", error.message));
    }
    request.log.error({ err: error }, "unexpected error");
    return sendFlowgateError(
      reply,
      new FlowgateError("INTERNAL_ERROR", `Internal error; see the server log for request id ${request.id}.`),
    );
  });
  /** As Flask answers MLflow's scoring server: a known path with another method is a 405 with Allow. */
  const noRoute = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const url = request.url.split("?")[0] ?? "";
    const allowed = ["GET", "HEAD", "POST"].filter(
      (method) => app.findRoute({ method: method, url }) !== null,
    );
    if (allowed.length === 0) {
      return sendFlowgateError(
        reply,
        new FlowgateError("ENDPOINT_NOT_FOUND", `No endpoint ${request.method} ${url}.`),
      );
    }
    reply.header("allow", allowed.join(", "));
    return reply
      .status(405)
      .type("application/json")
      .send({
        error_code: "BAD_REQUEST",
        message: `Method ${request.method} is not allowed on ${url}; use ${allowed.join(" or ")}.`,
      });
  };
  // Answered before body parsing, so that an unrouted request with a body method (QUERY, PUT…) is not first
  // refused for its content type.
  app.addHook("onRequest", async (request, reply) => {
    if (request.is404) return noRoute(request, reply);
  });
  app.setNotFoundHandler(noRoute);

  /** Waits for a queued prediction, but never past the request timeout (→ 504, and the request leaves the queue). */
  const awaitResult = (submitted: {
    result: Promise<PredictionResult>;
    cancel: () => void;
  }): Promise<PredictionResult> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<PredictionResult>((resolve) => {
      timer = setTimeout(() => {
        submitted.cancel();
        resolve({
          ok: false,
          error: new FlowgateError(
            "DEADLINE_EXCEEDED",
            `Request processing time exceeded limit (${options.requestTimeoutSeconds} s, MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT).`,
          ),
        });
      }, options.requestTimeoutSeconds * 1000);
    });
    return Promise.race([submitted.result, timeout]).finally(() => clearTimeout(timer));
  };

  const { deployment } = options;
  const health = async (_req: unknown, reply: FastifyReply): Promise<FastifyReply> =>
    deployment !== undefined
      ? deploymentHealth(deployment, reply)
      : options.isReady()
        ? reply.status(200).type("application/json").send("\n")
        : reply
            .status(503)
            .type("application/json")
            .send({ error_code: "TEMPORARILY_UNAVAILABLE", message: options.notReadyReason() });
  app.get("/ping", { schema: routeSchema(SERVING_SCHEMAS.ping) }, health);
  app.get("/health", { schema: routeSchema(SERVING_SCHEMAS.health) }, health);
  app.get("/version", { schema: routeSchema(SERVING_SCHEMAS.version) }, async (_req, reply) =>
    reply.type("text/plain").send(FLOWGATE_VERSION),
  );
  app.get("/metadata", { schema: routeSchema(SERVING_SCHEMAS.metadata) }, async () => ({
    flowgate_version: FLOWGATE_VERSION,
    ready: options.isReady(),
    models: models.all().map((m) => ({
      name: m.name,
      version: m.version,
      runtime: m.runtime.kind,
      reason: m.reason,
      load_seconds: m.loadSeconds,
      flavors: Object.keys(m.meta.flavors),
      queued: m.batcher.queued,
      ...m.details,
      ...m.runtime.describe(),
    })),
    ...deployment?.describe(),
  }));
  app.get("/metrics", { schema: routeSchema(SERVING_SCHEMAS.metrics) }, async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  app.post("/invocations", { schema: routeSchema(SERVING_SCHEMAS.invocations) }, async (request, reply) => {
    if (deployment !== undefined) {
      const mime = checkContentType(request.headers["content-type"]);
      const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
      const input = await parseInvocation(mime, body, options.maxBodyBytes);
      const routed = deployment.route(routableOf(request, () => jsonOf(body)));
      reply.header("x-flowgate-version", routed.decision.version);
      if (routed.decision.setCookie !== undefined) reply.header("set-cookie", routed.decision.setCookie);
      const { result, afterReply } = await deployment.score(
        routed,
        request.id,
        input,
        awaitResult,
        request.log,
      );
      if (!result.ok) throw result.error;
      // The shadow gets its copy once the caller has the answer.
      if (afterReply !== undefined) reply.raw.once("finish", afterReply);
      return reply.type("application/json").send(`{"predictions": ${result.predictions}}`);
    }
    const model = models.primary();
    if (model === undefined || !options.isServing()) {
      throw new FlowgateError("TEMPORARILY_UNAVAILABLE", "The model is not loaded yet; retry shortly.");
    }
    const mime = checkContentType(request.headers["content-type"]);
    const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const input = await parseInvocation(mime, body, options.maxBodyBytes);
    const result = await awaitResult(submitPrediction(model, input, request.log));
    if (!result.ok) throw result.error;
    return reply.type("application/json").send(`{"predictions": ${result.predictions}}`);
  });

  registerOipV2(app, { models, isReady: options.isReady, await: awaitResult, deployment });
  return app;
}

/** 200 while a revision is served (also from the cache during an outage, which the text says), else 503. */
function deploymentHealth(deployment: DeploymentHost, reply: FastifyReply): FastifyReply {
  const status = deployment.statusText();
  if (deployment.isServing()) return reply.status(200).type("application/json").send({ status });
  return reply
    .status(503)
    .type("application/json")
    .send({ error_code: "TEMPORARILY_UNAVAILABLE", message: status });
}

/** The body as JSON for a sticky JSON field (undefined when it is not JSON). */
function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** MLflow answers 415 in text/plain and everything else as `{"error_code","message"}`. */
function sendFlowgateError(reply: FastifyReply, error: FlowgateError): FastifyReply {
  if (error.status >= 500 && error.code !== "TEMPORARILY_UNAVAILABLE" && error.code !== "DEADLINE_EXCEEDED") {
    reply.log.error({ error_code: error.code }, error.message);
  } else if (error.status >= 400) {
    reply.log.info({ error_code: error.code, status: error.status }, error.message.slice(0, 300));
  }
  if (error.code === "UNSUPPORTED_MEDIA_TYPE")
    return reply.status(415).type("text/plain").send(error.message);
  return reply
    .status(error.status)
    .type("application/json")
    .send({ error_code: error.code, message: error.message });
}
