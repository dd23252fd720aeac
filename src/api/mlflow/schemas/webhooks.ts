// Request and response schemas of MLflow 3's webhook routes (webhooks.proto: Create/List/Get/Update/Delete/
// TestWebhook). Events are `{entity, action}` pairs by enum name; a secret is write-only.
import type { RouteSchema } from "../../openapi/route-schema.js";
import { EMPTY, enumOf, int64, message, repeated, str, type JsonSchema } from "../../openapi/wire-schema.js";

const EVENT = message({ entity: str(), action: str() }, ["entity", "action"]);
const WEBHOOK_ID = message({ webhook_id: str() }, ["webhook_id"]);
const WEBHOOK: JsonSchema = message({
  webhook_id: str(),
  name: str(),
  description: str(),
  url: str(),
  events: repeated(EVENT),
  status: str(),
  creation_timestamp: int64(),
  last_updated_timestamp: int64(),
});
const INPUT = {
  name: str(),
  url: str(),
  events: repeated(EVENT),
  description: str(),
  secret: str("HMAC key for the X-MLflow-Signature header; never returned."),
  status: enumOf(["ACTIVE", "DISABLED"]),
};

export const createWebhook: RouteSchema = {
  summary: "Create a webhook.",
  args: message(INPUT),
  response: message({ webhook: WEBHOOK }, ["webhook"]),
};

export const listWebhooks: RouteSchema = {
  summary: "Webhooks, paged.",
  args: message({ max_results: int64(), page_token: str() }),
  response: message({ webhooks: repeated(WEBHOOK), next_page_token: str() }),
};

export const getWebhook: RouteSchema = {
  summary: "One webhook.",
  params: WEBHOOK_ID,
  response: message({ webhook: WEBHOOK }, ["webhook"]),
};

export const updateWebhook: RouteSchema = {
  summary: "Update a webhook's fields.",
  params: WEBHOOK_ID,
  args: message(INPUT),
  response: message({ webhook: WEBHOOK }, ["webhook"]),
};

export const deleteWebhook: RouteSchema = {
  summary: "Delete a webhook.",
  params: WEBHOOK_ID,
  response: EMPTY,
};

export const testWebhook: RouteSchema = {
  summary: "Send a test event to a webhook now and report what it answered.",
  params: WEBHOOK_ID,
  args: message({ event: EVENT }),
  response: message(
    {
      result: message({
        success: { type: "boolean" },
        response_status: { type: "integer" },
        response_body: str(),
        error_message: str(),
      }),
    },
    ["result"],
  ),
};
