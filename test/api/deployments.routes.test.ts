// The deployments API over HTTP: create, read, change (revisions with diffs), history, rollback, the routing
// snapshot with ETag, 304 and long-poll, serving's observations and the metric series — and every client
// mistake answered with its error code, never a 500.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { registerVersion } from "../governance/registry-fixture.js";
import {
  adminHeaders,
  basic,
  startAuthServer,
  STRONG_PASSWORD,
  userWithRole,
} from "../governance/auth-support.js";

const D = "/api/flowgate/v1/deployments";

const window = (replica: string, endedAt: number, requests: number, errors: number, p99: number) => ({
  replica,
  revision: 1,
  startedAt: endedAt - 1000,
  endedAt,
  versions: [
    {
      version: "1",
      role: "primary",
      requests,
      errors,
      latencyMs: { p50: 2, p99, max: p99 + 1 },
      predictions: { labels: { "1": requests }, numericCount: 0, numericSum: 0 },
    },
  ],
  shadow: {
    version: "2",
    requests,
    dropped: 1,
    errors: 0,
    latencyMs: { p50: 3, p99: p99 * 2, max: p99 * 2 },
    compared: requests,
    agreed: requests - 1,
    meanAbsDiff: 0,
    maxAbsDiff: 0,
  },
});

async function routing(
  server: TestServer,
  name: string,
  headers: Record<string, string> = {},
  wait?: number,
) {
  const res = await server.app.server.inject({
    method: "GET",
    url: `${D}/${name}/routing${wait === undefined ? "" : `?wait=${wait}`}`,
    headers,
  });
  return {
    status: res.statusCode,
    etag: String(res.headers.etag ?? ""),
    body: res.body === "" ? undefined : res.json(),
  };
}

