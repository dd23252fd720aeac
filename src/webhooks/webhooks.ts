// Webhook subscriptions (MLflow's OSS webhook API semantics) and their delivery log: create, list, get,
// update (a new secret keeps the old one live for a rotation window), delete, test, redeliver.
// Events enter through outbox.ts; dispatcher.ts sends them.
import { randomUUID } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { invalidParameter, notFound } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { AuditLog } from "../governance/audit.js";
import type { Database } from "../store/database.js";
import type { EventType } from "./events.js";
import { sendWebhook } from "./http-sender.js";
import { liveSecrets, type SecretBox } from "./secret-box.js";
import { signedHeaders } from "./signer.js";
import { checkTargetUrl, type TargetRules } from "./target-address.js";
import type { Delivery, DeliveryAttempt, Webhook, WebhookStatus, WebhookStore } from "./webhook-store.js";

/** How long the previous secret keeps signing after a rotation. */
export const SECRET_ROTATION_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_TEST_BODY = 1024;

export interface WebhookInput {
  name?: string | undefined;
  url?: string | undefined;
  events?: EventType[] | undefined;
  description?: string | undefined;
  secret?: string | undefined;
  status?: WebhookStatus | undefined;
}

export interface TestResult {
  success: boolean;
  responseStatus: number | undefined;
  responseBody: string | undefined;
  errorMessage: string | undefined;
}

export interface WebhookService {
  create(ctx: RequestContext, input: WebhookInput): Promise<Webhook>;
  get(id: string): Promise<Webhook>;
  list(offset: number, limit: number): Promise<Webhook[]>;
  update(ctx: RequestContext, id: string, input: WebhookInput): Promise<Webhook>;
  delete(ctx: RequestContext, id: string): Promise<void>;
  test(id: string, event: EventType | undefined): Promise<TestResult>;
  deliveries(id: string, limit: number): Promise<Array<Delivery & { log: DeliveryAttempt[] }>>;
  redeliver(ctx: RequestContext, id: string, deliveryId: number): Promise<Delivery>;
}

/** What MLflow and our audit log show of a webhook: never its secrets. */
export function publicView(w: Webhook): object {
  return {
    webhook_id: w.webhookId,
    name: w.name,
    url: w.url,
    status: w.status,
    events: w.events,
  };
}

function checkName(name: string): string {
  if (name.trim() === "" || name.length > 256)
    throw invalidParameter("Webhook name must have 1-256 characters.");
  return name;
}

function checkSecret(secret: string | undefined): string | undefined {
  if (secret === undefined || secret === "") return undefined;
  if (secret.length < 16 || secret.length > 512) {
    throw invalidParameter("Webhook secret must have 16-512 characters (a long random string).");
  }
  return secret;
}

