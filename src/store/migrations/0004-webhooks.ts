// Webhooks: subscriptions, the durable outbox (one event row + one delivery row per subscribed webhook,
// written in the transaction of the change they describe) and the per-attempt delivery log. Frozen once shipped.
import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  const s = db.schema;
  await s
    .createTable("webhooks")
    .addColumn("webhook_id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("events", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("secret", "text")
    // The secret being rotated out stays valid (signed alongside) until previous_secret_expires_at.
    .addColumn("previous_secret", "text")
    .addColumn("previous_secret_expires_at", d.bigint)
    .addColumn("failing_since", d.bigint)
    .addColumn("disabled_reason", "text")
    .addColumn("creation_timestamp", d.bigint, (c) => c.notNull())
    .addColumn("last_updated_timestamp", d.bigint, (c) => c.notNull())
    .execute();
  await s
    .createTable("webhook_events")
    .addColumn("seq", d.bigint, (c) => d.identityColumn(c))
    .addColumn("event_id", "text", (c) => c.notNull().unique())
    .addColumn("entity", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    // Deliveries with the same ordering key (the registered model) go out in seq order.
    .addColumn("ordering_key", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("created_at", d.bigint, (c) => c.notNull())
    .execute();
  await s
    .createTable("webhook_deliveries")
    .addColumn("id", d.bigint, (c) => d.identityColumn(c))
    .addColumn("seq", d.bigint, (c) => c.notNull().references("webhook_events.seq"))
    .addColumn("webhook_id", "text", (c) => c.notNull().references("webhooks.webhook_id"))
    .addColumn("ordering_key", "text", (c) => c.notNull())
    // pending → delivered | dead (gave up; redeliverable by hand)
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("next_attempt_at", d.bigint, (c) => c.notNull())
    .addColumn("locked_until", d.bigint)
    .addColumn("last_status", "integer")
    .addColumn("last_error", "text")
    .addColumn("delivered_at", d.bigint)
    .addUniqueConstraint("webhook_deliveries_unique", ["seq", "webhook_id"])
    .execute();
  await s
    .createIndex("webhook_deliveries_due")
    .on("webhook_deliveries")
    .columns(["status", "next_attempt_at"])
    .execute();
  await s
    .createIndex("webhook_deliveries_order")
    .on("webhook_deliveries")
    .columns(["webhook_id", "ordering_key", "status", "seq"])
    .execute();
  await s
    .createTable("webhook_attempts")
    .addColumn("id", d.bigint, (c) => d.identityColumn(c))
    .addColumn("delivery_id", d.bigint, (c) => c.notNull().references("webhook_deliveries.id"))
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("time", d.bigint, (c) => c.notNull())
    .addColumn("response_status", "integer")
    .addColumn("error", "text")
    .addColumn("duration_ms", "integer", (c) => c.notNull())
    .execute();
  await s.createIndex("webhook_attempts_delivery").on("webhook_attempts").columns(["delivery_id"]).execute();
}
