import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, type TestServer } from "../support/test-server.js";
import { FlowgateError } from "../../src/core/errors.js";
import {
  BUILT_IN_POLICY,
  gatesFor,
  isProtected,
  parsePolicy,
  policyDocument,
  targetLabel,
} from "../../src/governance/policies.js";
import type { DeploymentPromotion } from "../../src/governance/promotions.js";
import { createSqlDeploymentStore } from "../../src/delivery/sql-deployment-store.js";
import { adminHeaders, startAuthServer, userWithRole } from "./auth-support.js";
import { registerVersion, runWithMetrics } from "./registry-fixture.js";

const POLICY = `
protected_deployments: [fraud-live]
gates:
  - {name: auc-floor, type: metric, check: "auc >= 0.7", targets: ["deployment:fraud-live"]}
  - {name: lineage, type: required_tags, tags: [git_commit], targets: [Production]}
`;

describe("deployment targets in policy documents", () => {
  it("protected_deployments round-trips through the stored form; every deployment is protected by default", () => {
    const p = parsePolicy(POLICY);
    assert.deepEqual(p.protectedDeployments, ["fraud-live"]);
    assert.deepEqual(parsePolicy(policyDocument(p)), p);
    assert.deepEqual(policyDocument(p).protected_deployments, ["fraud-live"]);
    assert.deepEqual(parsePolicy({}).protectedDeployments, ["*"]);
    assert.deepEqual(BUILT_IN_POLICY.protectedDeployments, ["*"]);
    assert.ok(isProtected(BUILT_IN_POLICY, { kind: "deployment", name: "anything" }));
    assert.ok(!isProtected(p, { kind: "deployment", name: "fraud-shadow" }));
    assert.equal(targetLabel({ kind: "deployment", name: "fraud-live" }), "deployment:fraud-live");
  });

  it("refuses a protected_deployments that is not a list of names", () => {
    assert.throws(
      () => parsePolicy({ protected_deployments: "fraud-live" }),
      (err: unknown) =>
        err instanceof FlowgateError &&
        err.code === "INVALID_PARAMETER_VALUE" &&
        /protected_deployments: it must be a list of strings/.test(err.message),
    );
  });

  it("a gate names a deployment as deployment:<name> or deployment:*, never by a stage's or alias's name", () => {
    const p = parsePolicy(`
gates:
  - {name: one, type: signature, targets: ["deployment:fraud-live"]}
  - {name: all, type: signature, targets: ["deployment:*"]}
  - {name: prod, type: signature, targets: [Production]}
  - {name: everywhere, type: signature}
`);
    const names = (t: Parameters<typeof gatesFor>[1]) => gatesFor(p, t).map((g) => g.name);
    assert.deepEqual(names({ kind: "deployment", name: "fraud-live" }), ["one", "all", "everywhere"]);
    assert.deepEqual(names({ kind: "deployment", name: "other" }), ["all", "everywhere"]);
    assert.deepEqual(names({ kind: "deployment", name: "Production" }), ["all", "everywhere"]);
    assert.deepEqual(names({ kind: "stage", name: "Production" }), ["prod", "everywhere"]);
  });
});

