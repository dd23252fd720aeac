// Records what the controller and the user actions did to a deployment: an audit event, and a signed webhook
// event through the outbox, both in the transaction that stores the new rollout state.
import type { RequestContext } from "../../core/request-context.js";
import type { AuditLog } from "../../governance/audit.js";
import type { Executor } from "../../store/database.js";
import type { Outbox } from "../../webhooks/outbox.js";
import type { RolloutState } from "../deployment.js";
import type { Notice } from "./controller-action.js";

export interface DeploymentNotices {
  record(
    trx: Executor,
    ctx: RequestContext,
    target: { name: string; model: string },
    state: RolloutState,
    notice: Notice,
  ): Promise<void>;
}

export function createDeploymentNotices(deps: { audit: AuditLog; outbox: Outbox }): DeploymentNotices {
  return {
    async record(trx, ctx, target, state, n) {
      await deps.audit.record(trx, ctx, {
        action: n.audit,
        targetType: "deployment",
        targetId: target.name,
        after: {
          revision: state.revision,
          phase: state.phase,
          canaryWeight: state.canaryWeight,
          message: n.message,
        },
        reason: ctx.reason,
      });
      if (n.webhook === undefined) return;
      await deps.outbox.publish(trx, {
        entity: "DEPLOYMENT",
        action: n.webhook,
        // Deliveries about one model go out in order, as the registry's events do.
        orderingKey: target.model,
        data: {
          name: target.name,
          model: target.model,
          revision: state.revision,
          phase: state.phase,
          canary_weight: state.canaryWeight,
          message: n.message,
        },
      });
    },
  };
}
