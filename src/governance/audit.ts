// The append-only audit log: who changed what, when, from what to what, and why. Written by the domain
// service in the same transaction as the change it describes, so a change never exists without its record.
import type { Clock } from "../core/clock.js";
import type { RequestContext } from "../core/request-context.js";
import type { Executor } from "../store/database.js";

export interface AuditEntry {
  /** Dotted verb, e.g. `experiment.create`, `model_version.transition_stage`. */
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
  reason?: string | undefined;
}

export interface AuditLog {
  record(trx: Executor, ctx: RequestContext, entry: AuditEntry): Promise<void>;
}

export function createAuditLog(clock: Clock): AuditLog {
  return {
    async record(trx, ctx, entry) {
      await trx
        .insertInto("audit_events")
        .values({
          time: clock.now(),
          actor: ctx.actor,
          action: entry.action,
          target_type: entry.targetType,
          target_id: entry.targetId,
          before: entry.before === undefined ? null : JSON.stringify(entry.before),
          after: entry.after === undefined ? null : JSON.stringify(entry.after),
          reason: entry.reason ?? null,
          request_id: ctx.requestId,
        })
        .execute();
    },
  };
}
