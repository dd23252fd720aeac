// Monitoring's baselines and labels over HTTP: a version's baseline set, read and replaced (audited), large
// profiles accepted, labels upserted in batches — every client mistake answered with its error code and a
// message saying what is allowed, never a 500 — and who may do what when auth is on.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { registerVersion } from "../governance/registry-fixture.js";
import { adminHeaders, startAuthServer, userWithRole } from "../governance/auth-support.js";
import { profileFromRows } from "../../src/monitoring/profile/profile-files.js";
import { createSqlMonitoringStore } from "../../src/monitoring/sql-monitoring-store.js";

const B = "/api/flowgate/v1/monitoring/baselines";
const L = "/api/flowgate/v1/monitoring/labels";

const rows = (n: number, columns = 2) =>
  Array.from({ length: n }, (_, i) =>
    Object.fromEntries(
      Array.from({ length: columns }, (_, c) => [
        c === 1 ? "color" : `x${c}`,
        c === 1 ? ["red", "blue"][i % 2] : i * (c + 1) + Math.sin(i) / 7,
      ]),
    ),
  );
const PROFILE = profileFromRows(rows(50), { kind: "file", name: "train.csv" });

async function createDeployment(server: TestServer, name: string, headers: Record<string, string> = {}) {
  const res = await call(
    server,
    "POST",
    "/api/flowgate/v1/deployments",
    { spec: { name, model: "fraud", primary: "1" }, reason: "ship" },
    headers,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

describe("monitoring baselines and labels API", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(BACKENDS[0]!, { controller: false });
    await registerVersion(server, "fraud", 1);
    await registerVersion(server, "fraud", 2);
    await createDeployment(server, "fraud-prod");
  });
  after(async () => server.close());

  it("sets a version's baseline, reads it back, replaces it, and audits each set", async () => {
    const put = await call(server, "PUT", `${B}/fraud/1`, { profile: PROFILE });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.baseline.model, "fraud");
    assert.equal(put.body.baseline.version, "1");
    assert.equal(put.body.baseline.createdBy, "anonymous");
    const got = await call(server, "GET", `${B}/fraud/1`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.baseline.profile, PROFILE);
    const other = profileFromRows(rows(7), { kind: "file", name: "v2.csv" });
    assert.equal((await call(server, "PUT", `${B}/fraud/1`, { profile: other })).status, 200);
    assert.equal((await call(server, "GET", `${B}/fraud/1`)).body.baseline.profile.rows, 7);
    const audit = await server.app.database.db
      .selectFrom("audit_events")
      .select(["action", "target_id"])
      .where("action", "=", "monitoring.baseline_set")
      .execute();
    assert.deepEqual(audit, [
      { action: "monitoring.baseline_set", target_id: "fraud/1" },
      { action: "monitoring.baseline_set", target_id: "fraud/1" },
    ]);
  });

  it("accepts a wide profile larger than the server's JSON body default", async () => {
    const wide = profileFromRows(rows(10_000, 30), { kind: "file", name: "wide.parquet" });
    assert.ok(JSON.stringify({ profile: wide }).length > 4 * 1024 * 1024);
    const put = await call(server, "PUT", `${B}/fraud/2`, { profile: wide });
    assert.equal(put.status, 200, JSON.stringify(put.body).slice(0, 300));
  });

  it("answers a missing baseline, version or model with 404 and bad input with 400", async () => {
    const none = await call(server, "GET", `${B}/fraud/3`);
    assert.equal(none.status, 404);
    assert.equal(none.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    await registerVersion(server, "fraud", 3);
    const unset = await call(server, "GET", `${B}/fraud/3`);
    assert.equal(unset.status, 404);
    assert.match(unset.body.message, /has no baseline: set one with flowgate monitor baseline set/);
    assert.equal((await call(server, "PUT", `${B}/nobody/1`, { profile: PROFILE })).status, 404);
    const badVersion = await call(server, "GET", `${B}/fraud/one`);
    assert.equal(badVersion.status, 400);
    assert.match(badVersion.body.message, /a model version is a positive integer/);
    for (const body of [{}, { profile: null }, { profile: "x" }, { profile: { ...PROFILE, format: 9 } }]) {
      const res = await call(server, "PUT", `${B}/fraud/1`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
    }
    const badColumn = await call(server, "PUT", `${B}/fraud/1`, {
      profile: { ...PROFILE, columns: { x0: { kind: "numeric", n: -1 } } },
    });
    assert.equal(badColumn.status, 400);
    assert.match(badColumn.body.message, /columns/);
    const from = await call(server, "POST", `${B}/fraud/1/build`, { from: "somewhere" });
    assert.equal(from.status, 400);
    const noRun = await call(server, "POST", `${B}/fraud/1/build`, { from: "dataset" });
    assert.equal(noRun.status, 400);
    assert.match(noRun.body.message, /has no run, so no logged dataset/);
  });

  it("upserts labels by request id, numbers and strings, the last of a repeated id winning", async () => {
    const res = await call(server, "POST", L, {
      deployment: "fraud-prod",
      labels: [
        { request_id: "req-1", label: 1 },
        { request_id: "req-2", label: "fraud" },
        { request_id: "req-1", label: 0 },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { deployment: "fraud-prod", received: 2 });
    await call(server, "POST", L, {
      deployment: "fraud-prod",
      labels: [{ request_id: "req-2", label: "ok" }],
    });
    const stored = await createSqlMonitoringStore().findLabels(server.app.database.db, "fraud-prod", [
      "req-1",
      "req-2",
    ]);
    assert.deepEqual([...stored.values()].map((l) => [l.requestId, l.label]).sort(), [
      ["req-1", 0],
      ["req-2", "ok"],
    ]);
  });

  it("refuses malformed label batches with 400 and an unknown deployment with 404", async () => {
    const bad = [
      {},
      { deployment: "fraud-prod" },
      { deployment: "fraud-prod", labels: [] },
      { deployment: "fraud-prod", labels: "x" },
      { deployment: "fraud-prod", labels: [null] },
      { deployment: "fraud-prod", labels: [{ request_id: "a b", label: 1 }] },
      { deployment: "fraud-prod", labels: [{ request_id: "x".repeat(129), label: 1 }] },
      { deployment: "fraud-prod", labels: [{ request_id: "ok", label: true }] },
      { deployment: "fraud-prod", labels: [{ request_id: "ok", label: null }] },
      { deployment: "fraud-prod", labels: [{ request_id: "ok", label: "" }] },
      { deployment: "fraud-prod", labels: [{ request_id: "ok" }] },
      { deployment: 5, labels: [{ request_id: "ok", label: 1 }] },
    ];
    for (const body of bad) {
      const res = await call(server, "POST", L, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
    }
    const tooMany = await call(server, "POST", L, {
      deployment: "fraud-prod",
      labels: Array.from({ length: 10_001 }, (_, i) => ({ request_id: `r${i}`, label: 1 })),
    });
    assert.equal(tooMany.status, 400);
    const unknown = await call(server, "POST", L, {
      deployment: "nope",
      labels: [{ request_id: "a", label: 1 }],
    });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.message, /Deployment 'nope' not found/);
  });
});

describe("monitoring baselines and labels permissions", () => {
  let server: TestServer;
  before(async () => {
    server = await startAuthServer(BACKENDS[0]!);
    await registerVersion(server, "fraud", 1);
    await createDeployment(server, "fraud-prod", adminHeaders);
  });
  after(async () => server.close());

  it("lets a reader read a baseline but only the model's editors set one", async () => {
    const reader = await userWithRole(server, "rita", "reader");
    const engineer = await userWithRole(server, "emma", "ml-engineer");
    const denied = await call(server, "PUT", `${B}/fraud/1`, { profile: PROFILE }, reader);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error_code, "PERMISSION_DENIED");
    assert.equal((await call(server, "POST", `${B}/fraud/1/build`, { from: "dataset" }, reader)).status, 403);
    const put = await call(server, "PUT", `${B}/fraud/1`, { profile: PROFILE }, engineer);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.baseline.createdBy, "emma");
    assert.equal((await call(server, "GET", `${B}/fraud/1`, {}, reader)).status, 200);
  });

  it("reads no local path a run names when auth is on", async () => {
    const run = await call(
      server,
      "POST",
      "/api/2.0/mlflow/runs/create",
      { experiment_id: "0" },
      adminHeaders,
    );
    const runId = run.body.run.info.run_id as string;
    const logged = await call(
      server,
      "POST",
      "/api/2.0/mlflow/runs/log-inputs",
      {
        run_id: runId,
        datasets: [
          {
            tags: [{ key: "mlflow.data.context", value: "training" }],
            dataset: {
              name: "train",
              digest: "d1",
              source_type: "local",
              source: '{"uri": "/srv/data/train.csv"}',
            },
          },
        ],
      },
      adminHeaders,
    );
    assert.equal(logged.status, 200, JSON.stringify(logged.body));
    await registerVersion(server, "fraud", 2, { runId });
    const res = await call(server, "POST", `${B}/fraud/2/build`, { from: "dataset" }, adminHeaders);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.message, /with auth on, the server reads no local path a run names/);
  });

  it("takes labels from serving accounts and the model's engineers, not from readers or data scientists", async () => {
    const labels = { deployment: "fraud-prod", labels: [{ request_id: "r1", label: 1 }] };
    const serving = await userWithRole(server, "serving-1", "service");
    const engineer = await userWithRole(server, "eli", "ml-engineer");
    assert.equal((await call(server, "POST", L, labels, serving)).status, 200);
    assert.equal((await call(server, "POST", L, labels, engineer)).status, 200);
    for (const role of ["reader", "data-scientist"]) {
      const res = await call(server, "POST", L, labels, await userWithRole(server, `u-${role}`, role));
      assert.equal(res.status, 403, role);
    }
  });
});
