// Kysely implementation of UserStore for SQLite and PostgreSQL; rows become entities only here.
import type { Selectable } from "kysely";
import type { ApiTokensTable, RoleGrantsTable, UsersTable } from "../../store/schema-governance.js";
import type { Role, ScopeType } from "../rbac.js";
import type { ApiToken, StoredGrant, User, UserStore } from "./user-store.js";

function toUser(r: Selectable<UsersTable>): User {
  return {
    username: r.username,
    kind: r.kind === "service" ? "service" : "user",
    passwordHash: r.password_hash ?? undefined,
    disabled: Number(r.disabled) === 1,
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
  };
}

function toGrant(r: Selectable<RoleGrantsTable>): StoredGrant {
  return {
    id: Number(r.id),
    username: r.username,
    role: r.role as Role,
    scopeType: r.scope_type as ScopeType,
    scopeId: r.scope_id,
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
  };
}

function toToken(r: Selectable<ApiTokensTable>): ApiToken {
  return {
    tokenId: r.token_id,
    username: r.username,
    name: r.name,
    createdAt: Number(r.created_at),
    expiresAt: r.expires_at ?? undefined,
    revokedAt: r.revoked_at ?? undefined,
    lastUsedAt: r.last_used_at ?? undefined,
  };
}

export function createSqlUserStore(): UserStore {
  return {
    async getUser(x, username) {
      const row = await x.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },
    async listUsers(x) {
      return (await x.selectFrom("users").selectAll().orderBy("username").execute()).map(toUser);
    },
    async insertUser(x, u) {
      await x
        .insertInto("users")
        .values({
          username: u.username,
          kind: u.kind,
          password_hash: u.passwordHash ?? null,
          disabled: u.disabled ? 1 : 0,
          created_at: u.createdAt,
          created_by: u.createdBy,
        })
        .execute();
    },
    async updateUser(x, username, change) {
      await x
        .updateTable("users")
        .set({
          ...(change.passwordHash === undefined ? {} : { password_hash: change.passwordHash }),
          ...(change.disabled === undefined ? {} : { disabled: change.disabled ? 1 : 0 }),
        })
        .where("username", "=", username)
        .execute();
    },
    async deleteUser(x, username) {
      await x.deleteFrom("api_tokens").where("username", "=", username).execute();
      await x.deleteFrom("role_grants").where("username", "=", username).execute();
      await x.deleteFrom("users").where("username", "=", username).execute();
    },
    async deleteGrantsOn(x, scopeType, scopeId) {
      await x
        .deleteFrom("role_grants")
        .where("scope_type", "=", scopeType)
        .where("scope_id", "=", scopeId)
        .execute();
    },
    async countUsers(x) {
      const row = await x
        .selectFrom("users")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async listGrants(x, username) {
      return (
        await x.selectFrom("role_grants").selectAll().where("username", "=", username).orderBy("id").execute()
      ).map(toGrant);
    },
    async insertGrant(x, g) {
      const row = await x
        .insertInto("role_grants")
        .values({
          username: g.username,
          role: g.role,
          scope_type: g.scopeType,
          scope_id: g.scopeId,
          created_at: g.createdAt,
          created_by: g.createdBy,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toGrant(row);
    },
    async deleteGrant(x, username, g) {
      const res = await x
        .deleteFrom("role_grants")
        .where("username", "=", username)
        .where("role", "=", g.role)
        .where("scope_type", "=", g.scopeType)
        .where("scope_id", "=", g.scopeId)
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async insertToken(x, t, tokenHash) {
      await x
        .insertInto("api_tokens")
        .values({
          token_id: t.tokenId,
          username: t.username,
          name: t.name,
          token_hash: tokenHash,
          created_at: t.createdAt,
          expires_at: t.expiresAt ?? null,
          revoked_at: null,
          last_used_at: null,
        })
        .execute();
    },
    async findTokenByHash(x, tokenHash) {
      const row = await x
        .selectFrom("api_tokens")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .executeTakeFirst();
      return row === undefined ? undefined : toToken(row);
    },
    async getToken(x, tokenId) {
      const row = await x
        .selectFrom("api_tokens")
        .selectAll()
        .where("token_id", "=", tokenId)
        .executeTakeFirst();
      return row === undefined ? undefined : toToken(row);
    },
    async listTokens(x, username) {
      let q = x.selectFrom("api_tokens").selectAll();
      if (username !== undefined) q = q.where("username", "=", username);
      return (await q.orderBy("created_at").execute()).map(toToken);
    },
    async revokeToken(x, tokenId, at) {
      await x.updateTable("api_tokens").set({ revoked_at: at }).where("token_id", "=", tokenId).execute();
    },
    async touchToken(x, tokenId, at) {
      await x.updateTable("api_tokens").set({ last_used_at: at }).where("token_id", "=", tokenId).execute();
    },
  };
}
