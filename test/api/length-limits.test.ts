// MLflow's length limits hold on every route that stores the value (create as well as update), and an error
// about a huge value quotes at most a short prefix of it. Real server, SQLite and PostgreSQL.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { rawRequest } from "../support/raw-http.js";

const API = "/api/2.0/mlflow";
const MB = 1024 * 1024;

for (const backend of BACKENDS) {
  describe(`length limits (${backend.name})`, () => {
    let server: TestServer;
    let experimentId: string;
    let runId: string;
    before(async () => {
      server = await startTestServer(backend);
      experimentId = (await call(server, "POST", `${API}/experiments/create`, { name: "limits" })).body
        .experiment_id as string;
      runId = (await call(server, "POST", `${API}/runs/create`, { experiment_id: experimentId })).body.run
        .info.run_id as string;
      await call(server, "POST", `${API}/registered-models/create`, { name: "m" });
      const version = await call(server, "POST", `${API}/model-versions/create`, {
        name: "m",
        source: `runs:/${runId}/model`,
        run_id: runId,
      });
      assert.equal(version.status, 200, version.body.message);
    });
    after(() => server.close());

    async function runCount(): Promise<number> {
      const res = await call(server, "POST", `${API}/runs/search`, { experiment_ids: [experimentId] });
      return (res.body.runs ?? []).length as number;
    }

    it("refuses a run name over 8,000 characters on create, as on update (the mlflow.runName tag's limit)", async () => {
      const before = await runCount();
      for (const length of [MB, 8001]) {
        const res = await call(server, "POST", `${API}/runs/create`, {
          experiment_id: experimentId,
          run_name: "x".repeat(length),
        });
        assert.equal(res.status, 400);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
        assert.match(res.body.message, /run_name.*8000/);
        assert.ok(JSON.stringify(res.body).length < 1000);
      }
      assert.equal(await runCount(), before);
      const ok = await call(server, "POST", `${API}/runs/create`, {
        experiment_id: experimentId,
        run_name: "x".repeat(8000),
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.run.info.run_name.length, 8000);
    });

    it("refuses model and version descriptions over 5,000 characters (MLflow's column size), storing nothing", async () => {
      const long = "d".repeat(MB);
      const refusals: Array<[string, string, Record<string, unknown>]> = [
        ["POST", `${API}/registered-models/create`, { name: "described", description: long }],
        ["PATCH", `${API}/registered-models/update`, { name: "m", description: "d".repeat(5001) }],
        [
          "POST",
          `${API}/model-versions/create`,
          { name: "m", source: `runs:/${runId}/model`, description: long },
        ],
        ["PATCH", `${API}/model-versions/update`, { name: "m", version: "1", description: "d".repeat(5001) }],
      ];
      for (const [method, route, body] of refusals) {
        const res = await call(server, method as "POST", route, body);
        assert.equal(res.status, 400, `${route}: ${res.status}`);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
        assert.match(res.body.message, /at most 5000 characters/);
      }
      const model = await call(server, "GET", `${API}/registered-models/get`, { name: "m" });
      assert.equal(model.body.registered_model.description ?? "", "");
      const versions = await call(server, "GET", `${API}/model-versions/search`, { filter: "name = 'm'" });
      assert.equal(versions.body.model_versions.length, 1);
      assert.equal(
        (await call(server, "GET", `${API}/registered-models/get`, { name: "described" })).status,
        404,
      );
      const ok = await call(server, "PATCH", `${API}/registered-models/update`, {
        name: "m",
        description: "d".repeat(5000),
      });
      assert.equal(ok.status, 200);
    });

    it("quotes at most a short prefix of a huge wrong-typed or invalid value", async () => {
      const huge = "x".repeat(3 * MB);
      const requests: Array<[string, unknown]> = [
        [`${API}/runs/log-metric`, { run_id: runId, key: "m", value: huge, timestamp: 1 }],
        [`${API}/runs/log-metric`, { run_id: runId, key: "m", value: 1, timestamp: huge }],
        [`${API}/runs/set-tag`, { run_id: runId, key: "k", value: { nested: huge } }],
        [`${API}/runs/set-tag`, { run_id: runId, key: huge, value: "v" }],
        [`${API}/runs/search`, { experiment_ids: [experimentId], filter: `params.${huge}` }],
        [`${API}/runs/search`, { experiment_ids: [experimentId], page_token: huge }],
        [`${API}/experiments/create`, { name: huge }],
        [`${API}/registered-models/create`, { name: `${huge}/` }],
      ];
      for (const [route, body] of requests) {
        const res = await rawRequest(server.url, "POST", route, JSON.stringify(body), {
          "content-type": "application/json",
        });
        assert.equal(res.status, 400, `${route}: ${res.status} ${res.body.slice(0, 200)}`);
        assert.ok(
          res.body.length < 1000,
          `${route} echoed ${res.body.length} bytes: ${res.body.slice(0, 200)}`,
        );
      }
    });
  });
}
