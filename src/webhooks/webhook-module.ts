// Webhook wiring for the composition root: store, outbox, dispatcher and service, with the SSRF rules from the
// server config and dispatcher timings from FLOWGATE_WEBHOOK_* (tests shorten them; defaults suit production).
import type { Clock } from "../core/clock.js";
import type { ServerConfig } from "../core/config.js";
import { invalidParameter } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { AuditLog } from "../governance/audit.js";
import type { Database } from "../store/database.js";
import { DEFAULT_DISPATCHER_OPTIONS, WebhookDispatcher, type DispatcherOptions } from "./dispatcher.js";
import { createOutbox, type Outbox } from "./outbox.js";
import type { SecretBox } from "./secret-box.js";
import { createSqlWebhookStore } from "./sql-webhook-store.js";
import { createWebhookService, type WebhookService } from "./webhooks.js";

export interface WebhookModule {
  outbox: Outbox;
  service: WebhookService;
  dispatcher: WebhookDispatcher;
}

function envMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw invalidParameter(`${name} must be a whole number of milliseconds.`);
  return n;
}

export function dispatcherOptionsFrom(env: NodeJS.ProcessEnv): DispatcherOptions {
  const d = DEFAULT_DISPATCHER_OPTIONS;
  const options = {
    ...d,
    pollIntervalMs: envMs(env, "FLOWGATE_WEBHOOK_POLL_MS", d.pollIntervalMs),
    baseBackoffMs: envMs(env, "FLOWGATE_WEBHOOK_RETRY_BASE_MS", d.baseBackoffMs),
    maxBackoffMs: envMs(env, "FLOWGATE_WEBHOOK_RETRY_MAX_MS", d.maxBackoffMs),
    autoDisableAfterMs: envMs(env, "FLOWGATE_WEBHOOK_DISABLE_AFTER_MS", d.autoDisableAfterMs),
    requestTimeoutMs: envMs(env, "FLOWGATE_WEBHOOK_TIMEOUT_MS", d.requestTimeoutMs),
    // How long a server's claim on a delivery lasts: when it dies mid-send, another server sends the delivery
    // after this. It must outlast a send (the timeout), or a slow send would be claimed and sent twice.
    leaseMs: envMs(env, "FLOWGATE_WEBHOOK_LEASE_MS", d.leaseMs),
  };
  if (options.leaseMs <= options.requestTimeoutMs) {
    throw invalidParameter(
      `FLOWGATE_WEBHOOK_LEASE_MS (${options.leaseMs}) must be longer than FLOWGATE_WEBHOOK_TIMEOUT_MS ` +
        `(${options.requestTimeoutMs}): a delivery is claimed for the whole of its send.`,
    );
  }
  return options;
}

export function createWebhookModule(deps: {
  database: Database;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  config: ServerConfig;
  env: NodeJS.ProcessEnv;
  /** Seals webhook secrets at rest. */
  box: SecretBox;
}): WebhookModule {
  const store = createSqlWebhookStore();
  const rules = { allowHttp: deps.config.webhookAllowHttp, allowPrivate: deps.config.webhookAllowPrivate };
  const dispatcher = new WebhookDispatcher({
    database: deps.database,
    store,
    clock: deps.clock,
    logger: deps.logger,
    rules,
    options: dispatcherOptionsFrom(deps.env),
    box: deps.box,
  });
  const wake = (): void => dispatcher.wake();
  return {
    outbox: createOutbox({ store, clock: deps.clock, onPublish: wake }),
    service: createWebhookService({
      database: deps.database,
      store,
      audit: deps.audit,
      clock: deps.clock,
      rules,
      box: deps.box,
      onChange: wake,
    }),
    dispatcher,
  };
}
