// The monitoring alert-rule, alert and window routes over HTTP: rules are validated field by field (4xx naming
// the field), created on a deployment or a model, listed, deleted, audited; the preset creates the seed's rules
// once; listings refuse bad filters; a deployment that does not exist is a 404.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { systemContext } from "../../src/core/request-context.js";
import { registerVersion } from "../governance/registry-fixture.js";

const API = "/api/flowgate/v1/monitoring";

describe("monitoring alert routes", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(BACKENDS[0]!, {
      env: { FLOWGATE_MONITOR: "off", FLOWGATE_CONTROLLER: "off" },
    });
    await registerVersion(server, "fraud-detector", 1);
    await server.app.deployments.create(
      { ...systemContext("test"), actor: "alice" },
      { spec: { name: "fraud", model: "fraud-detector", primary: "1" }, reason: "first" },
    );
  });
  after(() => server.close());

  it("refuses a rule that is incomplete or inconsistent, saying which field and what is allowed", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ kind: "error_rate", threshold: 0.01 }, /exactly one of deployment .* or model/],
      [{ deployment: "fraud", model: "fraud-detector", kind: "error_rate", threshold: 0.01 }, /exactly one/],
      [{ deployment: "fraud", kind: "latency", threshold: 1 }, /kind/],
      [{ deployment: "fraud", kind: "error_rate", threshold: 2 }, /fraction from 0 to 1/],
      [{ deployment: "fraud", kind: "latency_p99_ms" }, /threshold is required/],
      [
        { deployment: "fraud", kind: "error_rate", threshold: 0.01, method: "psi" },
        /method and column apply to/,
      ],
      [{ deployment: "fraud", kind: "data_drift", method: "cosine", threshold: 0.2 }, /Invalid method/],
      [{ deployment: "fraud", kind: "quality_drop", threshold: 0.05, forWindows: 0 }, /forWindows/],
    ];
    for (const [body, message] of cases) {
      const res = await call(server, "POST", `${API}/alert-rules`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      assert.match(res.body.message as string, message);
    }
    const missing = await call(server, "POST", `${API}/alert-rules`, {
      deployment: "nope",
      kind: "error_rate",
      threshold: 0.01,
    });
    assert.equal(missing.status, 404);
  });

  it("creates, lists, deletes and audits rules; the preset creates the seed's rules once", async () => {
    const created = await call(server, "POST", `${API}/alert-rules`, {
      model: "fraud-detector",
      kind: "data_drift",
      method: "psi",
      column: "amount",
      threshold: 0.25,
      forWindows: 3,
      severity: "critical",
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(
      { ...created.body.rule, id: undefined, createdAt: undefined },
      {
        id: undefined,
        name: "data_drift (psi)",
        model: "fraud-detector",
        kind: "data_drift",
        method: "psi",
        column: "amount",
        threshold: 0.25,
        forWindows: 3,
        severity: "critical",
        rollbackCanary: true,
        enabled: true,
        createdAt: undefined,
        createdBy: "anonymous",
      },
    );
    const preset = await call(server, "POST", `${API}/alert-rules/preset`, { deployment: "fraud" });
    assert.deepEqual(
      (preset.body.rules as { name: string; threshold: number }[]).map((r) => [r.name, r.threshold]),
      [
        ["input drift (PSI)", 0.2],
        ["input drift (KL)", 0.1],
        ["prediction drift", 0],
        ["accuracy drop", 0.05],
        ["p99 latency", 500],
        ["error rate", 0.01],
      ],
    );
    assert.deepEqual(
      (await call(server, "POST", `${API}/alert-rules/preset`, { deployment: "fraud" })).body.rules,
      [],
    );
    assert.equal(
      (await call(server, "GET", `${API}/alert-rules`, { deployment: "fraud" })).body.rules.length,
      6,
    );
    assert.equal((await call(server, "GET", `${API}/alert-rules`)).body.rules.length, 7);
    const id = created.body.rule.id as string;
    assert.equal((await call(server, "DELETE", `${API}/alert-rules/${id}`)).status, 200);
    assert.equal((await call(server, "DELETE", `${API}/alert-rules/${id}`)).status, 404);
    const audit = await server.app.database.db
      .selectFrom("audit_events")
      .select("action")
      .where("target_type", "=", "alert_rule")
      .execute();
    assert.equal(audit.filter((a) => a.action === "monitoring.alert_rule_create").length, 7);
    assert.equal(audit.filter((a) => a.action === "monitoring.alert_rule_delete").length, 1);
  });

  it("lists alerts and windows, refusing bad filters", async () => {
    assert.deepEqual(
      (await call(server, "GET", `${API}/alerts`, { deployment: "fraud", state: "firing" })).body,
      { alerts: [] },
    );
    assert.equal((await call(server, "GET", `${API}/alerts`, { state: "burning" })).status, 400);
    assert.equal((await call(server, "GET", `${API}/alerts`, { max_results: 0 })).status, 400);
    assert.deepEqual(
      (await call(server, "GET", `${API}/deployments/fraud/windows`, { from: 1, to: 2 })).body,
      { windows: [] },
    );
    assert.equal(
      (await call(server, "GET", `${API}/deployments/fraud/windows`, { from: 2, to: 1 })).status,
      400,
    );
    assert.equal((await call(server, "GET", `${API}/deployments/nope/windows`)).status, 404);
  });
});
