// `flowgate gates evaluate --check`, the release pipeline's first step: exit 1 while a gate fails, 0 once every
// gate passes, against a real server.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BACKENDS } from "../../support/backends.js";
import { runFlowgate } from "../../support/cli.js";
import { seedRun } from "../../support/seed-run.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";

describe("flowgate gates evaluate --check", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(BACKENDS[0] as (typeof BACKENDS)[number]);
    const policy = {
      protected: { stages: ["Production"] },
      gates: [{ type: "required_tags", tags: ["git_commit"] }],
    };
    const put = await call(server, "PUT", "/api/flowgate/v1/models/fraud/policy", {
      document: JSON.stringify(policy),
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await call(server, "POST", "/api/2.0/mlflow/registered-models/create", { name: "fraud" });
    const run = await seedRun(server);
    const created = await call(server, "POST", "/api/2.0/mlflow/model-versions/create", {
      name: "fraud",
      source: `runs:/${run.runId}/model`,
      run_id: run.runId,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  });
  after(() => server?.close());

  test("exits 1 while a gate fails and 0 once every gate passes", async () => {
    const args = ["gates", "evaluate", "fraud", "1", "--stage", "Production", "--check"];
    const failing = await runFlowgate(server, args);
    assert.equal(failing.code, 1, failing.stderr);
    assert.equal(JSON.parse(failing.stdout).passed, false);
    await call(server, "POST", "/api/2.0/mlflow/model-versions/set-tag", {
      name: "fraud",
      version: "1",
      key: "git_commit",
      value: "abc123",
    });
    const passing = await runFlowgate(server, args);
    assert.equal(passing.code, 0, passing.stderr);
    assert.equal(JSON.parse(passing.stdout).passed, true);
  });
});
