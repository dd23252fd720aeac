// Users and service accounts: creation (including the first admin), passwords, role grants and API tokens.
// Authentication of a request is authenticator.ts; what a role may do is rbac.ts.
import type { Clock } from "../../core/clock.js";
import { alreadyExists, invalidParameter, notFound, FlowgateError } from "../../core/errors.js";
import type { RequestContext } from "../../core/request-context.js";
import type { Database } from "../../store/database.js";
import { isUniqueViolation } from "../../store/db-errors.js";
import type { AuditLog } from "../audit.js";
import { isRole, type Grant, type ScopeType } from "../rbac.js";
import { issueToken } from "./api-tokens.js";
import { checkPasswordStrength, hashPassword } from "./passwords.js";
import type { ApiToken, StoredGrant, User, UserStore } from "./user-store.js";

const USERNAME = /^[A-Za-z0-9][\w.@-]{0,63}$/;
const RESERVED_NAMES = new Set(["anonymous", "system"]);
const SCOPE_TYPES: readonly ScopeType[] = ["global", "registered_model", "experiment"];

export interface UserWithGrants extends Omit<User, "passwordHash"> {
  grants: StoredGrant[];
}

export interface UserService {
  createUser(
    ctx: RequestContext,
    input: { username: string; kind?: "user" | "service"; password?: string; role?: string },
  ): Promise<UserWithGrants>;
  /** The first admin: `flowgate users create-admin` or FLOWGATE_ADMIN_USERNAME/PASSWORD at first start. */
  createAdmin(ctx: RequestContext, username: string, password: string): Promise<UserWithGrants>;
  getUser(username: string): Promise<UserWithGrants>;
  listUsers(): Promise<UserWithGrants[]>;
  setPassword(ctx: RequestContext, username: string, password: string): Promise<void>;
  setDisabled(ctx: RequestContext, username: string, disabled: boolean): Promise<void>;
  grant(ctx: RequestContext, username: string, grant: GrantInput): Promise<StoredGrant>;
  revokeGrant(ctx: RequestContext, username: string, grant: GrantInput): Promise<void>;
  createToken(
    ctx: RequestContext,
    input: { username: string; name: string; expiresAt?: number | undefined },
  ): Promise<{ token: string; info: ApiToken }>;
  getToken(tokenId: string): Promise<ApiToken>;
  listTokens(username: string | undefined): Promise<ApiToken[]>;
  revokeToken(ctx: RequestContext, tokenId: string): Promise<void>;
}

export interface GrantInput {
  role: string;
  scopeType?: string | undefined;
  scopeId?: string | undefined;
}

export function parseGrant(input: GrantInput): Grant {
  if (!isRole(input.role)) {
    throw invalidParameter(
      `Invalid role '${input.role}': use reader, data-scientist, ml-engineer, release-manager, service or admin.`,
    );
  }
  const scopeType = (input.scopeType ?? "global") as ScopeType;
  if (!SCOPE_TYPES.includes(scopeType)) {
    throw invalidParameter(
      `Invalid scope_type '${input.scopeType}': use global, registered_model or experiment.`,
    );
  }
  const scopeId = scopeType === "global" ? "" : (input.scopeId ?? "");
  if (scopeType !== "global" && scopeId === "") {
    throw invalidParameter(`A ${scopeType} grant needs scope_id (the model name or experiment id).`);
  }
  if (input.role === "admin" && scopeType !== "global") {
    throw invalidParameter("The admin role can only be granted globally.");
  }
  return { role: input.role, scopeType, scopeId };
}

