import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { FlowgateError } from "../../src/core/errors.js";
import { parseMetricCheck } from "../../src/governance/gates/metric-check.js";
import { parsePolicy } from "../../src/governance/policies.js";
import { registerVersion, runWithMetrics } from "./registry-fixture.js";

const POLICY = `
protected:
  stages: [Production]
  aliases: [champion]
gates:
  - name: f1-floor
    type: metric
    check: "val_f1 >= 0.85"
  - name: f1-beats-production
    type: metric
    check: "val_f1 >= production.val_f1 + 0.02"
  - name: lineage
    type: required_tags
    tags: [data_version, git_commit]
`;

describe("gate and policy documents", () => {
  it("parses absolute and relative metric checks", () => {
    assert.deepEqual(parseMetricCheck("val_f1 >= 0.8", "c"), {
      text: "val_f1 >= 0.8",
      metric: "val_f1",
      op: ">=",
      constant: 0.8,
      reference: undefined,
    });
    const rel = parseMetricCheck("val_f1 >= production.val_f1 + 0.02", "c");
    assert.equal(rel.reference, "val_f1");
    assert.equal(rel.constant, 0.02);
    assert.equal(parseMetricCheck("latency_ms < current.latency_ms - 5", "c").constant, -5);
  });

  it("refuses malformed checks, unknown gate types and unknown fields, naming the field", () => {
    for (const [doc, field] of [
      [{ gates: [{ type: "metric", check: "val_f1 >>= 1" }] }, /gates\[0\]\.check/],
      [{ gates: [{ type: "vibes" }] }, /gates\[0\]\.type/],
      [{ gates: [{ type: "required_tags", tags: [] }] }, /gates\[0\]\.tags/],
      [{ protected: { stages: ["Prod"] } }, /protected\.stages/],
      [{ requires_approval: true }, /unknown field/],
      ["gates: [unclosed", /not YAML or JSON/],
    ] as const) {
      assert.throws(
        () => parsePolicy(doc),
        (err: unknown) => {
          assert.ok(err instanceof FlowgateError);
          assert.equal(err.code, "INVALID_PARAMETER_VALUE");
          assert.match(err.message, field);
          return true;
        },
      );
    }
  });

  it("reads YAML and JSON alike", () => {
    const p = parsePolicy(POLICY);
    assert.deepEqual(p.protectedAliases, ["champion"]);
    assert.equal(p.gates.length, 3);
    assert.deepEqual(parsePolicy(JSON.stringify({ require_approval: true })).requireApproval, true);
  });
});

