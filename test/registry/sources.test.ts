import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { API, seedLoggedModel, seedRun } from "./registry-fixtures.js";
import { HOSTILE_SOURCES } from "../support/hostile-sources.js";

// hostile-inputs.md section B (and C.20/C.21, G.39): every source that does not land inside this
// server's artifact store is refused with 400 INVALID_PARAMETER_VALUE, and no version is created.

for (const backend of BACKENDS) {
  describe(`model version sources on ${backend.name}`, () => {
    let server: TestServer;
    let run: Awaited<ReturnType<typeof seedRun>>;
    before(async () => {
      server = await startTestServer(backend);
      run = await seedRun(server);
      await call(server, "POST", `${API}/registered-models/create`, { name: "target" });
    });
    after(async () => server.close());

    for (const source of HOSTILE_SOURCES) {
      it(`refuses source ${JSON.stringify(source)} with 400 INVALID_PARAMETER_VALUE`, async () => {
        const res = await call(server, "POST", `${API}/model-versions/create`, {
          name: "target",
          source,
          run_id: run.runId,
        });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      });
    }

    it("no version was created by any refused source", async () => {
      const res = await call(server, "GET", `${API}/model-versions/search`, { filter: "name = 'target'" });
      assert.deepEqual(res.body.model_versions ?? [], []);
    });

    it("accepts an mlflow-artifacts source inside the store and hands it back as the download URI", async () => {
      const source = `${run.artifactUri}/model`;
      const res = await call(server, "POST", `${API}/model-versions/create`, {
        name: "target",
        source,
        run_id: run.runId,
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.model_version.source, source);
      const uri = await call(server, "GET", `${API}/model-versions/get-download-uri`, {
        name: "target",
        version: res.body.model_version.version,
      });
      assert.equal(uri.body.artifact_uri, source);
    });

    it("accepts runs:/<run_id>/model: a reference, stored and handed out as sent (the client resolves it)", async () => {
      const res = await call(server, "POST", `${API}/model-versions/create`, {
        name: "target",
        source: `runs:/${run.runId}/model`,
      });
      assert.equal(res.status, 200);
      // run_id is the request's, as MLflow stores it: none sent, none stored.
      assert.equal(res.body.model_version.run_id, "");
      const uri = await call(server, "GET", `${API}/model-versions/get-download-uri`, {
        name: "target",
        version: res.body.model_version.version,
      });
      assert.equal(uri.body.artifact_uri, `runs:/${run.runId}/model`);
      const resolved = await call(server, "GET", "/api/flowgate/v1/model-uris/resolve", {
        uri: `models:/target/${res.body.model_version.version}`,
      });
      assert.equal(resolved.body.storage_uri, `${run.artifactUri}/model`);
    });

    it("a 3.x models:/m-… source keeps its source, downloads from the logged model and carries its run", async () => {
      const logged = await seedLoggedModel(server, run);
      const res = await call(server, "POST", `${API}/model-versions/create`, {
        name: "target",
        source: `models:/${logged.modelId}`,
        model_id: logged.modelId,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const mv = res.body.model_version;
      assert.equal(mv.source, `models:/${logged.modelId}`);
      assert.equal(mv.model_id, logged.modelId);
      assert.equal(mv.run_id, run.runId);
      const uri = await call(server, "GET", `${API}/model-versions/get-download-uri`, {
        name: "target",
        version: mv.version,
      });
      assert.equal(uri.body.artifact_uri, logged.artifactUri);
      const tag = await server.app.database.db
        .selectFrom("logged_model_tags")
        .select("value")
        .where("model_id", "=", logged.modelId)
        .where("key", "=", "mlflow.modelVersions")
        .executeTakeFirstOrThrow();
      // As MLflow's server writes it: Python's json.dumps, the version an integer.
      assert.equal(tag.value, `[{"name": "target", "version": ${mv.version}}]`);
    });

    it("a models:/<name>/<version> copy downloads from the original's source", async () => {
      const res = await call(server, "POST", `${API}/model-versions/create`, {
        name: "target",
        source: "models:/target/1",
      });
      assert.equal(res.status, 200);
      const uri = await call(server, "GET", `${API}/model-versions/get-download-uri`, {
        name: "target",
        version: res.body.model_version.version,
      });
      // Version 1 was registered from the run's mlflow-artifacts: location.
      assert.equal(uri.body.artifact_uri, `${run.artifactUri}/model`);
    });

    it("with a run_id, the files must lie in that run's experiment, and never be the whole store", async () => {
      const elsewhere = await seedRun(server);
      for (const source of [
        `${elsewhere.artifactUri}/model`,
        "mlflow-artifacts:/",
        `mlflow-artifacts:/${elsewhere.experimentId}`,
      ]) {
        const res = await call(server, "POST", `${API}/model-versions/create`, {
          name: "target",
          source,
          run_id: run.runId,
        });
        assert.equal(res.status, 400, source);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      }
    });

    it("a runs:/ source whose run does not exist is stored as sent; reading where it is then answers 404", async () => {
      const ghost = "runs:/0123456789abcdef0123456789abcdef/model";
      const res = await call(server, "POST", `${API}/model-versions/create`, {
        name: "target",
        source: ghost,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.model_version.source, ghost);
      assert.equal(res.body.model_version.run_id, "");
      const version = res.body.model_version.version;
      const uri = await call(server, "GET", `${API}/model-versions/get-download-uri`, {
        name: "target",
        version,
      });
      assert.equal(uri.body.artifact_uri, ghost);
      const resolved = await call(server, "GET", "/api/flowgate/v1/model-uris/resolve", {
        uri: `models:/target/${version}`,
      });
      assert.equal(resolved.status, 404);
      assert.equal(resolved.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });

    it("a runs:/ source may name another run than run_id (lineage is the caller's to state)", async () => {
      const other = await seedRun(server);
      const res = await call(server, "POST", `${API}/model-versions/create`, {
        name: "target",
        source: `runs:/${other.runId}/model`,
        run_id: run.runId,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.model_version.run_id, run.runId);
      assert.equal(res.body.model_version.source, `runs:/${other.runId}/model`);
    });
  });
}
