// What a route declares about itself, once: its request message, path parameters and response. The router
// helpers turn it into Fastify's schema, so the same declaration validates requests and documents the route
// in /api/openapi.json.
import type { FastifySchema, RouteShorthandOptions } from "fastify";
import { bodyPresent } from "./validation.js";
import { EMPTY, ERROR_BODY, type JsonSchema } from "./wire-schema.js";

export interface RouteSchema {
  /** The request message: the query string of a GET, the JSON body of any other method. */
  args?: JsonSchema;
  /** Path parameters (always strings). */
  params?: JsonSchema;
  /** The 200 response body. */
  response: JsonSchema;
  summary?: string;
  description?: string;
}

/** Groups routes in the document by their first path segment (e.g. `runs`, `registered-models`). */
function tagOf(url: string): string {
  const m = /\/(?:mlflow|v1|mlflow-artifacts)\/([^/:*]+)/.exec(url);
  return m?.[1] ?? "server";
}

/**
 * Protobuf-JSON reads `null` as "field not set", for any field: the body form of a message takes null for
 * each of its fields (nested messages too). The message itself may not be null.
 */
function nullableFields(schema: JsonSchema): JsonSchema {
  const items = schema.items as JsonSchema | undefined;
  if (items !== undefined) return { ...schema, items: nullableFields(items) };
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (properties === undefined) return schema;
  const nullable = (field: JsonSchema): JsonSchema => {
    const inner = nullableFields(field);
    if (inner.$ref !== undefined) return inner;
    if (inner.type === undefined) return { anyOf: [inner, { type: "null" }] };
    const anyOf = inner.anyOf as JsonSchema[] | undefined;
    return {
      ...inner,
      type: [...new Set([...([] as unknown[]).concat(inner.type), "null"])],
      ...(anyOf === undefined ? {} : { anyOf: [...anyOf, { type: "null" }] }),
    };
  };
  return {
    ...schema,
    properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, nullable(v)])),
  };
}

export function fastifySchema(method: string, url: string, route: RouteSchema): FastifySchema {
  const args = route.args ?? EMPTY;
  return {
    tags: [tagOf(url)],
    ...(route.summary === undefined ? {} : { summary: route.summary }),
    ...(route.description === undefined ? {} : { description: route.description }),
    ...(method === "GET" || method === "HEAD"
      ? route.args === undefined
        ? {}
        : { querystring: args }
      : { body: nullableFields(args) }),
    ...(route.params === undefined ? {} : { params: route.params }),
    // The native API writes an unset field as JSON null (MLflow's protobuf-JSON leaves it out).
    response: {
      200: url.startsWith("/api/flowgate/") ? nullableFields(route.response) : route.response,
      default: ERROR_BODY,
    },
  };
}

/** Route options for a route registered directly on Fastify (not through a router helper). */
export function withSchema(method: string, url: string, route: RouteSchema): RouteShorthandOptions {
  return { schema: fastifySchema(method, url, route), preValidation: bodyPresent };
}
