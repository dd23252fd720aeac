import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { API, modelWithVersions, seedRun } from "./registry-fixtures.js";

for (const backend of BACKENDS) {
  describe(`version numbers on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(async () => server.close());

    it("32 clients registering at once get versions 1..32, with no errors", async () => {
      const run = await seedRun(server);
      await call(server, "POST", `${API}/registered-models/create`, { name: "fraud-detector" });
      const results = await Promise.all(
        Array.from({ length: 32 }, () =>
          call(server, "POST", `${API}/model-versions/create`, {
            name: "fraud-detector",
            source: `${run.artifactUri}/model`,
            run_id: run.runId,
          }),
        ),
      );
      for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
      const versions = results.map((r) => Number(r.body.model_version.version)).sort((a, b) => a - b);
      assert.deepEqual(
        versions,
        Array.from({ length: 32 }, (_, i) => i + 1),
      );
      for (const r of results) assert.equal(r.body.model_version.status, "READY");
    });

    it("each model numbers its own versions from 1", async () => {
      await modelWithVersions(server, "churn", 2);
      const other = await modelWithVersions(server, "ranker", 1);
      const res = await call(server, "GET", `${API}/model-versions/get`, { name: "ranker", version: "1" });
      assert.equal(res.status, 200);
      assert.equal(res.body.model_version.source, other.source);
    });

    it("a deleted version's number is never given again", async () => {
      const { source, runId } = await modelWithVersions(server, "recycler", 3);
      assert.equal(
        (await call(server, "DELETE", `${API}/model-versions/delete`, { name: "recycler", version: "3" }))
          .status,
        200,
      );
      const next = await call(server, "POST", `${API}/model-versions/create`, {
        name: "recycler",
        source,
        run_id: runId,
      });
      assert.equal(next.body.model_version.version, "4");
      const gone = await call(server, "GET", `${API}/model-versions/get`, { name: "recycler", version: "3" });
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });

    it("registering into a model that does not exist is a 404", async () => {
      const run = await seedRun(server);
      const res = await call(server, "POST", `${API}/model-versions/create`, {
        name: "nope",
        source: `${run.artifactUri}/model`,
      });
      assert.equal(res.status, 404);
      assert.equal(res.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });
  });
}