for (const backend of BACKENDS) {
  describe(`deployments API (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      // The rollout controller would move a canary on its own; these tests look at what each write does.
      server = await startTestServer(backend, { controller: false });
      for (const v of [1, 2, 3, 4]) await registerVersion(server, "fraud", v);
      await registerVersion(server, "other", 1);
      const alias = await call(server, "POST", "/api/2.0/mlflow/registered-models/alias", {
        name: "fraud",
        alias: "best",
        version: "2",
      });
      assert.equal(alias.status, 200, JSON.stringify(alias.body));
    });
    after(async () => server.close());

    it("creates a deployment with the alias pinned to its version, and shows it with its routing", async () => {
      const res = await call(server, "POST", D, {
        spec: { name: "fraud", model: "fraud", primary: "@best" },
        reason: "first ship",
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const d = res.body.deployment;
      assert.equal(d.name, "fraud");
      assert.equal(d.model, "fraud");
      assert.equal(d.revision, 1);
      assert.deepEqual(d.spec, { name: "fraud", model: "fraud", primary: "2" });
      assert.equal(d.status.phase, "Healthy");
      assert.deepEqual(d.routing.routes, [{ version: "2", weight: 100, role: "primary" }]);
      assert.equal(d.createdBy, "anonymous");
      assert.deepEqual(d.allowed.pause, {
        ok: false,
        reason: "Cannot pause deployment 'fraud': no rollout is running.",
      });
      assert.equal(d.allowed.rollback.ok, false);
      const got = await call(server, "GET", `${D}/fraud`);
      assert.deepEqual(got.body.deployment.spec, d.spec);
      const again = await call(server, "POST", D, {
        spec: { name: "fraud", model: "fraud", primary: "1" },
        reason: "x",
      });
      assert.equal(again.status, 400);
      assert.equal(again.body.error_code, "RESOURCE_ALREADY_EXISTS");
    });

    it("writes a change as a new revision with author, reason and diff, newest first in the history", async () => {
      const res = await call(server, "PUT", `${D}/fraud`, {
        spec: { name: "fraud", model: "fraud", primary: "3", shadow: { version: "4", percent: 50 } },
        reason: "retrained",
        expectedRevision: 1,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.deployment.revision, 2);
      assert.deepEqual(res.body.deployment.routing.shadow, { version: "4", percent: 50 });
      assert.deepEqual(res.body.deployment.routing.warm, ["2"]);
      const history = await call(server, "GET", `${D}/fraud/revisions`);
      assert.deepEqual(
        history.body.revisions.map((r: { revision: number }) => r.revision),
        [2, 1],
      );
      const second = (await call(server, "GET", `${D}/fraud/revisions/2`)).body.revision;
      assert.equal(second.author, "anonymous");
      assert.equal(second.reason, "retrained");
      assert.deepEqual(second.diff, [
        { path: "/primary", before: "2", after: "3" },
        { path: "/shadow", after: { version: "4", percent: 50 } },
      ]);
      const stale = await call(server, "PUT", `${D}/fraud`, {
        spec: { name: "fraud", model: "fraud", primary: "4" },
        reason: "late",
        expectedRevision: 1,
      });
      assert.equal(stale.status, 400);
      assert.equal(stale.body.error_code, "INVALID_STATE");
      assert.match(stale.body.message, /is at revision 2, not 1/);
      const same = await call(server, "PUT", `${D}/fraud`, { spec: second.spec, reason: "no change" });
      assert.equal(same.body.deployment.revision, 2, "an unchanged spec writes no revision");
    });

    it("records every revision in the audit log", async () => {
      const res = await call(server, "GET", "/api/flowgate/v1/audit", {
        target_type: "deployment",
        target_id: "fraud",
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const actions = res.body.events.map((e: { action: string }) => e.action);
      assert.deepEqual(actions.slice(0, 2), ["deployment.update", "deployment.create"]);
    });

    it("rolls back to the previous primary at 100% at once, as a new revision", async () => {
      await call(server, "PUT", `${D}/fraud`, {
        spec: {
          name: "fraud",
          model: "fraud",
          primary: "3",
          strategy: { canary: { version: "4", steps: [{ setWeight: 10 }] } },
        },
        reason: "canary",
      });
      const during = await call(server, "GET", `${D}/fraud`);
      assert.equal(during.body.deployment.status.phase, "Progressing");
      assert.deepEqual(
        during.body.deployment.routing.routes.map((r: { version: string; weight: number }) => [
          r.version,
          r.weight,
        ]),
        [
          ["3", 100],
          ["4", 0],
        ],
      );
      // While a strategy runs, rollback drops it: the primary keeps everything.
      const drop = await call(server, "POST", `${D}/fraud/rollback`, { reason: "stop the canary" });
      assert.equal(drop.status, 200, JSON.stringify(drop.body));
      assert.equal(drop.body.deployment.revision, 4);
      assert.equal(drop.body.deployment.spec.strategy, undefined);
      assert.equal(drop.body.deployment.status.phase, "Healthy");
      assert.deepEqual(drop.body.deployment.routing.routes, [{ version: "3", weight: 100, role: "primary" }]);
      // Then to the primary before.
      const back = await call(server, "POST", `${D}/fraud/rollback`, { reason: "3 misbehaves" });
      assert.equal(back.body.deployment.revision, 5);
      assert.deepEqual(back.body.deployment.routing.routes, [{ version: "2", weight: 100, role: "primary" }]);
      assert.deepEqual((await routing(server, "fraud")).body.routes, [
        { version: "2", weight: 100, role: "primary" },
      ]);
      const to = await call(server, "POST", `${D}/fraud/rollback`, { reason: "back to 3", toRevision: 2 });
      assert.equal(to.body.deployment.spec.primary, "3");
      const missing = await call(server, "POST", `${D}/fraud/rollback`, { reason: "r", toRevision: 99 });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });

    it("refuses a rollback with no earlier primary, and one without a reason", async () => {
      await call(server, "POST", D, { spec: { name: "lonely", model: "other", primary: "1" }, reason: "r" });
      const res = await call(server, "POST", `${D}/lonely/rollback`, { reason: "r" });
      assert.equal(res.status, 400);
      assert.equal(res.body.error_code, "INVALID_STATE");
      assert.match(res.body.message, /no earlier revision had another primary/);
      const noReason = await call(server, "POST", `${D}/lonely/rollback`, {});
      assert.equal(noReason.body.error_code, "INVALID_PARAMETER_VALUE");
    });

    it("lists deployments by name, of one model, in pages", async () => {
      const all = await call(server, "GET", D);
      assert.deepEqual(
        all.body.deployments.map((d: { name: string }) => d.name),
        ["fraud", "lonely"],
      );
      const one = await call(server, "GET", D, { model: "other" });
      assert.deepEqual(
        one.body.deployments.map((d: { name: string }) => d.name),
        ["lonely"],
      );
      const first = await call(server, "GET", D, { max_results: 1 });
      assert.deepEqual(
        first.body.deployments.map((d: { name: string }) => d.name),
        ["fraud"],
      );
      const next = await call(server, "GET", D, { max_results: 1, page_token: first.body.nextPageToken });
      assert.deepEqual(
        next.body.deployments.map((d: { name: string }) => d.name),
        ["lonely"],
      );
      assert.equal(next.body.nextPageToken, undefined);
    });

    it("answers the routing snapshot with an ETag, 304 while it is unchanged, and wakes a long-poll on a change", async () => {
      const first = await routing(server, "lonely");
      assert.equal(first.status, 200);
      assert.equal(first.etag, `"${first.body.etag}"`);
      const unchanged = await routing(server, "lonely", { "if-none-match": first.etag }, 0.2);
      assert.equal(unchanged.status, 304);
      const waiting = routing(server, "lonely", { "if-none-match": first.etag }, 30);
      await call(server, "PUT", `${D}/lonely`, {
        spec: { name: "lonely", model: "other", primary: "1", policy: { values: { threshold: 0.8 } } },
        reason: "policy",
      });
      const woke = await waiting;
      assert.equal(woke.status, 200);
      assert.equal(woke.body.revision, 2);
      assert.deepEqual(woke.body.policy, { values: { threshold: 0.8 } });
      assert.notEqual(woke.etag, first.etag);
    });

    it("stores observation windows and sums them over replicas per step", async () => {
      const now = Date.now();
      const t = Math.floor(now / 10_000) * 10_000 + 5000;
      for (const w of [
        window("a", t - 10_000, 10, 1, 20),
        window("a", t, 30, 0, 10),
        window("b", t, 20, 2, 40),
      ]) {
        const res = await call(server, "POST", `${D}/lonely/observations`, w);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      const res = await call(server, "GET", `${D}/lonely/metrics`, { since: t - 60_000, step: 10 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const bucket = t - 5000;
      assert.deepEqual(res.body.series, [
        {
          version: "1",
          role: "primary",
          points: [
            { t: bucket - 10_000, requests: 10, errors: 1, rps: 1, p50: 2, p99: 20 },
            { t: bucket, requests: 50, errors: 2, rps: 5, p50: 2, p99: 40 },
          ],
        },
      ]);
      assert.deepEqual(res.body.shadow[1], {
        t: bucket,
        requests: 50,
        agreed: 48,
        compared: 50,
        errors: 0,
        p99: 80,
        dropped: 2,
      });
    });

    it("answers client mistakes with their codes", async () => {
      const cases: [string, string, Record<string, unknown>, number, string, RegExp][] = [
        ["GET", `${D}/nope`, {}, 404, "RESOURCE_DOES_NOT_EXIST", /Deployment 'nope' does not exist/],
        [
          "POST",
          D,
          { spec: { name: "x", model: "fraud", primary: "1", warm: 9 }, reason: "r" },
          400,
          "INVALID_PARAMETER_VALUE",
          /spec\.warm must be an integer from 0 to 5/,
        ],
        [
          "POST",
          D,
          { spec: { name: "x", model: "fraud", primary: "1" } },
          400,
          "INVALID_PARAMETER_VALUE",
          /required parameter .reason./,
        ],
        ["POST", D, { spec: "nope", reason: "r" }, 400, "INVALID_PARAMETER_VALUE", /spec/],
        [
          "POST",
          D,
          { spec: { name: "x", model: "ghost", primary: "1" }, reason: "r" },
          404,
          "RESOURCE_DOES_NOT_EXIST",
          /registered model 'ghost' does not exist/,
        ],
        [
          "POST",
          D,
          { spec: { name: "x", model: "fraud", primary: "9" }, reason: "r" },
          404,
          "RESOURCE_DOES_NOT_EXIST",
          /spec\.primary: model 'fraud' has no version 9/,
        ],
        [
          "POST",
          D,
          { spec: { name: "x", model: "fraud", primary: "@ghost" }, reason: "r" },
          400,
          "INVALID_PARAMETER_VALUE",
          /has no alias 'ghost'/,
        ],
        [
          "POST",
          D,
          { spec: { name: "x", model: "fraud", primary: "stage:Production" }, reason: "r" },
          400,
          "INVALID_PARAMETER_VALUE",
          /no version in stage 'Production'/,
        ],
        [
          "PUT",
          `${D}/lonely`,
          { spec: { name: "other-name", model: "other", primary: "1" }, reason: "r" },
          400,
          "INVALID_PARAMETER_VALUE",
          /cannot be renamed/,
        ],
        [
          "PUT",
          `${D}/lonely`,
          { spec: { name: "lonely", model: "fraud", primary: "1" }, reason: "r" },
          400,
          "INVALID_PARAMETER_VALUE",
          /spec\.model cannot change/,
        ],
        ["GET", `${D}/lonely/revisions/0`, {}, 400, "INVALID_PARAMETER_VALUE", /Invalid revision '0'/],
        ["GET", `${D}/lonely/revisions/77`, {}, 404, "RESOURCE_DOES_NOT_EXIST", /has no revision 77/],
        [
          "GET",
          `${D}/lonely/routing`,
          { wait: 31 },
          400,
          "INVALID_PARAMETER_VALUE",
          /wait must be a number of seconds from 0 to 30/,
        ],
        [
          "GET",
          `${D}/lonely/metrics`,
          { step: 0 },
          400,
          "INVALID_PARAMETER_VALUE",
          /step must be a whole number of seconds/,
        ],
        [
          "POST",
          `${D}/lonely/observations`,
          { ...window("a", 5000, 1, 2, 1) },
          400,
          "INVALID_PARAMETER_VALUE",
          /versions\[0\]\.errors must be at most requests/,
        ],
        [
          "POST",
          `${D}/lonely/observations`,
          // A shadow's errors are among its requests: every mirrored request that finished, failed or not.
          (() => {
            const w = window("a", 5000, 1, 0, 1);
            return { ...w, shadow: { ...w.shadow, requests: 0, errors: 3, compared: 0, agreed: 0 } };
          })(),
          400,
          "INVALID_PARAMETER_VALUE",
          /shadow\.errors must be at most requests/,
        ],
        [
          "POST",
          `${D}/nope/observations`,
          window("a", 5000, 1, 0, 1),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          /Deployment 'nope'/,
        ],
        ["GET", D, { page_token: "garbage" }, 400, "INVALID_PARAMETER_VALUE", /Invalid page token/],
      ];
      for (const [method, route, args, status, code, message] of cases) {
        const res = await call(server, method as "GET", route, args);
        assert.equal(res.status, status, `${method} ${route}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error_code, code, `${method} ${route}`);
        assert.match(res.body.message, message, `${method} ${route}`);
      }
    });

    it("deletes a deployment, and its routing is gone", async () => {
      const res = await call(server, "DELETE", `${D}/lonely`, { reason: "retired" });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await routing(server, "lonely")).status, 404);
      assert.equal((await call(server, "DELETE", `${D}/lonely`, {})).status, 404);
    });
  });
}