export function createWebhookService(deps: {
  database: Database;
  store: WebhookStore;
  audit: AuditLog;
  clock: Clock;
  rules: TargetRules;
  box: SecretBox;
  onChange?: () => void;
}): WebhookService {
  const { database, store, audit, clock, rules, box } = deps;

  const sealed = (secret: string | undefined): string | undefined =>
    secret === undefined ? undefined : box.seal(secret);

  function openOrUndefined(stored: string): string | undefined {
    try {
      return box.open(stored);
    } catch {
      return undefined;
    }
  }

  async function load(id: string): Promise<Webhook> {
    const w = await store.getWebhook(database.db, id);
    if (w === undefined) throw notFound(`Webhook '${id}' does not exist.`);
    return w;
  }

  return {
    async create(ctx, input) {
      const name = checkName(input.name ?? "");
      if (input.url === undefined) throw invalidParameter("Missing value for required parameter 'url'.");
      const url = (await checkTargetUrl(input.url, rules)).toString();
      if (input.events === undefined || input.events.length === 0) {
        throw invalidParameter(
          "Missing value for required parameter 'events': subscribe to at least one event.",
        );
      }
      const now = clock.now();
      const webhook: Webhook = {
        webhookId: randomUUID().replaceAll("-", ""),
        name,
        description: input.description,
        url,
        events: input.events,
        status: input.status ?? "ACTIVE",
        secret: sealed(checkSecret(input.secret)),
        previousSecret: undefined,
        previousSecretExpiresAt: undefined,
        failingSince: undefined,
        disabledReason: undefined,
        creationTimestamp: now,
        lastUpdatedTimestamp: now,
      };
      await database.transaction(async (trx) => {
        await store.insertWebhook(trx, webhook);
        await audit.record(trx, ctx, {
          action: "webhook.create",
          targetType: "webhook",
          targetId: webhook.webhookId,
          after: publicView(webhook),
        });
      });
      return webhook;
    },
    get: load,
    list: (offset, limit) => store.listWebhooks(database.db, offset, limit),
    async update(ctx, id, input) {
      const before = await load(id);
      const now = clock.now();
      const next: Webhook = { ...before, lastUpdatedTimestamp: now };
      if (input.name !== undefined) next.name = checkName(input.name);
      if (input.description !== undefined) next.description = input.description;
      if (input.url !== undefined) next.url = (await checkTargetUrl(input.url, rules)).toString();
      if (input.events !== undefined && input.events.length > 0) next.events = input.events;
      const secret = checkSecret(input.secret);
      // An old secret this server's key cannot open cannot sign either: the new one simply replaces it.
      const current = before.secret === undefined ? undefined : openOrUndefined(before.secret);
      const rotated = secret !== undefined && secret !== current;
      if (rotated) {
        // Rotation: the old secret keeps signing (webhook-signature carries both) for the window.
        next.secret = box.seal(secret);
        next.previousSecret = current === undefined ? undefined : before.secret;
        next.previousSecretExpiresAt = current === undefined ? undefined : now + SECRET_ROTATION_WINDOW_MS;
      } else if (current !== undefined) {
        // Sealed afresh on every update, so a secret stored before encryption existed does not stay in the clear.
        next.secret = box.seal(current);
      }
      if (input.status !== undefined) {
        // Either way the dispatcher's reason no longer applies: enabled resumes delivery, and a webhook an admin
        // disabled stops collecting events.
        next.status = input.status;
        next.disabledReason = undefined;
        if (input.status === "ACTIVE") next.failingSince = undefined;
      }
      await database.transaction(async (trx) => {
        await store.updateWebhook(trx, next);
        await audit.record(trx, ctx, {
          action: rotated ? "webhook.rotate_secret" : "webhook.update",
          targetType: "webhook",
          targetId: id,
          before: publicView(before),
          after: publicView(next),
        });
      });
      deps.onChange?.();
      return next;
    },
    async delete(ctx, id) {
      const before = await load(id);
      await database.transaction(async (trx) => {
        await store.deleteWebhook(trx, id);
        await audit.record(trx, ctx, {
          action: "webhook.delete",
          targetType: "webhook",
          targetId: id,
          before: publicView(before),
        });
      });
    },
    async test(id, event) {
      const w = await load(id);
      const type = event ?? w.events[0] ?? { entity: "REGISTERED_MODEL", action: "CREATED" };
      const body = JSON.stringify({
        entity: type.entity.toLowerCase(),
        action: type.action.toLowerCase(),
        timestamp: new Date(clock.now()).toISOString(),
        data: { name: "example_model", test: true },
      });
      const deliveryId = randomUUID();
      const result = await sendWebhook(
        w.url,
        signedHeaders(liveSecrets(w, clock.now(), box), deliveryId, Math.floor(clock.now() / 1000), body),
        body,
        rules,
        15_000,
      );
      const success = result.status !== undefined && result.status >= 200 && result.status < 300;
      return {
        success,
        responseStatus: result.status,
        // Never echo an arbitrary remote body back in full (GHSA-7gwp-5pfp-969j read SSRF via the test endpoint).
        responseBody: result.body === "" ? undefined : result.body.slice(0, MAX_TEST_BODY),
        errorMessage: success ? undefined : (result.error ?? `HTTP ${result.status ?? "?"}`),
      };
    },
    async deliveries(id, limit) {
      await load(id);
      const rows = await store.listDeliveries(database.db, id, limit);
      return Promise.all(rows.map(async (d) => ({ ...d, log: await store.listAttempts(database.db, d.id) })));
    },
    async redeliver(ctx, id, deliveryId) {
      await load(id);
      const d = await store.getDelivery(database.db, deliveryId);
      if (d === undefined || d.webhookId !== id)
        throw notFound(`Delivery ${deliveryId} of webhook '${id}' does not exist.`);
      await database.transaction(async (trx) => {
        await store.requeue(trx, deliveryId, clock.now());
        await audit.record(trx, ctx, {
          action: "webhook.redeliver",
          targetType: "webhook",
          targetId: id,
          after: { delivery_id: deliveryId, event_id: d.eventId },
        });
      });
      deps.onChange?.();
      return (await store.getDelivery(database.db, deliveryId)) as Delivery;
    },
  };
}
