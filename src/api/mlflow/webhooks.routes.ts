// MLflow's OSS webhook API (`/api/2.0/mlflow/webhooks`): create, list, get, update, delete, test. Events are
// `{entity, action}` enum names; secrets are write-only (never returned).
import { checkMaxResults, decodePageToken, pageOf } from "../../core/paging.js";
import { parseEventType, type EventType } from "../../webhooks/events.js";
import type { Webhook, WebhookStatus } from "../../webhooks/webhook-store.js";
import type { WebhookInput, WebhookService } from "../../webhooks/webhooks.js";
import type { RoutePlugin } from "../server.js";
import { mlflowRouter } from "./mlflow-router.js";
import { objectList, optionalEnum, optionalInt, optionalString, type WireArgs } from "./wire-input.js";
import { compact } from "./wire-output.js";
import * as S from "./schemas/webhooks.js";

export function webhookJson(w: Webhook): object {
  return compact({
    webhook_id: w.webhookId,
    name: w.name,
    description: w.description,
    url: w.url,
    events: w.events.map((e) => ({ entity: e.entity, action: e.action })),
    status: w.status,
    creation_timestamp: w.creationTimestamp,
    last_updated_timestamp: w.lastUpdatedTimestamp,
  });
}

function eventsOf(args: WireArgs): EventType[] | undefined {
  if (args.events === undefined || args.events === null) return undefined;
  return objectList(args, "events").map((e, i) => parseEventType(e, `events[${i}]`));
}

function inputOf(args: WireArgs): WebhookInput {
  return {
    name: optionalString(args, "name"),
    url: optionalString(args, "url"),
    events: eventsOf(args),
    description: optionalString(args, "description"),
    secret: optionalString(args, "secret"),
    status: optionalEnum<WebhookStatus>(args, "status", ["ACTIVE", "DISABLED"]),
  };
}

export function webhooksRoutes(deps: { webhooks: WebhookService }): RoutePlugin {
  const { webhooks } = deps;
  return (app) => {
    const r = mlflowRouter(app);
    r.route("POST", "webhooks", S.createWebhook, async ({ args, ctx }) => ({
      webhook: webhookJson(await webhooks.create(ctx, inputOf(args))),
    }));
    r.route("GET", "webhooks", S.listWebhooks, async ({ args }) => {
      const maxResults = checkMaxResults(optionalInt(args, "max_results"), 100, 1000);
      const offset = decodePageToken(optionalString(args, "page_token"));
      const page = pageOf(await webhooks.list(offset, maxResults + 1), offset, maxResults);
      return compact({ webhooks: page.items.map(webhookJson), next_page_token: page.nextPageToken });
    });
    r.route("GET", "webhooks/:webhook_id", S.getWebhook, async ({ params }) => ({
      webhook: webhookJson(await webhooks.get(params.webhook_id ?? "")),
    }));
    r.route("PATCH", "webhooks/:webhook_id", S.updateWebhook, async ({ args, params, ctx }) => ({
      webhook: webhookJson(await webhooks.update(ctx, params.webhook_id ?? "", inputOf(args))),
    }));
    r.route("DELETE", "webhooks/:webhook_id", S.deleteWebhook, async ({ params, ctx }) => {
      await webhooks.delete(ctx, params.webhook_id ?? "");
      return {};
    });
    r.route("POST", "webhooks/:webhook_id/test", S.testWebhook, async ({ args, params }) => {
      const event =
        args.event === undefined || args.event === null ? undefined : parseEventType(args.event, "event");
      const result = await webhooks.test(params.webhook_id ?? "", event);
      return {
        result: compact({
          success: result.success,
          response_status: result.responseStatus,
          response_body: result.responseBody,
          error_message: result.errorMessage,
        }),
      };
    });
  };
}
