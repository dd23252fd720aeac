// Permission decisions inside the domain services (protected promotions, approvals, token ownership), so the
// MLflow API, native API, CLI and UI all meet the same rule. With auth off every caller may do everything.
import { FlowgateError } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { Database, Executor } from "../store/database.js";
import type { UserStore } from "./auth/user-store.js";
import { can, type Grant, type Permission, type Scope } from "./rbac.js";
import type { ScopeStore } from "./scope-store.js";

/**
 * What a domain decision is about: a grant scope, or a registered model by name (grants hold the model's
 * id, looked up here in the caller's transaction).
 */
export type AccessScope = Scope | { type: "model_name"; name: string };

export interface AccessControl {
  readonly enabled: boolean;
  /**
   * `x` is the transaction the caller is in, if any: on SQLite a second connection would wait for that very
   * transaction (one writer), so lookups made inside a registry hook must use it.
   */
  allows(ctx: RequestContext, permission: Permission, scope: AccessScope, x?: Executor): Promise<boolean>;
  /** Throws PERMISSION_DENIED with `why` (what was refused and how to get it done) when not allowed. */
  require(
    ctx: RequestContext,
    permission: Permission,
    scope: AccessScope,
    why: string,
    x?: Executor,
  ): Promise<void>;
}

export function createAccessControl(deps: {
  enabled: boolean;
  database: Database;
  store: UserStore;
  scopes: ScopeStore;
}): AccessControl {
  const { enabled, database, store, scopes } = deps;
  async function grantScope(scope: AccessScope, x: Executor): Promise<Scope> {
    if (scope.type !== "model_name") return scope;
    const id = await scopes.modelIdOf(x, scope.name);
    return id === undefined ? { type: "global" } : { type: "registered_model", id: String(id) };
  }
  async function grantsOf(actor: string, x: Executor): Promise<Grant[]> {
    // The system actor (background jobs, the dispatcher) acts with the server's own authority.
    if (actor === "system") return [{ role: "admin", scopeType: "global", scopeId: "" }];
    const user = await store.getUser(x, actor);
    if (user === undefined || user.disabled) return [];
    return store.listGrants(x, actor);
  }
  const allows = async (
    ctx: RequestContext,
    permission: Permission,
    scope: AccessScope,
    x: Executor = database.db,
  ): Promise<boolean> =>
    !enabled || can(await grantsOf(ctx.actor, x), permission, await grantScope(scope, x));
  return {
    enabled,
    allows,
    async require(ctx, permission, scope, why, x) {
      if (!(await allows(ctx, permission, scope, x))) {
        throw new FlowgateError(
          "PERMISSION_DENIED",
          `${why} (user '${ctx.actor}' lacks permission ${permission}).`,
        );
      }
    },
  };
}
