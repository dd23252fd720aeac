// Registers a native Flowgate API route under `/api/flowgate/v1/`. Like the MLflow router, a handler gets the
// request's arguments (query for GET, JSON body otherwise), path params and the request context.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RequestContext } from "../../core/request-context.js";
import { contextOf } from "../mlflow/mlflow-router.js";
import type { WireArgs } from "../mlflow/wire-input.js";

export interface NativeCall {
  args: WireArgs;
  params: Record<string, string>;
  ctx: RequestContext;
  request: FastifyRequest;
  reply: FastifyReply;
}

export type NativeHandler = (call: NativeCall) => Promise<object | undefined>;

export const NATIVE_PREFIX = "/api/flowgate/v1";

export function nativeRoute(
  app: FastifyInstance,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  handler: NativeHandler,
): void {
  app.route({
    method,
    url: `${NATIVE_PREFIX}/${path}`,
    handler: async (request, reply) => {
      const args = (request.method === "GET" ? request.query : request.body) as WireArgs | undefined;
      return handler({
        args: args ?? {},
        params: (request.params ?? {}) as Record<string, string>,
        ctx: contextOf(request),
        request,
        reply,
      });
    },
  });
}
