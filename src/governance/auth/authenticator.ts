// Turns request credentials into a Principal: Basic (user name + argon2-checked password, throttled) or
// Bearer (an API token, looked up by its hash; revoked, expired or disabled-owner tokens are refused).
import { createHash } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import { FlowgateError } from "../../core/errors.js";
import type { Database } from "../../store/database.js";
import { hashToken } from "./api-tokens.js";
import { unauthenticated, type Credentials } from "./credentials.js";
import type { LoginThrottle } from "./login-throttle.js";
import { verifyPassword } from "./passwords.js";
import type { Principal } from "./principal.js";
import type { UserStore } from "./user-store.js";

export interface Authenticator {
  /** `clientKey` identifies the caller's address for throttling. */
  authenticate(credentials: Credentials, clientKey: string): Promise<Principal>;
}

// The MLflow client sends Basic credentials on every call; re-running argon2 (~20 MB, tens of ms) each time
// would make the password the bottleneck. A verified (user, password) pair is remembered for a minute, and only
// while the stored hash is unchanged, so a password change or disable takes effect on the next request.
const VERIFIED_TTL_MS = 60_000;

export function createAuthenticator(deps: {
  database: Database;
  store: UserStore;
  throttle: LoginThrottle;
  clock: Clock;
}): Authenticator {
  const { database, store, throttle, clock } = deps;
  const verified = new Map<string, { passwordHash: string; until: number }>();

  async function principalOf(username: string, via: Principal["via"]): Promise<Principal> {
    const user = await store.getUser(database.db, username);
    if (user === undefined || user.disabled) throw unauthenticated("Invalid credentials.");
    const grants = await store.listGrants(database.db, username);
    return {
      username,
      kind: user.kind,
      grants: grants.map((g) => ({ role: g.role, scopeType: g.scopeType, scopeId: g.scopeId })),
      via,
    };
  }

  async function basic(username: string, password: string, clientKey: string): Promise<Principal> {
    const key = `${clientKey}|${username}`;
    const wait = throttle.retryAfterMs(key);
    if (wait > 0) {
      throw new FlowgateError(
        "REQUEST_LIMIT_EXCEEDED",
        `Too many failed logins for '${username}': try again in ${Math.ceil(wait / 1000)} s.`,
      );
    }
    const user = await store.getUser(database.db, username);
    const cacheKey = createHash("sha256").update(`${username}\0${password}`).digest("hex");
    const cached = verified.get(cacheKey);
    if (
      user?.passwordHash !== undefined &&
      cached !== undefined &&
      cached.until > clock.now() &&
      cached.passwordHash === user.passwordHash
    ) {
      return principalOf(username, "basic");
    }
    const ok = user?.passwordHash !== undefined && (await verifyPassword(user.passwordHash, password));
    if (!ok || user === undefined || user.passwordHash === undefined) {
      throttle.failed(key);
      throw unauthenticated("Invalid user name or password.");
    }
    throttle.succeeded(key);
    if (verified.size > 10_000) verified.clear();
    verified.set(cacheKey, { passwordHash: user.passwordHash, until: clock.now() + VERIFIED_TTL_MS });
    return principalOf(username, "basic");
  }

  async function bearer(token: string): Promise<Principal> {
    const found = await store.findTokenByHash(database.db, hashToken(token));
    const now = clock.now();
    if (found === undefined) throw unauthenticated("Invalid API token.");
    if (found.revokedAt !== undefined) throw unauthenticated(`API token '${found.tokenId}' was revoked.`);
    if (found.expiresAt !== undefined && found.expiresAt <= now) {
      throw unauthenticated(`API token '${found.tokenId}' has expired; create a new one.`);
    }
    // Last-used is informational: record it at most once a minute per token.
    if (found.lastUsedAt === undefined || now - found.lastUsedAt > 60_000) {
      await store.touchToken(database.db, found.tokenId, now);
    }
    return principalOf(found.username, "token");
  }

  return {
    authenticate: (credentials, clientKey) =>
      credentials.kind === "basic"
        ? basic(credentials.username, credentials.password, clientKey)
        : bearer(credentials.token),
  };
}
