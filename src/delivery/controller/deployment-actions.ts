// Pause, resume, promote and abort as a person asks for them: the pure user action applied to the stored
// rollout state under optimistic concurrency (a stale write is retried once on a fresh read), recorded
// (audit, webhook) in the same transaction. The controller's next tick carries out a requested promotion.
// No governance check here: every version a promotion gives traffic to (the canary, the preview) was checked
// as a promotion to deployment:<name> when the revision naming it was written.
import type { Clock } from "../../core/clock.js";
import { FlowgateError, invalidParameter, notFound } from "../../core/errors.js";
import type { RequestContext } from "../../core/request-context.js";
import type { Database } from "../../store/database.js";
import type { DeploymentStore } from "../deployment-store.js";
import type { DeploymentView } from "../deployment.js";
import type { DeploymentService } from "../deployments.js";
import type { DeploymentNotices } from "./deployment-notices.js";
import { applyAction, type UserAction } from "./user-actions.js";

export interface DeploymentActions {
  apply(ctx: RequestContext, name: string, action: UserAction): Promise<DeploymentView>;
}

const ATTEMPTS = 2;

export function createDeploymentActions(deps: {
  database: Database;
  store: DeploymentStore;
  notices: DeploymentNotices;
  deployments: Pick<DeploymentService, "get" | "changed">;
  clock: Clock;
}): DeploymentActions {
  const { database, store, notices, clock } = deps;
  return {
    async apply(ctx, name, action) {
      if (action.reason.trim() === "") {
        throw invalidParameter(
          `reason is required: say why you ${action.kind} deployment '${name}' (it is audited).`,
        );
      }
      const actx = { ...ctx, reason: action.reason };
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const d = await store.get(database.db, name);
        if (d === undefined) throw notFound(`Deployment '${name}' does not exist.`);
        const revision = await store.revision(database.db, name, d.revision);
        const state = await store.getState(database.db, name);
        if (revision === undefined || state === undefined)
          throw notFound(`Deployment '${name}' does not exist.`);
        const result = applyAction(revision.spec, state, action, clock.now());
        const next = { ...result.state, version: state.version + 1 };
        const stored = await database.transaction(async (trx) => {
          if (!(await store.putState(trx, next, state.version))) return false;
          for (const a of result.actions)
            if (a.kind === "notice") await notices.record(trx, actx, d, next, a);
          return true;
        });
        if (stored) {
          deps.deployments.changed(name);
          return deps.deployments.get(ctx, name);
        }
      }
      throw new FlowgateError(
        "INVALID_STATE",
        `Deployment '${name}' changed while the ${action.kind} was applied (the controller or someone else wrote it); read it again and retry.`,
      );
    },
  };
}
