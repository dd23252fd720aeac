// Users and service accounts: creation (including the first admin), passwords, role grants and API tokens.
// Authentication of a request is authenticator.ts; what a role may do is rbac.ts.
import type { Clock } from "../../core/clock.js";
import { alreadyExists, invalidParameter, notFound, FlowgateError } from "../../core/errors.js";
import type { RequestContext } from "../../core/request-context.js";
import type { Database, Executor } from "../../store/database.js";
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
  grants: NamedGrant[];
}

/** A grant as shown: a registered-model grant also says the model's current name. */
export interface NamedGrant extends StoredGrant {
  modelName?: string | undefined;
}

/**
 * Registered models by name and id. A model grant is stored by the model's id (ids are never reused), so it
 * follows a rename and cannot reach a later model that takes the name; it is given and revoked by name.
 */
export interface ModelNames {
  idOf(x: Executor, name: string): Promise<number | undefined>;
  nameOf(x: Executor, id: number): Promise<string | undefined>;
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
  /** Removes the user with their grants and tokens; what they did stays in the audit log. */
  deleteUser(ctx: RequestContext, username: string): Promise<void>;
  grant(ctx: RequestContext, username: string, grant: GrantInput): Promise<NamedGrant>;
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
  if (scopeType === "experiment" && !/^\d+$/.test(scopeId)) {
    throw invalidParameter(`Invalid scope_id '${scopeId}' for an experiment grant: use the experiment id.`);
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
  models: ModelNames;
}): UserService {
  const { database, store, audit, clock, models } = deps;

  async function named(g: StoredGrant): Promise<NamedGrant> {
    if (g.scopeType !== "registered_model") return g;
    return { ...g, modelName: await models.nameOf(database.db, Number(g.scopeId)) };
  }

  async function load(username: string): Promise<UserWithGrants> {
    const user = await store.getUser(database.db, username);
    if (user === undefined) throw notFound(`User '${username}' does not exist.`);
    return {
      username: user.username,
      kind: user.kind,
      disabled: user.disabled,
      createdAt: user.createdAt,
      createdBy: user.createdBy,
      grants: await Promise.all((await store.listGrants(database.db, username)).map(named)),
    };
  }

  /** The grant as stored: a model named by the caller becomes the model's id. */
  async function stored(x: Executor, grant: Grant): Promise<Grant> {
    if (grant.scopeType !== "registered_model") return grant;
    const id = await models.idOf(x, grant.scopeId);
    if (id === undefined) {
      throw notFound(
        `Registered model '${grant.scopeId}' does not exist: a model grant names an existing model.`,
      );
    }
    return { ...grant, scopeId: String(id) };
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
  ): Promise<NamedGrant | undefined> {
    const asked = parseGrant(input);
    await load(username);
    try {
      return await database.transaction(async (trx) => {
        const grant = await stored(trx, asked);
        let inserted: StoredGrant | undefined;
        if (add) {
          inserted = await store.insertGrant(trx, {
            ...grant,
            username,
            createdAt: clock.now(),
            createdBy: ctx.actor,
          });
        } else if (!(await store.deleteGrant(trx, username, grant))) {
          throw notFound(
            `User '${username}' has no ${asked.role} grant on ${asked.scopeType} '${asked.scopeId}'.`,
          );
        }
        const shown =
          grant.scopeType === "registered_model" ? { ...grant, model_name: asked.scopeId } : grant;
        await audit.record(trx, ctx, {
          action: add ? "user.grant" : "user.revoke_grant",
          targetType: "user",
          targetId: username,
          ...(add ? { after: shown } : { before: shown }),
        });
        return inserted === undefined ? undefined : { ...inserted, modelName: asked.scopeId };
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
    grant: async (ctx, username, input) => (await grantChange(ctx, username, input, true)) as NamedGrant,
    async deleteUser(ctx, username) {
      if (username === ctx.actor) {
        throw new FlowgateError(
          "INVALID_STATE",
          `User '${username}' cannot delete themselves; ask another admin.`,
        );
      }
      const before = await load(username);
      await database.transaction(async (trx) => {
        await store.deleteUser(trx, username);
        await audit.record(trx, ctx, {
          action: "user.delete",
          targetType: "user",
          targetId: username,
          before: {
            kind: before.kind,
            grants: before.grants.map((g) => ({
              role: g.role,
              scope_type: g.scopeType,
              scope_id: g.scopeId,
            })),
          },
        });
      });
    },
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
