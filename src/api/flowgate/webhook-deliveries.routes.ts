// Native API for webhook delivery: the delivery log (every attempt with status, error and duration) and manual
// redelivery, which MLflow's API lacks.
import { notFound } from "../../core/errors.js";
import { checkMaxResults } from "../../core/paging.js";
import type { WebhookService } from "../../webhooks/webhooks.js";
import type { Delivery } from "../../webhooks/webhook-store.js";
import type { RoutePlugin } from "../server.js";
import { optionalInt } from "../mlflow/wire-input.js";
import { compact } from "../mlflow/wire-output.js";
import { nativeRoute } from "./native-router.js";
import * as N from "./schemas/native.js";

function deliveryJson(d: Delivery): object {
  return compact({
    delivery_id: d.id,
    event_id: d.eventId,
    entity: d.entity,
    action: d.action,
    ordering_key: d.orderingKey,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === "pending" ? d.nextAttemptAt : undefined,
    last_status: d.lastStatus,
    last_error: d.lastError,
    delivered_at: d.deliveredAt,
    created_at: d.eventCreatedAt,
  });
}

export function webhookDeliveriesRoutes(deps: { webhooks: WebhookService }): RoutePlugin {
  return (app) => {
    nativeRoute(app, "GET", "webhooks/:webhook_id/deliveries", N.listDeliveries, async ({ args, params }) => {
      const limit = checkMaxResults(optionalInt(args, "max_results"), 100, 1000);
      const rows = await deps.webhooks.deliveries(params.webhook_id ?? "", limit);
      return {
        deliveries: rows.map((d) => ({
          ...deliveryJson(d),
          attempts_log: d.log.map((a) =>
            compact({
              attempt: a.attempt,
              time: a.time,
              response_status: a.responseStatus,
              error: a.error,
              duration_ms: a.durationMs,
            }),
          ),
        })),
      };
    });
    nativeRoute(
      app,
      "POST",
      "webhooks/:webhook_id/deliveries/:delivery_id/redeliver",
      N.redeliver,
      async ({ params, ctx }) => {
        const id = Number(params.delivery_id);
        if (!Number.isInteger(id)) throw notFound(`Delivery '${params.delivery_id ?? ""}' does not exist.`);
        return { delivery: deliveryJson(await deps.webhooks.redeliver(ctx, params.webhook_id ?? "", id)) };
      },
    );
  };
}