export function createUserService(deps: {
  database: Database;
  store: UserStore;
  audit: AuditLog;
  clock: Clock;
}): UserService {
  const { database, store, audit, clock } = deps;

  async function load(username: string): Promise<UserWithGrants> {
    const user = await store.getUser(database.db, username);
    if (user === undefined) throw notFound(`User '${username}' does not exist.`);
    return {
      username: user.username,
      kind: user.kind,
      disabled: user.disabled,
      createdAt: user.createdAt,
      createdBy: user.createdBy,
      grants: await store.listGrants(database.db, username),
    };
  }

  async function create(
    ctx: RequestContext,
    input: {
      username: string;
      kind: "user" | "service";
      password?: string | undefined;
      grant?: Grant | undefined;
    },
  ): Promise<UserWithGrants> {
    if (!USERNAME.test(input.username) || RESERVED_NAMES.has(input.username.toLowerCase())) {
      throw invalidParameter(
        `Invalid username '${input.username}': 1-64 letters, digits, '_', '.', '@' or '-', starting with a letter or digit; not 'anonymous' or 'system'.`,
      );
    }
    if (input.kind === "service" && input.password !== undefined) {
      throw invalidParameter("Service accounts have no password: create an API token for them.");
    }
    if (input.password !== undefined) checkPasswordStrength(input.username, input.password);
    const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
    const now = clock.now();
    try {
      await database.transaction(async (trx) => {
        await store.insertUser(trx, {
          username: input.username,
          kind: input.kind,
          passwordHash,
          disabled: false,
          createdAt: now,
          createdBy: ctx.actor,
        });
        if (input.grant !== undefined) {
          await store.insertGrant(trx, {
            ...input.grant,
            username: input.username,
            createdAt: now,
            createdBy: ctx.actor,
          });
        }
        await audit.record(trx, ctx, {
          action: "user.create",
          targetType: "user",
          targetId: input.username,
          after: { username: input.username, kind: input.kind, grant: input.grant },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(`User '${input.username}' already exists.`);
      throw err;
    }
    return load(input.username);
  }

  async function grantChange(
    ctx: RequestContext,
    username: string,
    input: GrantInput,
    add: boolean,
  ): Promise<StoredGrant | undefined> {
    const grant = parseGrant(input);
    await load(username);
    try {
      return await database.transaction(async (trx) => {
        let stored: StoredGrant | undefined;
        if (add) {
          stored = await store.insertGrant(trx, {
            ...grant,
            username,
            createdAt: clock.now(),
            createdBy: ctx.actor,
          });
        } else if (!(await store.deleteGrant(trx, username, grant))) {
          throw notFound(
            `User '${username}' has no ${grant.role} grant on ${grant.scopeType} '${grant.scopeId}'.`,
          );
        }
        await audit.record(trx, ctx, {
          action: add ? "user.grant" : "user.revoke_grant",
          targetType: "user",
          targetId: username,
          ...(add ? { after: grant } : { before: grant }),
        });
        return stored;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(`User '${username}' already has this grant.`);
      throw err;
    }
  }

  return {
    createUser: (ctx, input) =>
      create(ctx, {
        username: input.username,
        kind: input.kind ?? "user",
        password: input.password,
        grant: input.role === undefined ? undefined : parseGrant({ role: input.role }),
      }),
    createAdmin: (ctx, username, password) =>
      create(ctx, {
        username,
        kind: "user",
        password,
        grant: { role: "admin", scopeType: "global", scopeId: "" },
      }),
    getUser: load,
    async listUsers() {
      const users = await store.listUsers(database.db);
      return Promise.all(users.map((u) => load(u.username)));
    },
    async setPassword(ctx, username, password) {
      const user = await load(username);
      if (user.kind === "service")
        throw invalidParameter("Service accounts have no password: use API tokens.");
      checkPasswordStrength(username, password);
      const passwordHash = await hashPassword(password);
      await database.transaction(async (trx) => {
        await store.updateUser(trx, username, { passwordHash });
        await audit.record(trx, ctx, { action: "user.set_password", targetType: "user", targetId: username });
      });
    },
    async setDisabled(ctx, username, disabled) {
      const before = await load(username);
      await database.transaction(async (trx) => {
        await store.updateUser(trx, username, { disabled });
        await audit.record(trx, ctx, {
          action: disabled ? "user.disable" : "user.enable",
          targetType: "user",
          targetId: username,
          before: { disabled: before.disabled },
          after: { disabled },
        });
      });
    },
    grant: async (ctx, username, input) => (await grantChange(ctx, username, input, true)) as StoredGrant,
    async revokeGrant(ctx, username, input) {
      await grantChange(ctx, username, input, false);
    },
    async createToken(ctx, input) {
      await load(input.username);
      const name = input.name.trim();
      if (name === "" || name.length > 100) throw invalidParameter("Token name must have 1-100 characters.");
      const now = clock.now();
      if (input.expiresAt !== undefined && (!Number.isInteger(input.expiresAt) || input.expiresAt <= now)) {
        throw invalidParameter("Token expiry must be a time in the future (ms since the epoch).");
      }
      const issued = issueToken();
      const info: ApiToken = {
        tokenId: issued.tokenId,
        username: input.username,
        name,
        createdAt: now,
        expiresAt: input.expiresAt,
        revokedAt: undefined,
        lastUsedAt: undefined,
      };
      await database.transaction(async (trx) => {
        await store.insertToken(trx, info, issued.tokenHash);
        await audit.record(trx, ctx, {
          action: "token.create",
          targetType: "token",
          targetId: issued.tokenId,
          after: { username: input.username, name, expires_at: input.expiresAt },
        });
      });
      return { token: issued.token, info };
    },
    async getToken(tokenId) {
      const token = await store.getToken(database.db, tokenId);
      if (token === undefined) throw notFound(`Token '${tokenId}' does not exist.`);
      return token;
    },
    listTokens: (username) => store.listTokens(database.db, username),
    async revokeToken(ctx, tokenId) {
      const token = await store.getToken(database.db, tokenId);
      if (token === undefined) throw notFound(`Token '${tokenId}' does not exist.`);
      if (token.revokedAt !== undefined) {
        throw new FlowgateError("INVALID_STATE", `Token '${tokenId}' was already revoked.`);
      }
      await database.transaction(async (trx) => {
        await store.revokeToken(trx, tokenId, clock.now());
        await audit.record(trx, ctx, {
          action: "token.revoke",
          targetType: "token",
          targetId: tokenId,
          before: { username: token.username, name: token.name },
        });
      });
    },
  };
}
