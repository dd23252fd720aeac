import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";
import { FlowgateError } from "../../../src/core/errors.js";
import { createSqlDeploymentStore } from "../../../src/delivery/sql-deployment-store.js";
import type { ObservationWindow } from "../../../src/delivery/observation.js";
import { gateDocument, parseGate } from "../../../src/governance/gates/gate-spec.js";
import type { GateResult } from "../../../src/governance/gates/evaluate-gate.js";
import { registerVersion } from "../registry-fixture.js";

const HOUR = 3_600_000;

describe("shadow gate documents", () => {
  it("defaults to 24 hours on at least one request, and round-trips every field", () => {
    assert.deepEqual(parseGate({ type: "shadow" }, 0), {
      name: "shadow-1",
      type: "shadow",
      minHours: 24,
      minRequests: 1,
    });
    const doc = {
      name: "shadowed",
      type: "shadow",
      targets: ["deployment:*"],
      min_hours: 48,
      min_requests: 10000,
      min_agreement: 0.95,
      max_error_rate: 0.01,
      max_p99_ms: 200,
      deployment: "fraud-live",
    };
    assert.deepEqual(gateDocument(parseGate(doc, 0)), doc);
  });

  it("refuses values out of range and unknown fields, naming the field", () => {
    for (const [gate, field] of [
      [{ type: "shadow", min_agreement: 1.5 }, /gates\[0\]\.min_agreement: it must be a number from 0 to 1/],
      [{ type: "shadow", max_error_rate: -0.1 }, /gates\[0\]\.max_error_rate/],
      [{ type: "shadow", min_hours: 0 }, /gates\[0\]\.min_hours: it must be a positive number/],
      [{ type: "shadow", min_requests: 10.5 }, /gates\[0\]\.min_requests: it must be a whole number/],
      [{ type: "shadow", deployment: "" }, /gates\[0\]\.deployment/],
      [{ type: "shadow", min_hour: 24 }, /unknown field\(s\) min_hour of a shadow gate; allowed: min_hours/],
    ] as const) {
      assert.throws(
        () => parseGate(gate, 0),
        (err: unknown) =>
          err instanceof FlowgateError && err.code === "INVALID_PARAMETER_VALUE" && field.test(err.message),
      );
    }
  });
});

const GATES = [
  {
    name: "shadowed",
    type: "shadow",
    min_hours: 24,
    min_requests: 10000,
    min_agreement: 0.95,
    max_error_rate: 0.01,
    max_p99_ms: 200,
  },
  { name: "too-short", type: "shadow", min_hours: 30, min_requests: 10000 },
  { name: "too-few", type: "shadow", min_hours: 24, min_requests: 20000 },
  { name: "disagrees", type: "shadow", min_agreement: 0.99 },
  { name: "fails-often", type: "shadow", max_error_rate: 0.001 },
  { name: "slow", type: "shadow", max_p99_ms: 150 },
  { name: "live-only", type: "shadow", min_requests: 14000, deployment: "fraud-live" },
  { name: "nowhere", type: "shadow", deployment: "fraud-gone" },
  { name: "elsewhere", type: "shadow", deployment: "churn-live" },
];

