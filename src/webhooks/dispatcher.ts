// Sends the outbox: polls for due deliveries (and wakes early after a publish), leases each one so several
// server replicas never send the same attempt twice at once, signs and POSTs it, and records the attempt.
// Failures retry with exponential backoff and jitter, honouring Retry-After; a webhook failing for longer than
// `autoDisableAfterMs` is disabled (its pending deliveries wait, nothing is dropped, until it is re-enabled).
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Database } from "../store/database.js";
import { sendWebhook, type SendResult } from "./http-sender.js";
import { liveSecrets, type SecretBox } from "./secret-box.js";
import { signedHeaders } from "./signer.js";
import type { TargetRules } from "./target-address.js";
import type { Delivery, Webhook, WebhookStore } from "./webhook-store.js";

export interface DispatcherOptions {
  pollIntervalMs: number;
  /** First retry delay; doubles per attempt up to maxBackoffMs, with ±20 % jitter. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  autoDisableAfterMs: number;
  requestTimeoutMs: number;
  leaseMs: number;
  batchSize: number;
}

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = {
  pollIntervalMs: 1000,
  baseBackoffMs: 5000,
  maxBackoffMs: 60 * 60 * 1000,
  autoDisableAfterMs: 3 * 24 * 60 * 60 * 1000,
  requestTimeoutMs: 15_000,
  leaseMs: 60_000,
  batchSize: 20,
};

/** Statuses after which retrying cannot help (the receiver refused this payload). 410 also disables. */
function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && ![408, 409, 425, 429].includes(status);
}

export function backoffMs(
  attempts: number,
  o: Pick<DispatcherOptions, "baseBackoffMs" | "maxBackoffMs">,
): number {
  const raw = Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly deps: {
      database: Database;
      store: WebhookStore;
      clock: Clock;
      logger: Logger;
      rules: TargetRules;
      options: DispatcherOptions;
      box: SecretBox;
    },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Waits for in-flight sends, so their leases are released and their attempts recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  /** Look at the queue soon (called after a publish commits). */
  wake(): void {
    if (this.stopped) return;
    if (this.running !== undefined) this.again = true;
    else this.schedule(10);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick()
        .catch((err: unknown) => this.deps.logger.error({ err }, "webhook dispatcher tick failed"))
        .finally(() => {
          this.running = undefined;
          const more = this.again;
          this.again = false;
          this.schedule(more ? 0 : this.deps.options.pollIntervalMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** One pass: send every due delivery (one per webhook × model group), then again while any succeeded. */
  async tick(): Promise<void> {
    const { database, store, clock, options } = this.deps;
    for (;;) {
      const now = clock.now();
      const due = await store.dueDeliveries(database.db, now, options.batchSize);
      if (due.length === 0) return;
      const results = await Promise.all(
        due.map(async (d) =>
          (await store.claim(database.db, d.id, now, now + options.leaseMs)) ? this.attempt(d) : false,
        ),
      );
      if (this.stopped || !results.some((delivered) => delivered)) return;
    }
  }

  /** Signs and sends one delivery; a secret this server cannot open is a failed attempt that says so. */
  private async send(webhook: Webhook, d: Delivery): Promise<SendResult> {
    const { clock, options, rules, box } = this.deps;
    let secrets: string[];
    try {
      secrets = liveSecrets(webhook, clock.now(), box);
    } catch (err) {
      return {
        status: undefined,
        body: "",
        retryAfterMs: undefined,
        error: (err as Error).message,
        durationMs: 0,
      };
    }
    const timestamp = Math.floor(clock.now() / 1000);
    return sendWebhook(
      webhook.url,
      signedHeaders(secrets, d.eventId, timestamp, d.payload),
      d.payload,
      rules,
      options.requestTimeoutMs,
    );
  }

  private async attempt(d: Delivery): Promise<boolean> {
    const { database, store, clock, options, logger } = this.deps;
    const webhook = await store.getWebhook(database.db, d.webhookId);
    if (webhook === undefined) return false;
    const result: SendResult = await this.send(webhook, d);
    const now = clock.now();
    const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
    const permanent = !ok && result.status !== undefined && isPermanent(result.status);
    const attempts = d.attempts + 1;
    let next = now;
    if (!ok && !permanent) next = now + Math.max(backoffMs(attempts, options), result.retryAfterMs ?? 0);
    const error =
      result.error ??
      (ok
        ? undefined
        : `HTTP ${result.status ?? "?"}${result.status !== undefined && result.status < 400 ? " (redirects are not followed)" : ""}`);
    await database.transaction(async (trx) => {
      await store.finishAttempt(
        trx,
        d.id,
        {
          status: ok ? "delivered" : permanent ? "failed" : "pending",
          attempts,
          nextAttemptAt: next,
          lastStatus: result.status,
          lastError: error,
          deliveredAt: ok ? now : undefined,
        },
        {
          deliveryId: d.id,
          attempt: attempts,
          time: now,
          responseStatus: result.status,
          error,
          durationMs: result.durationMs,
        },
      );
      const current = await store.getWebhook(trx, d.webhookId);
      if (current === undefined) return;
      if (ok) {
        if (current.failingSince !== undefined)
          await store.updateWebhook(trx, { ...current, failingSince: undefined });
        return;
      }
      const failingSince = current.failingSince ?? now;
      let change: Webhook = { ...current, failingSince };
      if (result.status === 410) {
        change = { ...change, status: "DISABLED", disabledReason: "the receiver answered 410 Gone" };
      } else if (now - failingSince >= options.autoDisableAfterMs) {
        change = {
          ...change,
          status: "DISABLED",
          disabledReason: `deliveries failed for ${Math.round((now - failingSince) / 60000)} minutes; last: ${error ?? "?"}`,
        };
      }
      if (change.status === "DISABLED") {
        logger.warn(
          { webhookId: d.webhookId, reason: change.disabledReason },
          "webhook disabled after failures",
        );
      }
      await store.updateWebhook(trx, change);
    });
    return ok;
  }
}
