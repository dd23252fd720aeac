// Permission decisions inside the domain services (protected promotions, approvals, token ownership), so the
// MLflow API, native API, CLI and UI all meet the same rule. With auth off every caller may do everything.
import { FlowgateError } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { Database } from "../store/database.js";
import type { UserStore } from "./auth/user-store.js";
import { can, type Grant, type Permission, type Scope } from "./rbac.js";

export interface AccessControl {
  readonly enabled: boolean;
  allows(ctx: RequestContext, permission: Permission, scope: Scope): Promise<boolean>;
  /** Throws PERMISSION_DENIED with `why` (what was refused and how to get it done) when not allowed. */
  require(ctx: RequestContext, permission: Permission, scope: Scope, why: string): Promise<void>;
}

export function createAccessControl(deps: {
  enabled: boolean;
  database: Database;
  store: UserStore;
}): AccessControl {
  const { enabled, database, store } = deps;
  async function grantsOf(actor: string): Promise<Grant[]> {
    // The system actor (background jobs, the dispatcher) acts with the server's own authority.
    if (actor === "system") return [{ role: "admin", scopeType: "global", scopeId: "" }];
    const user = await store.getUser(database.db, actor);
    if (user === undefined || user.disabled) return [];
    return store.listGrants(database.db, actor);
  }
  const allows = async (ctx: RequestContext, permission: Permission, scope: Scope): Promise<boolean> =>
    !enabled || can(await grantsOf(ctx.actor), permission, scope);
  return {
    enabled,
    allows,
    async require(ctx, permission, scope, why) {
      if (!(await allows(ctx, permission, scope))) {
        throw new FlowgateError(
          "PERMISSION_DENIED",
          `${why} (user '${ctx.actor}' lacks permission ${permission}).`,
        );
      }
    },
  };
}
