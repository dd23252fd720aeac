// POST /graphql: MLflow's GraphQL endpoint (its UI reads runs, experiments, artifacts, chart points and
// datasets through it). Answers as MLflow does: {"data": …, "errors": [message, …] | null} with status 200,
// MLflow's query-size limits checked before anything runs (query-limits.ts). Where MLflow answers a
// malformed request with a 500 page, Flowgate answers a 400 saying what was wrong.
import {
  buildSchema,
  execute,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFieldResolver,
  Kind,
  type GraphQLObjectType,
  type GraphQLScalarType,
  type ValueNode,
} from "graphql";
import type { FastifyReply, FastifyRequest } from "fastify";
import { invalidParameter } from "../../core/errors.js";
import { readAccessOfRequest } from "../auth-guard.js";
import { sendError } from "../error-handler.js";
import type { RoutePlugin } from "../server.js";
import { queryLimitViolation, type QueryLimits } from "./query-limits.js";
import {
  createResolvers,
  wireFieldResolver,
  type GraphqlContext,
  type GraphqlServices,
} from "./resolvers.js";
import { MLFLOW_GRAPHQL_SCHEMA } from "./schema.js";
import * as U from "../mlflow/schemas/ui-routes.js";

function buildMlflowSchema(services: GraphqlServices) {
  const schema = buildSchema(MLFLOW_GRAPHQL_SCHEMA);
  const { query, mutation, runExtension } = createResolvers(services);
  const attach = (type: GraphQLObjectType | null | undefined, resolvers: Record<string, unknown>): void => {
    const fields = type?.getFields() ?? {};
    for (const [name, resolve] of Object.entries(resolvers)) {
      const field = fields[name];
      if (field === undefined) throw new Error(`GraphQL schema has no field ${type?.name}.${name}`);
      field.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
    }
  };
  attach(schema.getQueryType(), query);
  attach(schema.getMutationType(), mutation);
  attach(schema.getType("MlflowRunExtension") as GraphQLObjectType, runExtension);
  // MLflow's LongString: int64 values travel as strings, so JavaScript clients never round them.
  Object.assign(schema.getType("LongString") as GraphQLScalarType, {
    serialize: (value: unknown) => String(value),
    parseValue: (value: unknown) => Number(value),
    parseLiteral: (node: ValueNode) => (node.kind === Kind.INT ? Number(node.value) : undefined),
  });
  return schema;
}

/** MLflow's checks and messages for the request's Content-Type. */
async function requireJson(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const type = request.headers["content-type"];
  if (type === undefined) {
    return sendError(reply, "INVALID_PARAMETER_VALUE", "Bad Request. Content-Type header is missing.");
  }
  if ((type.split(";")[0] ?? "").trim().toLowerCase() !== "application/json") {
    return sendError(
      reply,
      "INVALID_PARAMETER_VALUE",
      "Bad Request. Content-Type must be one of ['application/json'].",
    );
  }
  return undefined;
}

function parseQuery(body: unknown): {
  document: DocumentNode;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
} {
  const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof fields.query !== "string") {
    throw invalidParameter(
      'A GraphQL request is a JSON object with a "query" string (and optionally "variables" and "operationName").',
    );
  }
  const { variables, operationName } = fields;
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== "object" || Array.isArray(variables))
  ) {
    throw invalidParameter('"variables" must be a JSON object of the query\'s variable values.');
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") {
    throw invalidParameter('"operationName" must be a string naming one operation of the query.');
  }
  try {
    return {
      document: parse(fields.query),
      variables: (variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: operationName ?? undefined,
    };
  } catch (err) {
    if (err instanceof GraphQLError) throw invalidParameter(`Invalid GraphQL query: ${err.message}`);
    throw err;
  }
}

export function graphqlRoutes(services: GraphqlServices, limits: QueryLimits): RoutePlugin {
  const schema = buildMlflowSchema(services);
  return (app) => {
    app.post("/graphql", { onRequest: requireJson, schema: U.graphql }, async (request) => {
      const { document, variables, operationName } = parseQuery(request.body);
      const tooBig = queryLimitViolation(document, limits);
      if (tooBig !== undefined) return { data: null, errors: [tooBig] };
      const invalid = validate(schema, document);
      if (invalid.length > 0) return { data: null, errors: invalid.map((e) => e.message) };
      const contextValue: GraphqlContext = { request, access: readAccessOfRequest(request) };
      const result = await execute({
        schema,
        document,
        variableValues: variables,
        operationName,
        contextValue,
        fieldResolver: wireFieldResolver,
      });
      return { data: result.data ?? null, errors: result.errors?.map((e) => e.message) ?? null };
    });
    // MLflow registers GET /graphql but cannot answer it; say how to ask instead of serving the web UI.
    app.get("/graphql", { schema: U.graphqlGet }, async () => {
      throw invalidParameter('Send GraphQL queries as a POST with a JSON body {"query": "…"}.');
    });
  };
}
