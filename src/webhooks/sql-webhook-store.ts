// Kysely implementation of WebhookStore (SQLite and PostgreSQL); rows become entities only here.
import type { Selectable } from "kysely";
import type { WebhookAttemptsTable, WebhooksTable } from "../store/schema-governance.js";
import type { EventType } from "./events.js";
import type { Delivery, DeliveryAttempt, Webhook, WebhookStore } from "./webhook-store.js";

function toWebhook(r: Selectable<WebhooksTable>): Webhook {
  return {
    webhookId: r.webhook_id,
    name: r.name,
    description: r.description ?? undefined,
    url: r.url,
    events: JSON.parse(r.events) as EventType[],
    status: r.status === "DISABLED" ? "DISABLED" : "ACTIVE",
    secret: r.secret ?? undefined,
    previousSecret: r.previous_secret ?? undefined,
    previousSecretExpiresAt: r.previous_secret_expires_at ?? undefined,
    failingSince: r.failing_since ?? undefined,
    disabledReason: r.disabled_reason ?? undefined,
    creationTimestamp: Number(r.creation_timestamp),
    lastUpdatedTimestamp: Number(r.last_updated_timestamp),
  };
}

function webhookRow(w: Webhook): Selectable<WebhooksTable> {
  return {
    webhook_id: w.webhookId,
    name: w.name,
    description: w.description ?? null,
    url: w.url,
    events: JSON.stringify(w.events),
    status: w.status,
    secret: w.secret ?? null,
    previous_secret: w.previousSecret ?? null,
    previous_secret_expires_at: w.previousSecretExpiresAt ?? null,
    failing_since: w.failingSince ?? null,
    disabled_reason: w.disabledReason ?? null,
    creation_timestamp: w.creationTimestamp,
    last_updated_timestamp: w.lastUpdatedTimestamp,
  };
}

interface DeliveryRow {
  id: number;
  seq: number;
  webhook_id: string;
  ordering_key: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  event_id: string;
  entity: string;
  action: string;
  payload: string;
  created_at: number;
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: Number(r.id),
    seq: Number(r.seq),
    eventId: r.event_id,
    webhookId: r.webhook_id,
    orderingKey: r.ordering_key,
    entity: r.entity,
    action: r.action,
    payload: r.payload,
    eventCreatedAt: Number(r.created_at),
    status: r.status as Delivery["status"],
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastStatus: r.last_status ?? undefined,
    lastError: r.last_error ?? undefined,
    deliveredAt: r.delivered_at ?? undefined,
  };
}

function toAttempt(r: Selectable<WebhookAttemptsTable>): DeliveryAttempt {
  return {
    deliveryId: Number(r.delivery_id),
    attempt: Number(r.attempt),
    time: Number(r.time),
    responseStatus: r.response_status ?? undefined,
    error: r.error ?? undefined,
    durationMs: Number(r.duration_ms),
  };
}

