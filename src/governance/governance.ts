// Governance wiring for the composition root: identities, the access check, the audit query and the HTTP
// guard, built from the database and the server config. Also creates the first admin from
// FLOWGATE_ADMIN_USERNAME / FLOWGATE_ADMIN_PASSWORD when no user exists yet.
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { systemContext } from "../core/request-context.js";
import type { Database } from "../store/database.js";
import { createAuthGuard, type AuthGuard } from "../api/auth-guard.js";
import { createAccessControl, type AccessControl } from "./access-control.js";
import type { AuditLog } from "./audit.js";
import { createAuditQuery, type AuditQuery } from "./audit-query.js";
import { createAuthenticator } from "./auth/authenticator.js";
import { createLoginThrottle } from "./auth/login-throttle.js";
import { createSqlUserStore } from "./auth/sql-user-store.js";
import { createUserService, type UserService } from "./auth/users.js";
import { createSqlScopeStore } from "./scope-store.js";

export interface Governance {
  users: UserService;
  access: AccessControl;
  auditQuery: AuditQuery;
  guard: AuthGuard;
}

export async function createGovernance(deps: {
  database: Database;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  authEnabled: boolean;
  isProtectedAlias: (name: string, alias: string) => Promise<boolean>;
  env?: NodeJS.ProcessEnv;
}): Promise<Governance> {
  const { database, audit, clock, logger } = deps;
  const store = createSqlUserStore();
  const users = createUserService({ database, store, audit, clock });
  const env = deps.env ?? process.env;
  const adminName = env.FLOWGATE_ADMIN_USERNAME;
  const adminPassword = env.FLOWGATE_ADMIN_PASSWORD;
  if (adminName !== undefined && adminPassword !== undefined && (await store.countUsers(database.db)) === 0) {
    await users.createAdmin(systemContext("bootstrap"), adminName, adminPassword);
    logger.info({ username: adminName }, "created the first admin from FLOWGATE_ADMIN_USERNAME");
  }
  if (deps.authEnabled && (await store.countUsers(database.db)) === 0) {
    logger.warn(
      "auth is on but no user exists: create the first admin with `flowgate users create-admin` " +
        "or set FLOWGATE_ADMIN_USERNAME and FLOWGATE_ADMIN_PASSWORD",
    );
  }
  const access = createAccessControl({ enabled: deps.authEnabled, database, store });
  const authenticator = createAuthenticator({ database, store, throttle: createLoginThrottle(clock), clock });
  const guard = createAuthGuard({
    enabled: deps.authEnabled,
    authenticator,
    scopes: createSqlScopeStore(),
    database,
    isProtectedAlias: deps.isProtectedAlias,
    logger,
  });
  return { users, access, auditQuery: createAuditQuery(), guard };
}