for (const backend of BACKENDS) {
  describe(`giving a version traffic in a deployment on ${backend.name}`, () => {
    let server: TestServer;
    let mia: Record<string, string>;
    let rm2: Record<string, string>;
    let seq = 0;
    before(async () => {
      server = await startAuthServer(backend);
      mia = await userWithRole(server, "mia", "ml-engineer");
      await userWithRole(server, "rita", "release-manager");
      rm2 = await userWithRole(server, "remy", "release-manager");
      for (const [model, document] of [
        ["fraud", POLICY],
        ["churn", "require_approval: true\nprotected_deployments: ['*']"],
      ] as const) {
        const res = await call(
          server,
          "PUT",
          `/api/flowgate/v1/models/${model}/policy`,
          { document },
          adminHeaders,
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      const good = await runWithMetrics(server, { auc: 0.8 }, adminHeaders);
      const weak = await runWithMetrics(server, { auc: 0.6 }, adminHeaders);
      await registerVersion(server, "fraud", 1, { runId: good, creator: "rita" });
      await registerVersion(server, "fraud", 2, { runId: weak, creator: "rita" });
      await registerVersion(server, "churn", 1, { runId: good, creator: "rita" });
    });
    after(async () => server.close());

    function give(actor: string, p: Partial<DeploymentPromotion> & { model: string }): Promise<void> {
      const promotion: DeploymentPromotion = { version: "1", deployment: "fraud-live", ...p };
      return server.app.database.transaction((trx) =>
        server.app.governance.promotions.checkDeployment(
          trx,
          { actor, requestId: `dep-${++seq}` },
          promotion,
        ),
      );
    }

    async function refusedWith(p: Promise<void>, code: string, message: RegExp): Promise<void> {
      await assert.rejects(p, (err: unknown) => {
        assert.ok(err instanceof FlowgateError, String(err));
        assert.equal(err.code, code);
        assert.match(err.message, message);
        return true;
      });
    }

    it("a protected deployment needs the promote right, and the refusal says how to ask for it", async () => {
      await refusedWith(
        give("mia", { model: "fraud", reason: "ship it" }),
        "PERMISSION_DENIED",
        /traffic in protected deployment:fraud-live is refused: user 'mia' lacks permission model\.promote.*flowgate requests create fraud 1 --deployment fraud-live/,
      );
    });

    it("a protected deployment needs a reason", async () => {
      await refusedWith(give("rita", { model: "fraud" }), "INVALID_STATE", /needs a reason/);
      await refusedWith(give("rita", { model: "fraud", reason: "  " }), "INVALID_STATE", /needs a reason/);
    });

    it("the gates naming the deployment run and are stored under deployment:<name>; a stage's gates do not", async () => {
      await give("rita", { model: "fraud", reason: "auc 0.8 on the holdout" });
      const rows = (
        await call(
          server,
          "GET",
          "/api/flowgate/v1/models/fraud/versions/1/gate-evaluations",
          {},
          adminHeaders,
        )
      ).body.evaluations as Array<{ gate: string; passed: boolean; target: string; actor: string }>;
      assert.deepEqual(
        rows.map((r) => [r.gate, r.passed, r.target, r.actor]),
        [["auc-floor", true, "deployment:fraud-live", "rita"]],
      );
    });

    it("a version failing a gate is refused, naming the gate, and the evaluation is still recorded", async () => {
      await refusedWith(
        give("rita", { model: "fraud", version: 2, reason: "try it" }),
        "INVALID_STATE",
        /cannot enter deployment:fraud-live: gate 'auc-floor': auc = 0\.6 but must be >= 0\.7/,
      );
      let rows: Array<{ gate: string; passed: boolean; target: string }> = [];
      for (let i = 0; i < 100 && rows.length === 0; i++) {
        rows = (
          await call(
            server,
            "GET",
            "/api/flowgate/v1/models/fraud/versions/2/gate-evaluations",
            {},
            adminHeaders,
          )
        ).body.evaluations;
        if (rows.length === 0) await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(
        rows.map((r) => [r.gate, r.passed, r.target]),
        [["auc-floor", false, "deployment:fraud-live"]],
      );
    });

    it("an unprotected deployment needs neither the right, nor a reason, nor gates", async () => {
      await give("mia", { model: "fraud", version: 2, deployment: "fraud-scratch" });
    });

    it("gates are evaluated on demand for a deployment target", async () => {
      const res = await call(
        server,
        "POST",
        "/api/flowgate/v1/models/fraud/versions/2/evaluate-gates",
        { deployment: "fraud-live" },
        mia,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.passed, false);
      assert.deepEqual(
        res.body.results.map((r: { gate: string; target: string }) => [r.gate, r.target]),
        [["auc-floor", "deployment:fraud-live"]],
      );
    });

    it("a relative metric check compares with the deployment's current primary", async () => {
      const document = "gates:\n  - {name: beats-live, type: metric, check: 'auc >= current.auc + 0.05'}";
      assert.equal(
        (await call(server, "PUT", "/api/flowgate/v1/models/spam/policy", { document }, adminHeaders)).status,
        200,
      );
      for (const [v, auc] of [
        [1, 0.8],
        [2, 0.82],
        [3, 0.9],
      ] as const) {
        await registerVersion(server, "spam", v, {
          runId: await runWithMetrics(server, { auc }, adminHeaders),
        });
      }
      const store = createSqlDeploymentStore();
      const db = server.app.database.db;
      await store.insert(db, {
        name: "spam-live",
        model: "spam",
        revision: 1,
        createdAt: 1,
        createdBy: "admin",
        updatedAt: 1,
        updatedBy: "admin",
      });
      await store.insertRevision(db, {
        deployment: "spam-live",
        revision: 1,
        spec: { name: "spam-live", model: "spam", primary: "1" },
        author: "admin",
        reason: "first",
        createdAt: 1,
        diff: [],
      });
      const evaluate = (version: number) =>
        server.app.governance.promotions.evaluate(
          { actor: "rita", requestId: `spam-${version}` },
          "spam",
          version,
          {
            kind: "deployment",
            name: "spam-live",
          },
        );
      const [weak] = await evaluate(2);
      assert.equal(weak!.passed, false);
      assert.match(
        weak!.message,
        /\(version 1 in deployment:spam-live has auc = 0\.8, \+ 0\.05\): off by 0\.03/,
      );
      const [strong] = await evaluate(3);
      assert.equal(strong!.passed, true, strong!.message);
    });

    it("four-eyes: only an approved request lets the version in, and the next change uses it up", async () => {
      await refusedWith(
        give("rita", { model: "churn", deployment: "churn-live", reason: "mine" }),
        "PERMISSION_DENIED",
        /needs an approved transition request.*flowgate requests create churn 1 --deployment churn-live/,
      );
      const created = await call(
        server,
        "POST",
        "/api/flowgate/v1/transition-requests",
        { name: "churn", version: 1, deployment: "churn-live", reason: "shadowed a week" },
        mia,
      );
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const id = created.body.request.id as number;
      assert.equal(created.body.request.target_kind, "deployment");
      assert.equal(created.body.request.target_label, "deployment:churn-live");
      await refusedWith(
        give("mia", { model: "churn", deployment: "churn-live" }),
        "PERMISSION_DENIED",
        /needs an approved transition request/,
      );

      const approved = await call(
        server,
        "POST",
        `/api/flowgate/v1/transition-requests/${id}/approve`,
        {},
        rm2,
      );
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(approved.body.request.status, "approved");
      assert.equal(approved.body.request.applied_at, undefined, "approved, not used yet");

      await give("mia", { model: "churn", deployment: "churn-live" });
      const used = await call(server, "GET", `/api/flowgate/v1/transition-requests/${id}`, {}, rm2);
      assert.equal(typeof used.body.request.applied_at, "number");
      const audit = await call(
        server,
        "GET",
        "/api/flowgate/v1/audit",
        { action: "transition_request.apply", target_id: String(id) },
        adminHeaders,
      );
      assert.equal(audit.body.events.length, 1);
      assert.equal(audit.body.events[0].actor, "mia");
      assert.match(audit.body.events[0].reason, /requested by mia: shadowed a week/);

      await refusedWith(
        give("mia", { model: "churn", deployment: "churn-live" }),
        "PERMISSION_DENIED",
        /needs an approved transition request/,
      );
    });

    it("a request for one deployment does not open another; archiving is for stages, and the deployment must be the model's", async () => {
      const created = await call(
        server,
        "POST",
        "/api/flowgate/v1/transition-requests",
        { name: "churn", version: 1, deployment: "churn-eu", reason: "eu launch" },
        mia,
      );
      const id = created.body.request.id as number;
      assert.equal(
        (await call(server, "POST", `/api/flowgate/v1/transition-requests/${id}/approve`, {}, rm2)).status,
        200,
      );
      await refusedWith(
        give("mia", { model: "churn", deployment: "churn-us" }),
        "PERMISSION_DENIED",
        /needs an approved transition request/,
      );
      const archiving = await call(
        server,
        "POST",
        "/api/flowgate/v1/transition-requests",
        { name: "churn", version: 1, deployment: "churn-eu", reason: "x", archive_existing_versions: true },
        mia,
      );
      assert.equal(archiving.status, 400);
      assert.match(archiving.body.message, /stage transitions only/);
      const otherModel = await call(
        server,
        "POST",
        "/api/flowgate/v1/transition-requests",
        { name: "churn", version: 1, deployment: "spam-live", reason: "x" },
        mia,
      );
      assert.equal(otherModel.status, 400);
      assert.match(otherModel.body.message, /deployment 'spam-live': it serves model 'spam', not 'churn'/);
    });
  });
}

for (const backend of BACKENDS) {
  describe(`deployment promotions through the deployments API on ${backend.name}`, () => {
    const D = "/api/flowgate/v1/deployments";
    let server: TestServer;
    let mia: Record<string, string>;
    let remy: Record<string, string>;
    let svc: Record<string, string>;
    const put = (primary: string, extra: Record<string, unknown> = {}) =>
      call(
        server,
        "PUT",
        `${D}/churn-live`,
        { spec: { name: "churn-live", model: "churn", primary, ...extra }, reason: `primary ${primary}` },
        mia,
      );
    before(async () => {
      server = await startAuthServer(backend);
      mia = await userWithRole(server, "mia", "ml-engineer");
      remy = await userWithRole(server, "remy", "release-manager");
      svc = await userWithRole(server, "serving", "service");
      for (const v of [1, 2]) await registerVersion(server, "churn", v, { creator: "admin" });
      const created = await call(
        server,
        "POST",
        D,
        { spec: { name: "churn-live", model: "churn", primary: "1" }, reason: "first deployment" },
        adminHeaders,
      );
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const document = `
require_approval: true
gates:
  - {name: shadowed, type: shadow, min_hours: 0.1, min_requests: 1000, min_agreement: 0.95, targets: ["deployment:churn-live"]}
`;
      const policy = await call(
        server,
        "PUT",
        "/api/flowgate/v1/models/churn/policy",
        { document },
        adminHeaders,
      );
      assert.equal(policy.status, 200, JSON.stringify(policy.body));
    });
    after(async () => server.close());

    it("shadowing a version is no promotion; giving it the primary share needs an approved request", async () => {
      const shadowed = await put("1", { shadow: { version: "2", percent: 100 } });
      assert.equal(shadowed.status, 200, JSON.stringify(shadowed.body));
      const refused = await put("2");
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.match(refused.body.message, /flowgate requests create churn 2 --deployment churn-live/);
    });

    it("approved, the change still waits for the shadow record, and a refused change leaves the request unused", async () => {
      const created = await call(
        server,
        "POST",
        "/api/flowgate/v1/transition-requests",
        { name: "churn", version: 2, deployment: "churn-live", reason: "agrees with v1" },
        mia,
      );
      const id = created.body.request.id as number;
      assert.equal(
        (await call(server, "POST", `/api/flowgate/v1/transition-requests/${id}/approve`, {}, remy)).status,
        200,
      );
      const gated = await put("2");
      assert.equal(gated.status, 400, JSON.stringify(gated.body));
      assert.match(
        gated.body.message,
        /gate 'shadowed': version 2 was not shadowed in any deployment of 'churn'/,
      );
      const request = await call(server, "GET", `/api/flowgate/v1/transition-requests/${id}`, {}, mia);
      assert.equal(request.body.request.applied_at, undefined);
    });

    it("once serving has reported enough shadowing, the approved change goes through and uses the request", async () => {
      const now = Date.now();
      const revision = (await call(server, "GET", `${D}/churn-live`, {}, mia)).body.deployment
        .revision as number;
      for (const [from, to] of [
        [now - 10 * 60_000, now - 9 * 60_000],
        [now - 60_000, now],
      ]) {
        const window = {
          replica: "127.0.0.1:9001/7",
          revision,
          startedAt: from,
          endedAt: to,
          versions: [],
          shadow: {
            version: "2",
            requests: 600,
            dropped: 0,
            errors: 0,
            latencyMs: { p50: 5, p99: 20, max: 30 },
            compared: 600,
            agreed: 590,
            meanAbsDiff: 0,
            maxAbsDiff: 0,
          },
        };
        const res = await call(server, "POST", `${D}/churn-live/observations`, window, svc);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      const promoted = await put("2");
      assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
      assert.equal(promoted.body.deployment.spec.primary, "2");
      const requests = await call(
        server,
        "GET",
        "/api/flowgate/v1/transition-requests",
        { status: "approved" },
        mia,
      );
      assert.equal(typeof requests.body.requests[0].applied_at, "number");
      const evaluations = await call(
        server,
        "GET",
        "/api/flowgate/v1/models/churn/versions/2/gate-evaluations",
        {},
        adminHeaders,
      );
      const passed = (
        evaluations.body.evaluations as Array<{ gate: string; passed: boolean; message: string }>
      ).find((e) => e.passed);
      assert.match(
        passed!.message,
        /version 2 shadowed 0\.1 h on 1,200 requests in 'churn-live': agreement 0\.983 >= 0\.95/,
      );
    });
  });
}
