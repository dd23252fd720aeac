// Registers an MLflow REST route under both prefixes the client and the MLflow UI use:
// `/api/<version>/mlflow/<path>` and `/ajax-api/<version>/mlflow/<path>`. A handler receives the request's
// arguments (query for GET, JSON body otherwise) and returns the response object.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { RequestContext } from "../../core/request-context.js";
import { requestArgs, type WireArgs } from "./wire-input.js";
import { fastifySchema, type RouteSchema } from "../openapi/route-schema.js";
import { bodyPresent } from "../openapi/validation.js";

export interface MlflowCall {
  args: WireArgs;
  params: Record<string, string>;
  ctx: RequestContext;
  request: FastifyRequest;
}

export type MlflowHandler = (call: MlflowCall) => Promise<object>;

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface MlflowRouter {
  route(method: HttpMethod | HttpMethod[], path: string, handler: MlflowHandler): void;
  /** `schema` validates the request and documents the route (src/api/mlflow/schemas/). */
  route(method: HttpMethod | HttpMethod[], path: string, schema: RouteSchema, handler: MlflowHandler): void;
}

export function contextOf(request: FastifyRequest): RequestContext {
  const reason = request.headers["x-flowgate-reason"];
  return {
    actor: request.actor ?? "anonymous",
    requestId: request.id,
    ...(typeof reason === "string" && reason.trim() !== "" ? { reason: reason.trim().slice(0, 2000) } : {}),
  };
}

/** `apiVersion` is "2.0" for nearly everything; MLflow uses "3.0" only for traces, server-info and a few more. */
export function mlflowRouter(app: FastifyInstance, apiVersion = "2.0", resource = "mlflow"): MlflowRouter {
  return {
    route(
      methods: HttpMethod | HttpMethod[],
      path: string,
      ...rest: [MlflowHandler] | [RouteSchema, MlflowHandler]
    ) {
      const [schema, handler] = rest.length === 1 ? [undefined, rest[0]] : rest;
      for (const [prefix, method] of ["api", "ajax-api"].flatMap((p) =>
        [methods].flat().map((m) => [p, m] as const),
      )) {
        const url = `/${prefix}/${apiVersion}/${resource}/${path}`;
        app.route({
          method,
          url,
          ...(schema === undefined
            ? {}
            : { schema: fastifySchema(method, url, schema), preValidation: bodyPresent }),
          handler: async (request) => {
            return handler({
              args: requestArgs(request),
              params: (request.params ?? {}) as Record<string, string>,
              ctx: contextOf(request),
              request,
            });
          },
        });
      }
    },
  };
}
