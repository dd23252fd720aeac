import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseModelUri } from "../../src/registry/model-uri.js";
import { FlowgateError } from "../../src/core/errors.js";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { API, modelWithVersions, seedLoggedModel, seedRun } from "./registry-fixtures.js";

describe("model URI parsing", () => {
  it("understands every form MLflow does", () => {
    assert.deepEqual(parseModelUri("models:/fraud/3"), { kind: "version", name: "fraud", version: 3 });
    assert.deepEqual(parseModelUri("models:/fraud/production"), {
      kind: "stage",
      name: "fraud",
      stage: "Production",
    });
    assert.deepEqual(parseModelUri("models:/fraud/Latest"), { kind: "latest", name: "fraud" });
    assert.deepEqual(parseModelUri("models:/fraud@champion"), {
      kind: "alias",
      name: "fraud",
      alias: "champion",
    });
    assert.deepEqual(parseModelUri("models:/m-0123456789abcdef0123456789abcdef"), {
      kind: "logged-model",
      modelId: "m-0123456789abcdef0123456789abcdef",
    });
    assert.deepEqual(parseModelUri("runs:/abc123/model"), { kind: "run", runId: "abc123", path: "model" });
    assert.deepEqual(parseModelUri("mlflow-artifacts:/1/abc/artifacts/model"), {
      kind: "artifacts",
      path: "1/abc/artifacts/model",
    });
  });

  for (const bad of [
    "models:/fraud",
    "models:/fraud/3/extra",
    "models:/fraud/Prod",
    "models://profile/fraud/1",
    "models:/m/1;id>/tmp/x",
    "models:/$(id)/1",
    "models:/`id`/1",
    "runs:/abc/../../etc",
    "runs:/abc/%2e%2e/x",
    "file:///etc/passwd",
    "s3://bucket/key",
    "/abs/path",
  ]) {
    it(`refuses '${bad}' with INVALID_PARAMETER_VALUE`, () => {
      assert.throws(
        () => parseModelUri(bad),
        (e: unknown) => e instanceof FlowgateError && e.code === "INVALID_PARAMETER_VALUE",
      );
    });
  }
});

for (const backend of BACKENDS) {
  describe(`model URI resolution on ${backend.name}`, () => {
    let server: TestServer;
    let source: string;
    before(async () => {
      server = await startTestServer(backend);
      source = (await modelWithVersions(server, "fraud", 3)).source;
      await call(server, "POST", `${API}/model-versions/transition-stage`, {
        name: "fraud",
        version: "2",
        stage: "Production",
      });
      await call(server, "POST", `${API}/registered-models/alias`, {
        name: "fraud",
        alias: "champion",
        version: "1",
      });
    });
    after(async () => server.close());

    const resolve = (uri: string) => call(server, "GET", "/api/flowgate/v1/model-uris/resolve", { uri });

    it("resolves a version, a stage, latest and an alias to the version's storage location", async () => {
      const cases: Array<[string, string]> = [
        ["models:/fraud/3", "3"],
        ["models:/fraud/Production", "2"],
        ["models:/fraud/production", "2"],
        ["models:/fraud/latest", "3"],
        ["models:/fraud@champion", "1"],
      ];
      for (const [uri, version] of cases) {
        const res = await resolve(uri);
        assert.equal(res.status, 200, uri);
        assert.equal(res.body.version, version, uri);
        assert.equal(res.body.name, "fraud");
        assert.equal(res.body.storage_uri, source);
      }
    });

    it("resolves runs:/ and models:/m-… to the run's and logged model's artifacts", async () => {
      const run = await seedRun(server);
      const logged = await seedLoggedModel(server, run);
      const byRun = await resolve(`runs:/${run.runId}/model`);
      assert.equal(byRun.body.storage_uri, `${run.artifactUri}/model`);
      assert.equal(byRun.body.run_id, run.runId);
      const byModel = await resolve(`models:/${logged.modelId}`);
      assert.equal(byModel.body.storage_uri, logged.artifactUri);
      assert.equal(byModel.body.run_id, run.runId);
    });

    it("an unknown model, version or stage is 404 RESOURCE_DOES_NOT_EXIST; an unknown alias 400, as MLflow", async () => {
      for (const uri of ["models:/ghost/1", "models:/fraud/9", "models:/fraud/Staging"]) {
        const res = await resolve(uri);
        assert.equal(res.status, 404, uri);
        assert.equal(res.body.error_code, "RESOURCE_DOES_NOT_EXIST");
      }
      const alias = await resolve("models:/fraud@nobody");
      assert.equal(alias.status, 400);
      assert.equal(alias.body.error_code, "INVALID_PARAMETER_VALUE");
    });

    it("a hostile URI is 400", async () => {
      const res = await resolve("models:/fraud/1;rm -rf /");
      assert.equal(res.status, 400);
      assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
    });
  });
}
