// Registers a native Flowgate API route under `/api/flowgate/v1/`. Like the MLflow router, a handler gets the
// request's arguments (query for GET, JSON body otherwise), path params and the request context.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RequestContext } from "../../core/request-context.js";
import { contextOf } from "../mlflow/mlflow-router.js";
import { requestArgs, type WireArgs } from "../mlflow/wire-input.js";
import { fastifySchema, type RouteSchema } from "../openapi/route-schema.js";
import { bodyPresent } from "../openapi/validation.js";

export interface NativeCall {
  args: WireArgs;
  params: Record<string, string>;
  ctx: RequestContext;
  request: FastifyRequest;
  reply: FastifyReply;
}

export type NativeHandler = (call: NativeCall) => Promise<object | undefined>;

export const NATIVE_PREFIX = "/api/flowgate/v1";

/** Per-route overrides: a route taking larger bodies than the server's JSON default names its own limit. */
export interface NativeRouteOptions {
  bodyLimit?: number;
}

export function nativeRoute(
  app: FastifyInstance,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  ...rest: [NativeHandler] | [RouteSchema, NativeHandler] | [RouteSchema, NativeHandler, NativeRouteOptions]
): void {
  // With a schema (src/api/flowgate/schemas/), it validates the request and documents the route.
  const [schema, handler, options] = rest.length === 1 ? [undefined, rest[0], undefined] : rest;
  const url = `${NATIVE_PREFIX}/${path}`;
  app.route({
    method,
    url,
    ...(options?.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(schema === undefined
      ? {}
      : { schema: fastifySchema(method, url, schema), preValidation: bodyPresent }),
    handler: async (request, reply) => {
      return handler({
        args: requestArgs(request),
        params: (request.params ?? {}) as Record<string, string>,
        ctx: contextOf(request),
        request,
        reply,
      });
    },
  });
}
