// Publishes the server's OpenAPI 3.1 document at GET /api/openapi.json, built by @fastify/swagger from the
// schemas the routes declare (the same schemas that validate their requests), and a reference page at
// GET /api/docs that renders it.
import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { MLFLOW_COMPAT_VERSION } from "../../core/version.js";
import { ENTITY_SCHEMAS } from "./entities.js";
import { NATIVE_ENTITY_SCHEMAS } from "../flowgate/schemas/native-entities.js";
import { ERROR_BODY, message, str } from "./wire-schema.js";
import { installReferencePage } from "./reference-page.js";

export const OPENAPI_PATH = "/api/openapi.json";

export async function installOpenApi(app: FastifyInstance): Promise<void> {
  for (const schema of [...ENTITY_SCHEMAS, ...NATIVE_ENTITY_SCHEMAS]) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Flowgate",
        version: MLFLOW_COMPAT_VERSION,
        description:
          "MLflow's REST API (tracking, registry, artifacts, logged models, webhooks) and Flowgate's native " +
          "governance API. Every error is MLflow's JSON: {error_code, message}.",
      },
      components: {
        securitySchemes: {
          basic: { type: "http", scheme: "basic" },
          bearer: { type: "http", scheme: "bearer" },
        },
      },
      // With auth off no credentials are needed; with auth on, either scheme.
      security: [{ basic: [] }, { bearer: [] }, {}],
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === "string" ? json.$id : `def-${i}`,
    },
  });
  app.get(
    OPENAPI_PATH,
    {
      schema: {
        tags: ["server"],
        summary: "This document.",
        response: { 200: message({ openapi: str() }, ["openapi"]), default: ERROR_BODY },
      },
    },
    async () => app.swagger(),
  );
  installReferencePage(app, () => app.swagger());
}
