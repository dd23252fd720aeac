// The durable outbox: a domain service publishes an event inside the transaction of the change it describes,
// which writes the event row and one pending delivery per subscribed active webhook. Commit or roll back
// together — no event for a change that did not happen, no change whose event can be lost by a crash.
import { randomUUID } from "node:crypto";
import type { Clock } from "../core/clock.js";
import type { Executor } from "../store/database.js";
import { sameEvent, type WebhookEvent } from "./events.js";
import type { WebhookStore } from "./webhook-store.js";

export interface Outbox {
  /** Returns the stable event id (receivers de-duplicate on it). */
  publish(trx: Executor, event: WebhookEvent): Promise<string>;
}

export interface OutboxListener {
  /** Called after a publish; the dispatcher uses it to look at the queue soon (after the commit). */
  (): void;
}

export function createOutbox(deps: {
  store: WebhookStore;
  clock: Clock;
  onPublish?: OutboxListener;
}): Outbox {
  const { store, clock } = deps;
  return {
    async publish(trx, event) {
      const subscribers = (await store.subscribedWebhooks(trx)).filter((w) =>
        w.events.some((e) => sameEvent(e, event)),
      );
      const eventId = randomUUID();
      const now = clock.now();
      // MLflow's delivered body: {entity, action, timestamp, data}, entity and action in lower case. The body is
      // fixed here, once, so every attempt (and a redelivery) sends the same bytes.
      const payload = JSON.stringify({
        entity: event.entity.toLowerCase(),
        action: event.action.toLowerCase(),
        timestamp: new Date(now).toISOString(),
        data: event.data,
      });
      if (subscribers.length === 0) return eventId;
      const seq = await store.insertEvent(trx, {
        eventId,
        entity: event.entity,
        action: event.action,
        orderingKey: event.orderingKey,
        payload,
        createdAt: now,
      });
      for (const w of subscribers) {
        await store.insertDelivery(trx, { seq, webhookId: w.webhookId, orderingKey: event.orderingKey, now });
      }
      deps.onPublish?.();
      return eventId;
    },
  };
}
