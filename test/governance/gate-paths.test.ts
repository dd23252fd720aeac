// A version below a gate's threshold cannot reach a protected target by any path: the MLflow REST API the client
// uses, the ajax-api the web UI uses, an alias move, an approved transition request (native API and CLI) and
// `flowgate models transition`. Each refusal names the gate and the shortfall, and the version stays where it was.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { runFlowgate } from "../support/cli.js";
import { call, type TestServer } from "../support/test-server.js";
import { adminHeaders, STRONG_PASSWORD, startAuthServer, userWithRole } from "./auth-support.js";
import { registerVersion, runWithMetrics } from "./registry-fixture.js";

const SHORTFALL = /gate 'f1-floor': val_f1 = 0\.81 but must be >= 0\.85: off by 0\.04/;
const POLICY = `
protected: {stages: [Production], aliases: [champion]}
require_reason: false
gates:
  - {name: f1-floor, type: metric, check: "val_f1 >= 0.85"}
`;

for (const backend of BACKENDS) {
  describe(`a failing gate on every promotion path on ${backend.name}`, () => {
    let server: TestServer;
    let alice: Record<string, string>;
    let rita: Record<string, string>;
    const ritaEnv = { MLFLOW_TRACKING_USERNAME: "rita", MLFLOW_TRACKING_PASSWORD: STRONG_PASSWORD };

    before(async () => {
      server = await startAuthServer(backend);
      alice = await userWithRole(server, "alice", "data-scientist");
      rita = await userWithRole(server, "rita", "release-manager");
      const set = await call(
        server,
        "PUT",
        "/api/flowgate/v1/models/credit/policy",
        { document: POLICY },
        adminHeaders,
      );
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const runId = await runWithMetrics(server, { val_f1: 0.81 }, alice);
      await registerVersion(server, "credit", 1, { runId, creator: "alice" });
    });
    after(async () => server.close());

    async function stage(): Promise<string> {
      const v = await call(
        server,
        "GET",
        "/api/2.0/mlflow/model-versions/get",
        { name: "credit", version: "1" },
        rita,
      );
      return v.body.model_version.current_stage as string;
    }

    for (const [path, prefix] of [
      ["the MLflow REST API", "/api/2.0/mlflow"],
      ["the web UI's ajax-api", "/ajax-api/2.0/mlflow"],
    ] as const) {
      it(`refuses a stage transition through ${path}`, async () => {
        const res = await call(
          server,
          "POST",
          `${prefix}/model-versions/transition-stage`,
          { name: "credit", version: "1", stage: "Production", archive_existing_versions: true },
          rita,
        );
        assert.equal(res.status, 400);
        assert.equal(res.body.error_code, "INVALID_STATE");
        assert.match(res.body.message, SHORTFALL);
        assert.equal(await stage(), "None");
      });
    }

    it("refuses moving the protected alias", async () => {
      const res = await call(
        server,
        "POST",
        "/api/2.0/mlflow/registered-models/alias",
        { name: "credit", alias: "champion", version: "1" },
        rita,
      );
      assert.equal(res.status, 400);
      assert.match(res.body.message, SHORTFALL);
    });

    it("refuses applying an approved transition request (native API); the request stays pending", async () => {
      const created = await call(
        server,
        "POST",
        "/api/flowgate/v1/transition-requests",
        { name: "credit", version: 1, stage: "Production", reason: "ready" },
        alice,
      );
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const id = String(created.body.request.id);
      const approved = await call(
        server,
        "POST",
        `/api/flowgate/v1/transition-requests/${id}/approve`,
        {},
        rita,
      );
      assert.equal(approved.status, 400);
      assert.match(approved.body.message, SHORTFALL);
      const after = await call(server, "GET", `/api/flowgate/v1/transition-requests/${id}`, {}, rita);
      assert.equal(after.body.request.status, "pending");
      assert.equal(await stage(), "None");

      const cli = await runFlowgate(server, ["requests", "approve", id], ritaEnv);
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, SHORTFALL);
    });

    it("refuses `flowgate models transition` with the same message and a non-zero exit", async () => {
      const cli = await runFlowgate(server, ["models", "transition", "credit", "1", "Production"], ritaEnv);
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, /INVALID_STATE/);
      assert.match(cli.stderr, SHORTFALL);
      assert.equal(await stage(), "None");
    });
  });
}