export function createSqlWebhookStore(): WebhookStore {
  const deliveryColumns = [
    "d.id",
    "d.seq",
    "d.webhook_id",
    "d.ordering_key",
    "d.status",
    "d.attempts",
    "d.next_attempt_at",
    "d.last_status",
    "d.last_error",
    "d.delivered_at",
    "e.event_id",
    "e.entity",
    "e.action",
    "e.payload",
    "e.created_at",
  ] as const;
  return {
    async insertWebhook(x, w) {
      await x.insertInto("webhooks").values(webhookRow(w)).execute();
    },
    async getWebhook(x, id) {
      const r = await x.selectFrom("webhooks").selectAll().where("webhook_id", "=", id).executeTakeFirst();
      return r === undefined ? undefined : toWebhook(r);
    },
    async listWebhooks(x, offset, limit) {
      const rows = await x
        .selectFrom("webhooks")
        .selectAll()
        .orderBy("creation_timestamp")
        .orderBy("webhook_id")
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toWebhook);
    },
    async subscribedWebhooks(x) {
      const rows = await x
        .selectFrom("webhooks")
        .selectAll()
        .where((eb) => eb.or([eb("status", "=", "ACTIVE"), eb("disabled_reason", "is not", null)]))
        .execute();
      return rows.map(toWebhook);
    },
    async updateWebhook(x, w) {
      const row: Partial<Selectable<WebhooksTable>> = webhookRow(w);
      delete row.webhook_id;
      await x.updateTable("webhooks").set(row).where("webhook_id", "=", w.webhookId).execute();
    },
    async deleteWebhook(x, id) {
      const ids = x.selectFrom("webhook_deliveries").select("id").where("webhook_id", "=", id);
      await x.deleteFrom("webhook_attempts").where("delivery_id", "in", ids).execute();
      await x.deleteFrom("webhook_deliveries").where("webhook_id", "=", id).execute();
      await x.deleteFrom("webhooks").where("webhook_id", "=", id).execute();
    },
    async insertEvent(x, e) {
      const row = await x
        .insertInto("webhook_events")
        .values({
          event_id: e.eventId,
          entity: e.entity,
          action: e.action,
          ordering_key: e.orderingKey,
          payload: e.payload,
          created_at: e.createdAt,
        })
        .returning("seq")
        .executeTakeFirstOrThrow();
      return Number(row.seq);
    },
    async insertDelivery(x, d) {
      await x
        .insertInto("webhook_deliveries")
        .values({
          seq: d.seq,
          webhook_id: d.webhookId,
          ordering_key: d.orderingKey,
          status: "pending",
          attempts: 0,
          next_attempt_at: d.now,
          locked_until: null,
          last_status: null,
          last_error: null,
          delivered_at: null,
        })
        .execute();
    },
    async dueDeliveries(x, now, limit) {
      const rows = await x
        .selectFrom("webhook_deliveries as d")
        .innerJoin("webhook_events as e", "e.seq", "d.seq")
        .innerJoin("webhooks as w", "w.webhook_id", "d.webhook_id")
        .select(deliveryColumns)
        .where("d.status", "=", "pending")
        .where("w.status", "=", "ACTIVE")
        .where("d.next_attempt_at", "<=", now)
        .where((eb) => eb.or([eb("d.locked_until", "is", null), eb("d.locked_until", "<", now)]))
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom("webhook_deliveries as o")
                .select("o.id")
                .whereRef("o.webhook_id", "=", "d.webhook_id")
                .whereRef("o.ordering_key", "=", "d.ordering_key")
                .where("o.status", "=", "pending")
                .whereRef("o.seq", "<", "d.seq"),
            ),
          ),
        )
        .orderBy("d.seq")
        .limit(limit)
        .execute();
      return rows.map(toDelivery);
    },
    async claim(x, id, now, leaseUntil) {
      const res = await x
        .updateTable("webhook_deliveries")
        .set({ locked_until: leaseUntil })
        .where("id", "=", id)
        .where("status", "=", "pending")
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async finishAttempt(x, id, change, attempt) {
      await x
        .updateTable("webhook_deliveries")
        .set({
          status: change.status,
          attempts: change.attempts,
          next_attempt_at: change.nextAttemptAt,
          last_status: change.lastStatus ?? null,
          last_error: change.lastError ?? null,
          delivered_at: change.deliveredAt ?? null,
          locked_until: null,
        })
        .where("id", "=", id)
        .execute();
      await x
        .insertInto("webhook_attempts")
        .values({
          delivery_id: attempt.deliveryId,
          attempt: attempt.attempt,
          time: attempt.time,
          response_status: attempt.responseStatus ?? null,
          error: attempt.error ?? null,
          duration_ms: attempt.durationMs,
        })
        .execute();
    },
    async getDelivery(x, id) {
      const r = await x
        .selectFrom("webhook_deliveries as d")
        .innerJoin("webhook_events as e", "e.seq", "d.seq")
        .select(deliveryColumns)
        .where("d.id", "=", id)
        .executeTakeFirst();
      return r === undefined ? undefined : toDelivery(r);
    },
    async listDeliveries(x, webhookId, limit) {
      const rows = await x
        .selectFrom("webhook_deliveries as d")
        .innerJoin("webhook_events as e", "e.seq", "d.seq")
        .select(deliveryColumns)
        .where("d.webhook_id", "=", webhookId)
        .orderBy("d.seq", "desc")
        .limit(limit)
        .execute();
      return rows.map(toDelivery);
    },
    async listAttempts(x, deliveryId) {
      const rows = await x
        .selectFrom("webhook_attempts")
        .selectAll()
        .where("delivery_id", "=", deliveryId)
        .orderBy("id")
        .execute();
      return rows.map(toAttempt);
    },
    async requeue(x, id, now) {
      await x
        .updateTable("webhook_deliveries")
        .set({ status: "pending", next_attempt_at: now, locked_until: null })
        .where("id", "=", id)
        .execute();
    },
  };
}