for (const backend of BACKENDS) {
  describe(`promotion gates on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
      const res = await call(server, "PUT", "/api/flowgate/v1/models/fraud/policy", { document: POLICY });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const prodRun = await runWithMetrics(server, { val_f1: 0.86 });
      await registerVersion(server, "fraud", 1, { runId: prodRun, stage: "Production" });
      const weakRun = await runWithMetrics(server, { val_f1: 0.81 });
      await registerVersion(server, "fraud", 2, { runId: weakRun, tags: { data_version: "d1" } });
      const goodRun = await runWithMetrics(server, { val_f1: 0.9 });
      await registerVersion(server, "fraud", 3, {
        runId: goodRun,
        tags: { data_version: "d2", git_commit: "abc", "flowgate.reason": "better recall" },
      });
    });
    after(async () => server.close());

    async function promote(version: number, toStage = "Production"): Promise<unknown> {
      return server.app.database.transaction((trx) =>
        server.app.governance.promotions.check(
          trx,
          { actor: "anonymous", requestId: `req-${version}-${toStage}` },
          {
            action: "model_version.transition_stage",
            name: "fraud",
            version,
            fromStage: "None",
            toStage,
          },
        ),
      );
    }

    it("a version below threshold cannot enter Production, and the error names each gate and the shortfall", async () => {
      await assert.rejects(promote(2), (err: unknown) => {
        assert.ok(err instanceof FlowgateError);
        assert.equal(err.code, "INVALID_STATE");
        assert.equal(err.status, 400, "a 4xx, so the MLflow client does not retry it");
        assert.match(err.message, /gate 'f1-floor': val_f1 = 0\.81 but must be >= 0\.85: off by 0\.04/);
        assert.match(
          err.message,
          /gate 'f1-beats-production': val_f1 = 0\.81 but must be >= 0\.88 \(version 1 in stage Production has val_f1 = 0\.86, \+ 0\.02\): off by 0\.07/,
        );
        assert.match(err.message, /gate 'lineage': missing version tag\(s\) git_commit/);
        return true;
      });
    });

    it("records the evaluations of a refused promotion", async () => {
      let rows: Array<{ gate: string; passed: boolean; inputs: { value?: number } }> = [];
      for (let i = 0; i < 100 && rows.length < 3; i++) {
        rows = (await call(server, "GET", "/api/flowgate/v1/models/fraud/versions/2/gate-evaluations")).body
          .evaluations;
        if (rows.length < 3) await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(rows.map((r) => [r.gate, r.passed]).sort(), [
        ["f1-beats-production", false],
        ["f1-floor", false],
        ["lineage", false],
      ]);
      assert.equal(rows.find((r) => r.gate === "f1-floor")!.inputs.value, 0.81);
    });

    it("a version that passes every gate may enter Production; unprotected stages need no gates", async () => {
      await promote(3);
      await promote(2, "Staging");
      const rows = (await call(server, "GET", "/api/flowgate/v1/models/fraud/versions/3/gate-evaluations"))
        .body.evaluations;
      assert.ok(rows.length >= 3 && rows.every((r: { passed: boolean }) => r.passed));
    });

    it("a protected alias runs the same gates", async () => {
      await assert.rejects(
        server.app.database.transaction((trx) =>
          server.app.governance.promotions.check(
            trx,
            { actor: "anonymous", requestId: "alias-1" },
            {
              action: "registered_model_alias.set",
              name: "fraud",
              alias: "champion",
              version: 2,
            },
          ),
        ),
        /cannot enter alias 'champion'/,
      );
    });

    it("evaluates gates on demand through the API without promoting", async () => {
      const res = await call(server, "POST", "/api/flowgate/v1/models/fraud/versions/2/evaluate-gates", {
        stage: "Production",
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.passed, false);
      assert.equal(res.body.results.length, 3);
      const none = await call(server, "POST", "/api/flowgate/v1/models/fraud/versions/2/evaluate-gates", {});
      assert.equal(none.status, 400);
    });

    it("a policy requiring four-eyes approval refuses a direct promotion and says how to request one", async () => {
      await call(server, "PUT", "/api/flowgate/v1/models/fraud/policy", {
        policy: { require_approval: true, protected: { stages: ["Production"], aliases: ["champion"] } },
      });
      try {
        await assert.rejects(promote(3), (err: unknown) => {
          assert.ok(err instanceof FlowgateError);
          assert.equal(err.code, "PERMISSION_DENIED");
          assert.match(err.message, /approved transition request/);
          assert.match(err.message, /flowgate requests create fraud 3 --stage Production/);
          return true;
        });
      } finally {
        await call(server, "PUT", "/api/flowgate/v1/models/fraud/policy", { document: POLICY });
      }
    });

    it("a direct protected promotion needs a reason (header or the flowgate.reason tag)", async () => {
      const run = await runWithMetrics(server, { val_f1: 0.95 });
      await registerVersion(server, "fraud", 4, {
        runId: run,
        tags: { data_version: "d3", git_commit: "def" },
      });
      await assert.rejects(promote(4), /needs a reason/);
      await server.app.database.transaction((trx) =>
        server.app.governance.promotions.check(
          trx,
          { actor: "anonymous", requestId: "with-reason", reason: "hotfix" },
          {
            action: "model_version.transition_stage",
            name: "fraud",
            version: 4,
            toStage: "Production",
          },
        ),
      );
    });

    it("stores and shows the server default policy; a model without its own uses it", async () => {
      const put = await call(server, "PUT", "/api/flowgate/v1/policies/default", {
        document: "require_approval: true",
      });
      assert.equal(put.status, 200);
      const other = await call(server, "GET", "/api/flowgate/v1/models/other-model/policy");
      assert.equal(other.body.source, "default");
      assert.equal(other.body.policy.require_approval, true);
      const bad = await call(server, "PUT", "/api/flowgate/v1/policies/default", {
        document: "gates: [{type: nope}]",
      });
      assert.equal(bad.status, 400);
      await call(server, "DELETE", "/api/flowgate/v1/policies/default");
      assert.equal(
        (await call(server, "GET", "/api/flowgate/v1/models/other-model/policy")).body.source,
        "built-in",
      );
    });
  });
}
