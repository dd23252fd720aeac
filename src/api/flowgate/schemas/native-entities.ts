// The native registry API's objects (api/flowgate/registry-json.ts): numbers as numbers, every field always
// present, JSON null for "not set". Registered as shared schemas like the MLflow entities; the SDK's types
// (src/sdk/registry-types.ts) are generated from them.
import type { JsonSchema } from "../../openapi/wire-schema.js";

const STRING = { type: "string" };
const INTEGER = { type: "integer" };
const OR_NULL = (type: string): JsonSchema => ({ type: [type, "null"] });
const TAGS = { type: "object", additionalProperties: { type: "string" } };

/** An object whose fields are all always present, plus `optional` ones left out when unset. */
function entity(
  id: string,
  properties: Record<string, JsonSchema>,
  optional: Record<string, JsonSchema> = {},
): JsonSchema {
  return {
    $id: id,
    type: "object",
    properties: { ...properties, ...optional },
    required: Object.keys(properties),
  };
}

export const NATIVE_ENTITY_SCHEMAS: JsonSchema[] = [
  entity(
    "Grant",
    { role: STRING, scope_type: STRING, scope_id: STRING },
    { model_name: { ...OR_NULL("string"), description: "The model a registered_model grant is on." } },
  ),
  entity("User", {
    username: STRING,
    kind: { type: "string", enum: ["user", "service"] },
    disabled: { type: "boolean" },
    created_at: INTEGER,
    created_by: STRING,
    grants: { type: "array", items: { $ref: "Grant#" } },
  }),
  entity(
    "ApiToken",
    { token_id: STRING, username: STRING, name: STRING, created_at: INTEGER },
    { expires_at: INTEGER, revoked_at: INTEGER, last_used_at: INTEGER },
  ),
  entity(
    "TransitionRequest",
    {
      id: INTEGER,
      name: STRING,
      version: STRING,
      target_kind: { type: "string", enum: ["stage", "alias", "deployment"] },
      target: STRING,
      target_label: STRING,
      archive_existing_versions: { type: "boolean" },
      reason: STRING,
      status: STRING,
      requested_by: STRING,
      requested_at: INTEGER,
    },
    { decided_by: STRING, decided_at: INTEGER, comment: STRING, applied_at: INTEGER },
  ),
  entity(
    "AuditEvent",
    {
      id: INTEGER,
      time: INTEGER,
      actor: STRING,
      action: STRING,
      target_type: STRING,
      target_id: STRING,
      before: {},
      after: {},
      request_id: STRING,
    },
    { reason: STRING },
  ),
  entity("HouseFields", {
    team: OR_NULL("string"),
    owner: OR_NULL("string"),
    risk: OR_NULL("string"),
    pii: OR_NULL("boolean"),
    sla: OR_NULL("string"),
    deprecated: OR_NULL("boolean"),
    sunset_on: OR_NULL("string"),
  }),
  entity("NativeModelVersion", {
    name: STRING,
    version: INTEGER,
    stage: { type: "string", enum: ["None", "Staging", "Production", "Archived"] },
    aliases: { type: "array", items: STRING },
    description: OR_NULL("string"),
    source: STRING,
    storage_uri: STRING,
    run_id: OR_NULL("string"),
    model_id: OR_NULL("string"),
    run_link: OR_NULL("string"),
    status: { type: "string", enum: ["READY"] },
    tags: TAGS,
    house: { $ref: "HouseFields#" },
    created_by: OR_NULL("string"),
    creation_timestamp: INTEGER,
    last_updated_timestamp: INTEGER,
  }),
  entity("NativeRegisteredModel", {
    name: STRING,
    description: OR_NULL("string"),
    tags: TAGS,
    aliases: {
      type: "array",
      items: {
        type: "object",
        properties: { alias: STRING, version: INTEGER },
        required: ["alias", "version"],
      },
    },
    house: { $ref: "HouseFields#" },
    latest_versions: { type: "array", items: { $ref: "NativeModelVersion#" } },
    created_by: OR_NULL("string"),
    creation_timestamp: INTEGER,
    last_updated_timestamp: INTEGER,
  }),
  entity("ResolvedModelUri", {
    uri: STRING,
    storage_uri: STRING,
    name: OR_NULL("string"),
    version: OR_NULL("string"),
    stage: OR_NULL("string"),
    alias: OR_NULL("string"),
    run_id: OR_NULL("string"),
    model_id: OR_NULL("string"),
  }),
  {
    ...entity("ModelInfo", {
      name: STRING,
      version: INTEGER,
      storage_uri: STRING,
      flavors: { type: "object", additionalProperties: { type: "object" } },
      signature: {
        type: ["object", "null"],
        properties: {
          inputs: { type: ["array", "null"] },
          outputs: { type: ["array", "null"] },
          params: { type: ["array", "null"] },
        },
        required: ["inputs", "outputs", "params"],
      },
      saved_input_example_info: OR_NULL("object"),
      size_bytes: INTEGER,
      requirements: { type: "array", items: STRING },
      mlflow_version: OR_NULL("string"),
      model_uuid: OR_NULL("string"),
    }),
  },
];
