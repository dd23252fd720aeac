// Entities and store interface for webhooks, the outbox (events + per-webhook deliveries) and the attempt log.
import type { Executor } from "../store/database.js";
import type { EventType } from "./events.js";

export type WebhookStatus = "ACTIVE" | "DISABLED";

export interface Webhook {
  webhookId: string;
  name: string;
  description: string | undefined;
  url: string;
  events: EventType[];
  status: WebhookStatus;
  /** Sealed with the server key (secret-box.ts); opened only to sign a delivery. */
  secret: string | undefined;
  /** The sealed secret being rotated out, signing alongside until previousSecretExpiresAt. */
  previousSecret: string | undefined;
  previousSecretExpiresAt: number | undefined;
  /** When the current run of failed attempts began; cleared by a success. */
  failingSince: number | undefined;
  disabledReason: string | undefined;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface Delivery {
  id: number;
  seq: number;
  /** Stable across attempts and redeliveries: receivers de-duplicate on it. */
  eventId: string;
  webhookId: string;
  orderingKey: string;
  entity: string;
  action: string;
  payload: string;
  eventCreatedAt: number;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | undefined;
  lastError: string | undefined;
  deliveredAt: number | undefined;
}

export interface DeliveryAttempt {
  deliveryId: number;
  attempt: number;
  time: number;
  responseStatus: number | undefined;
  error: string | undefined;
  durationMs: number;
}

export interface WebhookStore {
  insertWebhook(x: Executor, w: Webhook): Promise<void>;
  getWebhook(x: Executor, id: string): Promise<Webhook | undefined>;
  listWebhooks(x: Executor, offset: number, limit: number): Promise<Webhook[]>;
  /**
   * Webhooks that get new events queued: active ones, and ones the dispatcher disabled after failures (their
   * events wait for a re-enable so a long outage loses nothing). Ones an admin disabled get nothing.
   */
  subscribedWebhooks(x: Executor): Promise<Webhook[]>;
  updateWebhook(x: Executor, w: Webhook): Promise<void>;
  deleteWebhook(x: Executor, id: string): Promise<void>;
  insertEvent(
    x: Executor,
    e: {
      eventId: string;
      entity: string;
      action: string;
      orderingKey: string;
      payload: string;
      createdAt: number;
    },
  ): Promise<number>;
  insertDelivery(
    x: Executor,
    d: { seq: number; webhookId: string; orderingKey: string; now: number },
  ): Promise<void>;
  /**
   * Deliveries due now whose webhook is active, each the oldest pending one of its (webhook, ordering key)
   * group: a later event for a model never overtakes an earlier one still being retried.
   */
  dueDeliveries(x: Executor, now: number, limit: number): Promise<Delivery[]>;
  /** Takes a lease on a due delivery; false when another dispatcher holds it. */
  claim(x: Executor, id: number, now: number, leaseUntil: number): Promise<boolean>;
  finishAttempt(
    x: Executor,
    id: number,
    change: Pick<
      Delivery,
      "status" | "attempts" | "nextAttemptAt" | "lastStatus" | "lastError" | "deliveredAt"
    >,
    attempt: DeliveryAttempt,
  ): Promise<void>;
  getDelivery(x: Executor, id: number): Promise<Delivery | undefined>;
  listDeliveries(x: Executor, webhookId: string, limit: number): Promise<Delivery[]>;
  listAttempts(x: Executor, deliveryId: number): Promise<DeliveryAttempt[]>;
  /** Puts a delivery back in the queue, due now. */
  requeue(x: Executor, id: number, now: number): Promise<void>;
}
