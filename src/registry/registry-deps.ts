// What every registry service function is built from, and the one way a registry change is recorded:
// the audit record and the governance hooks run inside the change's own transaction.
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { RequestContext } from "../core/request-context.js";
import type { AuditLog } from "../governance/audit.js";
import type { Database, Executor } from "../store/database.js";
import type { Stage } from "./entities.js";
import type { RegistryStore } from "./registry-store.js";

export type RegistryAction =
  | "registered_model.create"
  | "registered_model.rename"
  | "registered_model.update"
  | "registered_model.delete"
  | "registered_model.set_tag"
  | "registered_model.delete_tag"
  | "registered_model.set_house_fields"
  | "model_version.set_house_fields"
  | "model_version.create"
  | "model_version.update"
  | "model_version.delete"
  | "model_version.transition_stage"
  | "model_version.set_tag"
  | "model_version.delete_tag"
  | "registered_model_alias.set"
  | "registered_model_alias.delete";

/** One registry state change, as governance and webhooks see it. */
export interface RegistryChange {
  action: RegistryAction;
  name: string;
  version?: number | undefined;
  alias?: string | undefined;
  key?: string | undefined;
  fromStage?: Stage | undefined;
  toStage?: Stage | undefined;
  before?: unknown;
  after?: unknown;
}

/**
 * Extension points for governance (promotion gates, permission checks) and webhooks (outbox events). `prepare`
 * runs before a stage transition's or alias move's transaction, for slow work a check will read (a serving smoke
 * benchmark) that must not hold the store's write lock. The others run inside the change's transaction: `check`
 * before the write (throw a FlowgateError to refuse), `changed` after it, next to the audit record, so an event
 * exists exactly when its change does.
 */
export interface RegistryHooks {
  /** Returns what `check` then receives as `prepared`. */
  prepare?(ctx: RequestContext, change: RegistryChange): Promise<unknown>;
  check?(trx: Executor, ctx: RequestContext, change: RegistryChange, prepared?: unknown): Promise<void>;
  changed?(trx: Executor, ctx: RequestContext, change: RegistryChange): Promise<void>;
}

export interface RegistryDeps {
  database: Database;
  store: RegistryStore;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  hooks?: RegistryHooks | undefined;
}

export async function prepareChange(
  deps: RegistryDeps,
  ctx: RequestContext,
  change: RegistryChange,
): Promise<unknown> {
  return deps.hooks?.prepare?.(ctx, change);
}

/** Runs the `check` hook; `prepared` is what `prepareChange` returned for the same change, if it ran. */
export async function checkChange(
  deps: RegistryDeps,
  trx: Executor,
  ctx: RequestContext,
  change: RegistryChange,
  prepared?: unknown,
): Promise<void> {
  await deps.hooks?.check?.(trx, ctx, change, prepared);
}

/** Writes the audit record of `change` and runs the `changed` hook, in the caller's transaction. */
export async function recordChange(
  deps: RegistryDeps,
  trx: Executor,
  ctx: RequestContext,
  change: RegistryChange,
): Promise<void> {
  const [targetType] = change.action.split(".");
  const targetId =
    change.alias !== undefined
      ? `${change.name}@${change.alias}`
      : change.version !== undefined
        ? `${change.name}/${change.version}`
        : change.name;
  await deps.audit.record(trx, ctx, {
    action: change.action,
    targetType: targetType ?? "registered_model",
    targetId,
    before: change.before,
    after: change.after,
  });
  await deps.hooks?.changed?.(trx, ctx, change);
}