for (const backend of BACKENDS) {
  describe(`shadow gate on ${backend.name}`, () => {
    let server: TestServer;
    const now = Date.now();
    before(async () => {
      server = await startTestServer(backend);
      const res = await call(server, "PUT", "/api/flowgate/v1/models/fraud/policy", {
        policy: { gates: GATES.map((g) => ({ ...g, targets: ["deployment:*"] })) },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      for (const v of [1, 2, 3]) await registerVersion(server, "fraud", v);
      await registerVersion(server, "churn", 2);

      const store = createSqlDeploymentStore();
      const db = server.app.database;
      for (const [name, model] of [
        ["fraud-live", "fraud"],
        ["fraud-eu", "fraud"],
        ["churn-live", "churn"],
      ] as const) {
        await store.insert(db.db, {
          name,
          model,
          revision: 1,
          createdAt: now,
          createdBy: "test",
          updatedAt: now,
          updatedBy: "test",
        });
      }
      const window = (
        deployment: string,
        endsAgoHours: number,
        shadow?: { version: string; requests: number; agreed: number; errors: number; p99: number },
      ): ObservationWindow => ({
        deployment,
        replica: "127.0.0.1:9000/1",
        revision: 1,
        startedAt: now - (endsAgoHours + 1) * HOUR,
        endedAt: now - endsAgoHours * HOUR,
        versions: [],
        ...(shadow === undefined
          ? {}
          : {
              shadow: {
                version: shadow.version,
                requests: shadow.requests,
                dropped: 3,
                errors: shadow.errors,
                latencyMs: { p50: 20, p99: shadow.p99, max: shadow.p99 + 10 },
                // A failed shadow answer is never compared.
                compared: Math.min(shadow.requests - 10, shadow.requests - shadow.errors),
                agreed: shadow.agreed,
                meanAbsDiff: 0,
                maxAbsDiff: 0,
              },
            }),
      });
      const windows: ObservationWindow[] = [];
      // fraud-live shadowed version 2 for 26 hours: 13,000 requests, 12,480 of 12,740 compared agreed
      // (0.98), 52 errors (0.004), p99 at most 180 ms.
      for (let h = 0; h < 26; h++) {
        windows.push(
          window("fraud-live", h, {
            version: "2",
            requests: 500,
            agreed: 480,
            errors: 2,
            p99: h === 7 ? 180 : 120,
          }),
        );
      }
      // Version 3's shadow failed every one of its 9,000 requests (and, as another version's, does not count for 2).
      // Neither another version's shadow, nor a window without one, nor another model's deployment counts.
      windows.push(
        window("fraud-live", 30, { version: "3", requests: 9000, agreed: 0, errors: 9000, p99: 900 }),
      );
      windows.push(window("fraud-live", 31));
      windows.push(
        window("churn-live", 2, { version: "2", requests: 9000, agreed: 0, errors: 9000, p99: 900 }),
      );
      // fraud-eu adds 2,000 requests, within the same period.
      for (const h of [3, 4]) {
        windows.push(
          window("fraud-eu", h, { version: "2", requests: 1000, agreed: 990, errors: 0, p99: 100 }),
        );
      }
      for (const w of windows) await store.insertObservation(db.db, w, 0);
    });
    after(async () => server.close());

    async function evaluate(version: number): Promise<Map<string, GateResult>> {
      const results = await server.app.governance.promotions.evaluate(
        { actor: "anonymous", requestId: `shadow-${version}-${Math.random()}` },
        "fraud",
        version,
        { kind: "deployment", name: "fraud-live" },
      );
      return new Map(results.map((r) => [r.gate, r]));
    }

    it("passes with enough shadowing, summed over the model's deployments, and says what it measured", async () => {
      const r = (await evaluate(2)).get("shadowed")!;
      assert.equal(r.passed, true, r.message);
      assert.equal(
        r.message,
        "version 2 shadowed 26 h on 15,000 requests in 'fraud-eu', 'fraud-live': agreement 0.982 >= 0.95, error rate 0.00347 <= 0.01, p99 latency 180 ms <= 200 ms",
      );
      assert.equal(r.inputs.requests, 15000);
      assert.equal(r.inputs.agreed, 14460);
      assert.equal(r.inputs.compared, 14720);
      assert.equal(r.inputs.errors, 52);
      assert.equal(r.inputs.dropped, 28 * 3);
      assert.equal(r.inputs.p99_ms, 180);
      assert.equal(r.inputs.hours, 26);
    });

    it("fails too short a period or too few requests, saying what is missing", async () => {
      const results = await evaluate(2);
      assert.equal(results.get("too-short")!.passed, false);
      assert.match(results.get("too-short")!.message, /shadowed 26 h of 30 h, 15,000 of 10,000 requests/);
      assert.equal(results.get("too-few")!.passed, false);
      assert.match(results.get("too-few")!.message, /shadowed 26 h of 24 h, 15,000 of 20,000 requests/);
    });

    it("fails low agreement, a high error rate and a slow p99, each with its numbers", async () => {
      const results = await evaluate(2);
      assert.match(
        results.get("disagrees")!.message,
        /agreement 0\.982 is below 0\.99 \(14,460 of 14,720 compared answers agreed\)/,
      );
      assert.match(
        results.get("fails-often")!.message,
        /error rate 0\.00347 exceeds 0\.001 \(52 errors in 15,000 requests\)/,
      );
      assert.match(results.get("slow")!.message, /p99 latency 180 ms exceeds 150 ms by 30 ms/);
      for (const g of ["disagrees", "fails-often", "slow"]) assert.equal(results.get(g)!.passed, false);
    });

    it("an always-failing shadow has an error rate of 1 and fails the error-rate gate", async () => {
      const r = (await evaluate(3)).get("fails-often")!;
      assert.equal(r.passed, false);
      assert.equal(r.inputs.requests, 9000);
      assert.equal(r.inputs.errors, 9000);
      assert.match(r.message, /error rate 1 exceeds 0\.001 \(9,000 errors in 9,000 requests\)/);
    });

    it("reads only the deployment a gate names, which must be the model's", async () => {
      const results = await evaluate(2);
      assert.equal(results.get("live-only")!.passed, false);
      assert.match(results.get("live-only")!.message, /in 'fraud-live' .*13,000 of 14,000 requests/);
      assert.match(results.get("nowhere")!.message, /deployment 'fraud-gone' does not exist/);
      assert.match(
        results.get("elsewhere")!.message,
        /deployment 'churn-live' serves model 'churn', not 'fraud'/,
      );
    });

    it("a version never shadowed fails every shadow gate: no data is never a pass", async () => {
      const results = await evaluate(1);
      assert.ok([...results.values()].every((r) => !r.passed));
      assert.equal(
        results.get("shadowed")!.message,
        "version 1 was not shadowed in any deployment of 'fraud' in the last 48 h: shadowed 0 h of 24 h, 0 of 10,000 requests",
      );
    });

    it("is stored like every gate, and refuses the deployment change that would give the version traffic", async () => {
      const stored = (await call(server, "GET", "/api/flowgate/v1/models/fraud/versions/2/gate-evaluations"))
        .body.evaluations as Array<{
        gate: string;
        type: string;
        target: string;
        inputs: { requests?: number };
      }>;
      const shadowed = stored.find((e) => e.gate === "shadowed")!;
      assert.equal(shadowed.type, "shadow");
      assert.equal(shadowed.target, "deployment:fraud-live");
      assert.equal(shadowed.inputs.requests, 15000);
      const promotions = server.app.governance.promotions;
      const ctx = { actor: "anonymous", requestId: "shadow-promote" };
      const promotion = {
        model: "fraud",
        version: "2",
        deployment: "fraud-live",
        reason: "shadow looked fine",
      };
      // Read inside the revision's transaction, or before it (prepareDeployment), the verdict is the same.
      for (const prepared of [undefined, await promotions.prepareDeployment(ctx, promotion)]) {
        await assert.rejects(
          server.app.database.transaction((trx) => promotions.checkDeployment(trx, ctx, promotion, prepared)),
          (err: unknown) =>
            err instanceof FlowgateError &&
            err.code === "INVALID_STATE" &&
            /gate 'too-short': version 2 in 'fraud-eu', 'fraud-live' in the last 60 h: shadowed 26 h of 30 h/.test(
              err.message,
            ),
        );
      }
    });
  });
}
