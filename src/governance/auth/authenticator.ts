// Turns request credentials into a Principal: Basic (user name + argon2-checked password, throttled) or
// Bearer (an API token, looked up by its hash; revoked, expired or disabled-owner tokens are refused).
// A login for a name that does not exist, or has no password, costs one argon2 verification like any other,
// so the time an answer takes does not tell which names exist.
import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import { FlowgateError } from "../../core/errors.js";
import type { Database } from "../../store/database.js";
import { hashToken } from "./api-tokens.js";
import { unauthenticated, type Credentials } from "./credentials.js";
import type { LoginThrottle } from "./login-throttle.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import type { Principal } from "./principal.js";
import type { UserStore } from "./user-store.js";

export interface Authenticator {
  /** `clientAddress` is the caller's address, for throttling. */
  authenticate(credentials: Credentials, clientAddress: string): Promise<Principal>;
}

export type PasswordVerifier = (passwordHash: string, password: string) => Promise<boolean>;

// The MLflow client sends Basic credentials on every call; re-running argon2 (~20 MB, tens of ms) each time
// would make the password the bottleneck. A verified (user, password) pair is remembered for a minute, and only
// while the stored hash is unchanged, so a password change or disable takes effect on the next request.
const VERIFIED_TTL_MS = 60_000;

export function createAuthenticator(deps: {
  database: Database;
  store: UserStore;
  throttle: LoginThrottle;
  clock: Clock;
  /** Checks a password against a stored hash; argon2 (passwords.ts) unless a test observes the calls. */
  verify?: PasswordVerifier;
}): Authenticator {
  const { database, store, throttle, clock } = deps;
  const verify = deps.verify ?? verifyPassword;
  const verified = new Map<string, { passwordHash: string; until: number }>();
  // Made with the same parameters as every stored hash, of a password nobody knows; verified against when
  // there is no real hash to check.
  let dummyHash: Promise<string> | undefined;
  const unknownUserHash = (): Promise<string> =>
    (dummyHash ??= hashPassword(randomBytes(32).toString("base64url")));

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

  async function basic(username: string, password: string, clientAddress: string): Promise<Principal> {
    const attempt = { address: clientAddress, username };
    const refusal = throttle.refusal(attempt);
    if (refusal !== undefined) {
      throw new FlowgateError(
        "REQUEST_LIMIT_EXCEEDED",
        `${refusal.reason}: try again in ${Math.ceil(refusal.retryAfterMs / 1000)} s.`,
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
    const passwordHash = user?.passwordHash;
    const matches = await verify(passwordHash ?? (await unknownUserHash()), password);
    if (!matches || passwordHash === undefined) {
      throttle.failed(attempt);
      throw unauthenticated("Invalid user name or password.");
    }
    throttle.succeeded(attempt);
    if (verified.size > 10_000) verified.clear();
    verified.set(cacheKey, { passwordHash, until: clock.now() + VERIFIED_TTL_MS });
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
    authenticate: (credentials, clientAddress) =>
      credentials.kind === "basic"
        ? basic(credentials.username, credentials.password, clientAddress)
        : bearer(credentials.token),
  };
}
