import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FlowgateError } from "../../src/core/errors.js";
import { systemClock } from "../../src/core/clock.js";
import {
  createAuthenticator,
  type Authenticator,
  type PasswordVerifier,
} from "../../src/governance/auth/authenticator.js";
import { createLoginThrottle } from "../../src/governance/auth/login-throttle.js";
import { hashPassword, verifyPassword } from "../../src/governance/auth/passwords.js";
import { createSqlUserStore } from "../../src/governance/auth/sql-user-store.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { BACKENDS } from "../support/backends.js";
import { call, type TestServer } from "../support/test-server.js";
import {
  ADMIN,
  adminHeaders,
  basic,
  bearer,
  startAuthServer,
  STRONG_PASSWORD,
  userWithRole,
} from "./auth-support.js";

for (const backend of BACKENDS) {
  describe(`authentication on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startAuthServer(backend);
    });
    after(async () => server.close());

    it("refuses an anonymous call to a protected route with 401 UNAUTHENTICATED", async () => {
      const res = await call(server, "GET", "/api/flowgate/v1/users");
      assert.equal(res.status, 401);
      assert.equal(res.body.error_code, "UNAUTHENTICATED");
      assert.match(res.body.message, /MLFLOW_TRACKING_USERNAME/);
    });

    it("lets the first admin from the environment in with HTTP Basic", async () => {
      const res = await call(server, "GET", "/api/flowgate/v1/whoami", {}, adminHeaders);
      assert.equal(res.status, 200);
      assert.equal(res.body.username, ADMIN.username);
      assert.deepEqual(res.body.grants, [{ role: "admin", scope_type: "global", scope_id: "" }]);
    });

    it("refuses a wrong password and a malformed Authorization header", async () => {
      const wrong = await call(
        server,
        "GET",
        "/api/flowgate/v1/whoami",
        {},
        basic(ADMIN.username, "nope-nope-nope"),
      );
      assert.equal(wrong.status, 401);
      const malformed = await call(
        server,
        "GET",
        "/api/flowgate/v1/whoami",
        {},
        { authorization: "Digest abc" },
      );
      assert.equal(malformed.status, 401);
      assert.equal(malformed.body.error_code, "UNAUTHENTICATED");
    });

    it("still answers /health without credentials", async () => {
      const res = await fetch(`${server.url}/health`);
      assert.equal(res.status, 200);
    });

    it("refuses weak, short and default passwords when creating a user", async () => {
      for (const password of ["", "a", "password1234", "adminadmin", "aaaaaaaaaaaaaaaa", "weakling-user-x"]) {
        const res = await call(
          server,
          "POST",
          "/api/flowgate/v1/users",
          { username: "weakling-user-x", password },
          adminHeaders,
        );
        assert.equal(res.status, 400, password);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      }
    });

    it("shows a new API token once, accepts it as a bearer token, and refuses it after revocation", async () => {
      await userWithRole(server, "tok-user", "reader");
      const created = await call(
        server,
        "POST",
        "/api/flowgate/v1/tokens",
        { name: "ci" },
        basic("tok-user", STRONG_PASSWORD),
      );
      assert.equal(created.status, 200);
      const token: string = created.body.token;
      assert.match(token, /^fgt_/);
      const me = await call(server, "GET", "/api/flowgate/v1/whoami", {}, bearer(token));
      assert.equal(me.body.username, "tok-user");
      const listed = await call(server, "GET", "/api/flowgate/v1/tokens", {}, bearer(token));
      assert.equal(listed.body.tokens.length, 1);
      assert.equal(
        JSON.stringify(listed.body).includes(token),
        false,
        "the token itself is never shown again",
      );
      const revoke = await call(
        server,
        "DELETE",
        `/api/flowgate/v1/tokens/${created.body.token_info.token_id}`,
        {},
        bearer(token),
      );
      assert.equal(revoke.status, 200);
      const after = await call(server, "GET", "/api/flowgate/v1/whoami", {}, bearer(token));
      assert.equal(after.status, 401);
      assert.match(after.body.message, /revoked/);
    });

    it("refuses an expired token and a token that was never issued", async () => {
      const bogus = await call(
        server,
        "GET",
        "/api/flowgate/v1/whoami",
        {},
        bearer("fgt_000000000000_nothing"),
      );
      assert.equal(bogus.status, 401);
      const past = await call(
        server,
        "POST",
        "/api/flowgate/v1/tokens",
        { name: "old", expires_at: Date.now() - 1000 },
        adminHeaders,
      );
      assert.equal(past.status, 400);
    });

    it("a service account authenticates only with tokens", async () => {
      const created = await call(
        server,
        "POST",
        "/api/flowgate/v1/users",
        { username: "svc-scorer", kind: "service", role: "service" },
        adminHeaders,
      );
      assert.equal(created.status, 200);
      const tok = await call(
        server,
        "POST",
        "/api/flowgate/v1/tokens",
        { name: "serving", username: "svc-scorer" },
        adminHeaders,
      );
      const me = await call(server, "GET", "/api/flowgate/v1/whoami", {}, bearer(tok.body.token));
      assert.equal(me.body.kind, "service");
      const withPassword = await call(
        server,
        "POST",
        "/api/flowgate/v1/users",
        { username: "svc-2", kind: "service", password: STRONG_PASSWORD },
        adminHeaders,
      );
      assert.equal(withPassword.status, 400);
    });

    it("a non-admin cannot create users or manage another user's tokens", async () => {
      const ds = await userWithRole(server, "ds-user", "data-scientist");
      const res = await call(
        server,
        "POST",
        "/api/flowgate/v1/users",
        { username: "x-user", password: STRONG_PASSWORD },
        ds,
      );
      assert.equal(res.status, 403);
      assert.equal(res.body.error_code, "PERMISSION_DENIED");
      const other = await call(
        server,
        "POST",
        "/api/flowgate/v1/tokens",
        { name: "steal", username: ADMIN.username },
        ds,
      );
      assert.equal(other.status, 403);
    });

    it("a disabled user is refused at once", async () => {
      const h = await userWithRole(server, "leaver", "reader");
      assert.equal((await call(server, "GET", "/api/flowgate/v1/whoami", {}, h)).status, 200);
      const patch = await call(
        server,
        "PATCH",
        "/api/flowgate/v1/users/leaver",
        { disabled: true },
        adminHeaders,
      );
      assert.equal(patch.status, 200);
      assert.equal((await call(server, "GET", "/api/flowgate/v1/whoami", {}, h)).status, 401);
    });

    it("throttles repeated wrong passwords for one user with 429", async () => {
      await userWithRole(server, "guessme", "reader");
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        statuses.push(
          (await call(server, "GET", "/api/flowgate/v1/whoami", {}, basic("guessme", `wrong-${i}-guess-xx`)))
            .status,
        );
      }
      assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
      assert.equal(statuses[6], 429);
      const right = await call(
        server,
        "GET",
        "/api/flowgate/v1/whoami",
        {},
        basic("guessme", STRONG_PASSWORD),
      );
      assert.equal(right.status, 429, "even the right password waits out the lock");
    });

    // Last in this suite: the flood locks the test's own address (127.0.0.1) for every name.
    it("a flood of 10,050 made-up user names does not reset a locked user's throttle", async () => {
      await userWithRole(server, "flood-victim", "reader");
      const whoami = (username: string, password: string) =>
        server.app.server.inject({
          method: "GET",
          url: "/api/flowgate/v1/whoami",
          headers: basic(username, password),
        });
      for (let i = 0; i < 7; i++) await whoami("flood-victim", `wrong-${i}-guess-xx`);
      assert.equal((await whoami("flood-victim", STRONG_PASSWORD)).statusCode, 429);
      const statuses = new Map<number, number>();
      for (let i = 0; i < 10_050; i++) {
        const res = await whoami(`nobody-${i}-${Math.random().toString(36).slice(2)}`, "wrong-wrong-wrong");
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      }
      const after = await whoami("flood-victim", STRONG_PASSWORD);
      assert.equal(after.statusCode, 429);
      assert.equal(after.json().error_code, "REQUEST_LIMIT_EXCEEDED");
      assert.ok(
        (statuses.get(429) ?? 0) > 10_000,
        `and the flooding address is locked itself: ${JSON.stringify([...statuses])}`,
      );
    });
  });

  describe(`login cost on ${backend.name}`, () => {
    let database: Database;
    const store = createSqlUserStore();
    const verified: string[] = [];
    const observed: PasswordVerifier = (hash, password) => {
      verified.push(hash);
      return verifyPassword(hash, password);
    };
    let authenticator: Authenticator;
    before(async () => {
      database = await openDatabase(await backend.freshUri());
      const user = { disabled: false, createdAt: 0, createdBy: "test" };
      await store.insertUser(database.db, {
        ...user,
        username: "real-user",
        kind: "user",
        passwordHash: await hashPassword(STRONG_PASSWORD),
      });
      await store.insertUser(database.db, {
        ...user,
        username: "robot",
        kind: "service",
        passwordHash: undefined,
      });
      authenticator = createAuthenticator({
        database,
        store,
        throttle: createLoginThrottle(systemClock),
        clock: systemClock,
        verify: observed,
      });
    });
    after(async () => database.close());

    async function failedLogin(username: string): Promise<string[]> {
      verified.length = 0;
      await assert.rejects(
        authenticator.authenticate(
          { kind: "basic", username, password: "Wrong-Kettle-11-dusk" },
          "192.0.2.1",
        ),
        (err: unknown) => err instanceof FlowgateError && err.code === "UNAUTHENTICATED",
      );
      return [...verified];
    }

    it("an unknown user name, a real one and a service account without a password each cost one argon2 verification with the same parameters", async () => {
      const real = await failedLogin("real-user");
      const unknown = await failedLogin("no-such-user");
      const service = await failedLogin("robot");
      for (const calls of [real, unknown, service]) assert.equal(calls.length, 1);
      const params = (hash: string) => hash.split("$").slice(0, 4).join("$");
      assert.match(real[0] ?? "", /^\$argon2id\$/);
      assert.equal(params(unknown[0] ?? ""), params(real[0] ?? ""));
      assert.equal(params(service[0] ?? ""), params(real[0] ?? ""));
      assert.notEqual(unknown[0], real[0]);
    });
  });
}
