// Builds the HTTP server (Fastify) from already-constructed services. It never listens: the CLI does, and
// tests call `inject` or listen on port 0. Cross-cutting HTTP rules live here: request ids, Host check,
// cross-site write refusal, security headers, errors.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "../core/logger.js";
import { newRequestId } from "../core/ids.js";
import { handleError, sendError } from "./error-handler.js";
import { crossSiteRefusal } from "./cross-site-check.js";
import { createHostCheck } from "./host-check.js";
import { checkRequestValue, parseJsonBody } from "./request-values.js";
import { installOpenApi } from "./openapi/openapi-document.js";
import { installValidation } from "./openapi/validation.js";
import { textResponses } from "./openapi/wire-schema.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated user name; unset when auth is off. */
    actor?: string;
  }
}

export type RoutePlugin = (app: FastifyInstance) => void | Promise<void>;

export interface ServerOptions {
  logger: Logger;
  maxJsonBodyBytes: number;
  allowedHosts: readonly string[];
  routes: readonly RoutePlugin[];
  /** Installed on the root instance before any route (authentication and the route-permission check). */
  guard?: RoutePlugin;
}

const REQUEST_ID = /^[\w.-]{1,128}$/;

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.maxJsonBodyBytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : newRequestId();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    // Fastify logs "incoming request" and "request completed" separately; one line per request (below) is
    // what an operator reads, with everything on it.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      "request",
    );
  });

  // Bodies and query strings obey the rules of request-values.ts (objects only, no NUL, bounded nesting).
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    try {
      done(null, parseJsonBody(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook("preValidation", async (request) => {
    checkRequestValue(request.query, "the query string");
    checkRequestValue(request.params, "the path");
  });

  const hostAllowed = createHostCheck(options.allowedHosts);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    reply.header("x-content-type-options", "nosniff");
    reply.header("x-frame-options", "SAMEORIGIN");
    if (!hostAllowed(request.headers.host)) {
      return sendError(
        reply,
        "PERMISSION_DENIED",
        `Host '${request.headers.host ?? ""}' is not served here; start the server with --allowed-hosts to add it.`,
      );
    }
    // Cross-site writes (CSRF): decided on the matched route, see cross-site-check.ts.
    const crossSite = crossSiteRefusal(request, options.allowedHosts);
    if (crossSite !== undefined) return sendError(reply, "BAD_REQUEST", crossSite);
    return undefined;
  });

  app.setErrorHandler(handleError);
  // Before any route: the compilers apply to every route.
  installValidation(app);
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      "ENDPOINT_NOT_FOUND",
      `No endpoint ${request.method} ${request.url.split("?")[0] ?? ""}.`,
    ),
  );

  if (options.guard !== undefined) await options.guard(app);
  // After the guard (so its own route gets a permission rule), before every other route (so the document
  // collects them all).
  await installOpenApi(app);
  app.get(
    "/health",
    { schema: { tags: ["server"], summary: "Liveness: OK.", response: textResponses("OK") } },
    async (_req, reply) => reply.type("text/plain").send("OK"),
  );

  for (const register of options.routes) {
    await app.register(async (scope) => register(scope));
  }
  return app;
}
