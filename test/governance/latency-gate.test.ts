// The max_latency gate: before a protected promotion, Flowgate runs a serving smoke benchmark of the version (its
// real files, loaded by the serving runtimes, one request at a time), stores it, and the gate compares its p99
// with the policy's limit. A version too slow, or one that cannot be served at all, cannot get in; the error says
// what was measured and by how much it missed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { modelDir } from "../serving/support/serving-fixtures.js";

const MLFLOW = "/api/2.0/mlflow";
const NATIVE = "/api/flowgate/v1";

function policy(p99Ms: number): string {
  return `
protected:
  stages: [Production]
  aliases: [champion]
require_reason: false
gates:
  - name: p99-budget
    type: max_latency
    p99_ms: ${p99Ms}
`;
}

/** Logs a run, puts `files` (a model directory, or nothing) in its artifacts and registers version 1 from it. */
async function registerModel(server: TestServer, name: string, files: string | undefined): Promise<void> {
  const run = await call(server, "POST", `${MLFLOW}/runs/create`, { experiment_id: "0" });
  const runId: string = run.body.run.info.run_id;
  const dest = path.join(server.artifactRoot, "0", runId, "artifacts", "model");
  mkdirSync(dest, { recursive: true });
  if (files === undefined) writeFileSync(path.join(dest, "README.txt"), "not a model");
  else cpSync(files, dest, { recursive: true });
  assert.equal((await call(server, "POST", `${MLFLOW}/registered-models/create`, { name })).status, 200);
  const v = await call(server, "POST", `${MLFLOW}/model-versions/create`, {
    name,
    source: `mlflow-artifacts:/0/${runId}/artifacts/model`,
    run_id: runId,
  });
  assert.equal(v.status, 200, JSON.stringify(v.body));
}

async function measurements(server: TestServer, name: string): Promise<number> {
  const rows = await server.app.database.db
    .selectFrom("latency_measurements")
    .select("id")
    .where("model_name", "=", name)
    .execute();
  return rows.length;
}

for (const backend of BACKENDS) {
  describe(`max_latency gate on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
      const classifier = await modelDir("classifier");
      for (const [name, limit, files] of [
        ["fast", 5000, classifier],
        ["strict", 0.0001, classifier],
        ["broken", 5000, undefined],
      ] as const) {
        await registerModel(server, name, files);
        const res = await call(server, "PUT", `${NATIVE}/models/${name}/policy`, { document: policy(limit) });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
    });
    after(async () => server.close());

    it("measures the version before a protected promotion and lets it in when p99 is within the limit", async () => {
      const res = await call(server, "POST", `${MLFLOW}/model-versions/transition-stage`, {
        name: "fast",
        version: "1",
        stage: "Production",
        archive_existing_versions: false,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const evaluations = await call(server, "GET", `${NATIVE}/models/fast/versions/1/gate-evaluations`);
      const [latency] = evaluations.body.evaluations;
      assert.equal(latency.gate, "p99-budget");
      assert.equal(latency.passed, true);
      assert.match(
        latency.message,
        /serving p99 latency [\d.]+ ms \(p50 [\d.]+ ms, 200 requests, runtime onnx\) is within 5000 ms/,
      );
      assert.ok(latency.inputs.p99_ms > 0 && latency.inputs.p99_ms <= 5000);
      assert.ok(latency.inputs.p50_ms <= latency.inputs.p99_ms);
    });

    it("reuses the stored measurement: a version's files never change", async () => {
      const res = await call(server, "POST", `${MLFLOW}/registered-models/alias`, {
        name: "fast",
        alias: "champion",
        version: "1",
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(await measurements(server, "fast"), 1);
    });

    it("refuses a version slower than the limit by any path, saying what was measured and by how much it missed", async () => {
      const budgetMiss =
        /gate 'p99-budget': serving p99 latency ([\d.]+) ms .* exceeds the limit 0\.0001 ms by [\d.]+ ms/;
      const stage = await call(server, "POST", `${MLFLOW}/model-versions/transition-stage`, {
        name: "strict",
        version: "1",
        stage: "Production",
        archive_existing_versions: false,
      });
      assert.equal(stage.status, 400);
      assert.equal(stage.body.error_code, "INVALID_STATE");
      assert.match(stage.body.message, budgetMiss);
      const alias = await call(server, "POST", `${MLFLOW}/registered-models/alias`, {
        name: "strict",
        alias: "champion",
        version: "1",
      });
      assert.equal(alias.status, 400);
      assert.match(alias.body.message, budgetMiss);
      const ui = await call(server, "POST", "/ajax-api/2.0/mlflow/model-versions/transition-stage", {
        name: "strict",
        version: "1",
        stage: "Production",
        archive_existing_versions: true,
      });
      assert.equal(ui.status, 400, JSON.stringify(ui.body));
      assert.match(ui.body.message, budgetMiss);
      const evaluated = await call(server, "POST", `${NATIVE}/models/strict/versions/1/evaluate-gates`, {
        stage: "Production",
      });
      assert.equal(evaluated.status, 200);
      assert.equal(evaluated.body.passed, false);
      assert.match(evaluated.body.results[0].message, /exceeds the limit 0\.0001 ms/);
      assert.equal(await measurements(server, "strict"), 1, "one benchmark serves every attempt");
      const version = await call(server, "GET", `${MLFLOW}/model-versions/get`, {
        name: "strict",
        version: "1",
      });
      assert.equal(version.body.model_version.current_stage, "None");
    });

    it("a version that cannot be served fails the gate with the reason, and is measured again next time", async () => {
      const res = await call(server, "POST", `${MLFLOW}/model-versions/transition-stage`, {
        name: "broken",
        version: "1",
        stage: "Production",
        archive_existing_versions: false,
      });
      assert.equal(res.status, 400);
      assert.match(
        res.body.message,
        /gate 'p99-budget': the serving smoke benchmark of version 1 could not run: No MLmodel file/,
      );
      await call(server, "POST", `${NATIVE}/models/broken/versions/1/evaluate-gates`, {
        stage: "Production",
      });
      assert.equal(await measurements(server, "broken"), 2);
    });
  });
}
