// Native API for identities: who am I, users and service accounts with their role grants (admin), and API
// tokens (shown once at creation; callers manage their own, admins anyone's).
import { FlowgateError } from "../../core/errors.js";
import type { AccessControl } from "../../governance/access-control.js";
import type { ApiToken } from "../../governance/auth/user-store.js";
import type { NamedGrant, UserService, UserWithGrants } from "../../governance/auth/users.js";
import type { RoutePlugin } from "../server.js";
import { optionalInt, optionalString, requiredString } from "../mlflow/wire-input.js";
import { nativeRoute } from "./native-router.js";
import * as N from "./schemas/native.js";

/** A grant; a registered-model grant holds the model's id in scope_id and says its current name. */
function grantJson(g: NamedGrant): object {
  return {
    role: g.role,
    scope_type: g.scopeType,
    scope_id: g.scopeId,
    ...(g.scopeType === "registered_model" ? { model_name: g.modelName ?? null } : {}),
  };
}

function userJson(u: UserWithGrants): object {
  return {
    username: u.username,
    kind: u.kind,
    disabled: u.disabled,
    created_at: u.createdAt,
    created_by: u.createdBy,
    grants: u.grants.map(grantJson),
  };
}

function tokenJson(t: ApiToken): object {
  return {
    token_id: t.tokenId,
    username: t.username,
    name: t.name,
    created_at: t.createdAt,
    expires_at: t.expiresAt,
    revoked_at: t.revokedAt,
    last_used_at: t.lastUsedAt,
  };
}

export function usersRoutes(deps: { users: UserService; access: AccessControl }): RoutePlugin {
  const { users, access } = deps;
  return (app) => {
    nativeRoute(app, "GET", "whoami", N.whoami, async ({ request }) => ({
      username: request.principal?.username ?? "anonymous",
      kind: request.principal?.kind ?? "anonymous",
      auth_enabled: access.enabled,
      grants: (request.principal?.grants ?? []).map((g) => ({
        role: g.role,
        scope_type: g.scopeType,
        scope_id: g.scopeId,
      })),
    }));

    nativeRoute(app, "POST", "users", N.createUser, async ({ args, ctx }) => {
      const kind = optionalString(args, "kind") ?? "user";
      if (kind !== "user" && kind !== "service") {
        throw new FlowgateError("INVALID_PARAMETER_VALUE", `Invalid kind '${kind}': use user or service.`);
      }
      const user = await users.createUser(ctx, {
        username: requiredString(args, "username"),
        kind,
        ...(optionalString(args, "password") === undefined
          ? {}
          : { password: requiredString(args, "password") }),
        ...(optionalString(args, "role") === undefined ? {} : { role: requiredString(args, "role") }),
      });
      return { user: userJson(user) };
    });
    nativeRoute(app, "GET", "users", N.listUsers, async () => ({
      users: (await users.listUsers()).map(userJson),
    }));
    nativeRoute(app, "GET", "users/:username", N.getUser, async ({ params }) => ({
      user: userJson(await users.getUser(params.username ?? "")),
    }));
    nativeRoute(app, "PATCH", "users/:username", N.updateUser, async ({ args, params, ctx }) => {
      const username = params.username ?? "";
      const password = optionalString(args, "password");
      if (password !== undefined) await users.setPassword(ctx, username, password);
      const disabled = args.disabled;
      if (typeof disabled === "boolean") await users.setDisabled(ctx, username, disabled);
      return { user: userJson(await users.getUser(username)) };
    });
    nativeRoute(app, "POST", "users/:username/grants", N.grant, async ({ args, params, ctx }) => {
      const g = await users.grant(ctx, params.username ?? "", {
        role: requiredString(args, "role"),
        scopeType: optionalString(args, "scope_type"),
        scopeId: optionalString(args, "scope_id"),
      });
      return { grant: grantJson(g) };
    });
    nativeRoute(app, "DELETE", "users/:username", N.deleteUser, async ({ params, ctx }) => {
      await users.deleteUser(ctx, params.username ?? "");
      return {};
    });
    nativeRoute(app, "DELETE", "users/:username/grants", N.revoke, async ({ args, params, ctx }) => {
      await users.revokeGrant(ctx, params.username ?? "", {
        role: requiredString(args, "role"),
        scopeType: optionalString(args, "scope_type"),
        scopeId: optionalString(args, "scope_id"),
      });
      return {};
    });

    // Tokens: your own, or (with user.manage) anyone's.
    const mayManage = async (ctx: Parameters<AccessControl["allows"]>[0], owner: string): Promise<void> => {
      if (owner === ctx.actor) return;
      await access.require(
        ctx,
        "user.manage",
        { type: "global" },
        `Managing tokens of user '${owner}' is refused`,
      );
    };
    nativeRoute(app, "POST", "tokens", N.createToken, async ({ args, ctx }) => {
      const username = optionalString(args, "username") ?? ctx.actor;
      await mayManage(ctx, username);
      const { token, info } = await users.createToken(ctx, {
        username,
        name: requiredString(args, "name"),
        expiresAt: optionalInt(args, "expires_at"),
      });
      return { token, token_info: tokenJson(info) };
    });
    nativeRoute(app, "GET", "tokens", N.listTokens, async ({ args, ctx }) => {
      const all = optionalString(args, "username");
      if (all !== undefined) await mayManage(ctx, all);
      return { tokens: (await users.listTokens(all ?? ctx.actor)).map(tokenJson) };
    });
    nativeRoute(app, "DELETE", "tokens/:token_id", N.deleteToken, async ({ params, ctx }) => {
      const token = await users.getToken(params.token_id ?? "");
      await mayManage(ctx, token.username);
      await users.revokeToken(ctx, token.tokenId);
      return {};
    });
  };
}