describe("deployments API permissions", () => {
  let server: TestServer;
  before(async () => {
    server = await startAuthServer(BACKENDS[0]!);
    await registerVersion(server, "fraud", 1);
    await registerVersion(server, "fraud", 2);
    const res = await call(
      server,
      "POST",
      D,
      { spec: { name: "fraud", model: "fraud", primary: "1" }, reason: "ship" },
      adminHeaders,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });
  after(async () => server.close());

  it("lets a reader read but not change a deployment, and says why its buttons are off", async () => {
    const reader = await userWithRole(server, "rita", "reader");
    const got = await call(server, "GET", `${D}/fraud`, {}, reader);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.deployment.allowed.rollback, {
      ok: false,
      reason: "user 'rita' lacks permission model.transition on model 'fraud'",
    });
    assert.equal((await call(server, "GET", `${D}/fraud/routing`, {}, reader)).status, 200);
    const put = await call(
      server,
      "PUT",
      `${D}/fraud`,
      { spec: { name: "fraud", model: "fraud", primary: "2" }, reason: "r" },
      reader,
    );
    assert.equal(put.status, 403);
    assert.equal(put.body.error_code, "PERMISSION_DENIED");
    const report = await call(server, "POST", `${D}/fraud/observations`, window("a", 5000, 1, 0, 1), reader);
    assert.equal(report.status, 403);
  });

  it("lets a serving account report observations and read the routing", async () => {
    const serving = await userWithRole(server, "serving-1", "service");
    assert.equal(
      (await call(server, "POST", `${D}/fraud/observations`, window("a", Date.now(), 1, 0, 1), serving))
        .status,
      200,
    );
    assert.equal((await call(server, "GET", `${D}/fraud/routing`, {}, serving)).status, 200);
  });

  it("lists and shows a scoped reader only the deployments of models they may read", async () => {
    await registerVersion(server, "secret", 1);
    const hidden = await call(
      server,
      "POST",
      D,
      { spec: { name: "hidden", model: "secret", primary: "1" }, reason: "r" },
      adminHeaders,
    );
    assert.equal(hidden.status, 200, JSON.stringify(hidden.body));
    await call(
      server,
      "POST",
      "/api/flowgate/v1/users",
      { username: "sam", password: STRONG_PASSWORD },
      adminHeaders,
    );
    const granted = await call(
      server,
      "POST",
      "/api/flowgate/v1/users/sam/grants",
      { role: "reader", scope_type: "registered_model", scope_id: "fraud" },
      adminHeaders,
    );
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const sam = basic("sam", STRONG_PASSWORD);
    const list = await call(server, "GET", D, { max_results: 1 }, sam);
    assert.deepEqual(
      list.body.deployments.map((d: { name: string }) => d.name),
      ["fraud"],
    );
    const rest = await call(server, "GET", D, { max_results: 1, page_token: list.body.nextPageToken }, sam);
    assert.deepEqual(rest.body.deployments, []);
    assert.equal(rest.body.nextPageToken, undefined);
    assert.equal((await call(server, "GET", `${D}/hidden`, {}, sam)).status, 403);
    assert.equal((await call(server, "GET", `${D}/hidden/routing`, {}, sam)).status, 403);
  });

  it("refuses an ml-engineer giving a version traffic in a protected deployment, as a promotion", async () => {
    const engineer = await userWithRole(server, "emma", "ml-engineer");
    const put = await call(
      server,
      "PUT",
      `${D}/fraud`,
      { spec: { name: "fraud", model: "fraud", primary: "2" }, reason: "r" },
      engineer,
    );
    assert.equal(put.status, 403, JSON.stringify(put.body));
    assert.equal(put.body.error_code, "PERMISSION_DENIED");
    assert.match(put.body.message, /deployment:fraud/);
    // A change that gives no version new traffic is hers to make.
    const policy = await call(
      server,
      "PUT",
      `${D}/fraud`,
      { spec: { name: "fraud", model: "fraud", primary: "1", warm: 1 }, reason: "fewer warm" },
      engineer,
    );
    assert.equal(policy.status, 200, JSON.stringify(policy.body));
    assert.equal(policy.body.deployment.revision, 2);
  });
});
