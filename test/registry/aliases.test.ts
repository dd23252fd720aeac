import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { API, modelWithVersions } from "./registry-fixtures.js";

for (const backend of BACKENDS) {
  describe(`aliases on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
      await modelWithVersions(server, "recommender", 3);
    });
    after(async () => server.close());

    const setAlias = (alias: string, version: string) =>
      call(server, "POST", `${API}/registered-models/alias`, { name: "recommender", alias, version });
    const byAlias = (alias: string) =>
      call(server, "GET", `${API}/registered-models/alias`, { name: "recommender", alias });

    it("a team points champion at version 1 and reads it back by alias", async () => {
      assert.equal((await setAlias("champion", "1")).status, 200);
      const res = await byAlias("champion");
      assert.equal(res.status, 200);
      assert.equal(res.body.model_version.version, "1");
      assert.deepEqual(res.body.model_version.aliases, ["champion"]);
    });

    it("challenger and shadow point at newer versions, and the model lists every alias", async () => {
      await setAlias("challenger", "2");
      await setAlias("shadow", "3");
      const model = await call(server, "GET", `${API}/registered-models/get`, { name: "recommender" });
      assert.deepEqual(model.body.registered_model.aliases, [
        { alias: "challenger", version: "2" },
        { alias: "champion", version: "1" },
        { alias: "shadow", version: "3" },
      ]);
    });

    it("setting champion again moves it: version 2 becomes champion, version 1 loses it", async () => {
      await setAlias("champion", "2");
      assert.equal((await byAlias("champion")).body.model_version.version, "2");
      const v1 = await call(server, "GET", `${API}/model-versions/get`, {
        name: "recommender",
        version: "1",
      });
      assert.equal(v1.body.model_version.aliases, undefined, "no aliases: left out, as protobuf-JSON does");
      const v2 = await call(server, "GET", `${API}/model-versions/get`, {
        name: "recommender",
        version: "2",
      });
      assert.deepEqual(v2.body.model_version.aliases, ["challenger", "champion"]);
    });

    it("while champion moves back and forth under load, every reader finds it on some version", async () => {
      const moves = Array.from({ length: 24 }, (_, i) => setAlias("champion", String((i % 2) + 1)));
      const reads = Array.from({ length: 24 }, () => byAlias("champion"));
      const [moved, read] = await Promise.all([Promise.all(moves), Promise.all(reads)]);
      for (const r of moved) assert.equal(r.status, 200);
      for (const r of read) {
        assert.equal(r.status, 200);
        assert.ok(["1", "2"].includes(r.body.model_version.version));
      }
      await setAlias("champion", "2");
      const model = await call(server, "GET", `${API}/registered-models/get`, { name: "recommender" });
      const champions = model.body.registered_model.aliases.filter(
        (a: { alias: string }) => a.alias === "champion",
      );
      assert.deepEqual(champions, [{ alias: "champion", version: "2" }]);
    });

    it("models:/recommender@champion resolves to the version the alias points at", async () => {
      const res = await call(server, "GET", "/api/flowgate/v1/model-uris/resolve", {
        uri: "models:/recommender@champion",
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.version, "2");
      assert.equal(res.body.alias, "champion");
    });

    it("deleting shadow removes it; asking for it afterwards is INVALID_PARAMETER_VALUE, as in MLflow", async () => {
      const del = await call(server, "DELETE", `${API}/registered-models/alias`, {
        name: "recommender",
        alias: "shadow",
      });
      assert.equal(del.status, 200);
      const res = await byAlias("shadow");
      assert.equal(res.status, 400);
      assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
    });

    it("deleting a version drops the aliases that pointed at it", async () => {
      await setAlias("shadow", "3");
      await call(server, "DELETE", `${API}/model-versions/delete`, { name: "recommender", version: "3" });
      assert.equal((await byAlias("shadow")).status, 400);
    });

    it("an unknown alias is 400 INVALID_PARAMETER_VALUE in MLflow's words", async () => {
      const res = await byAlias("nobody");
      assert.equal(res.status, 400);
      assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      assert.match(res.body.message, /^Registered model alias nobody not found\./);
    });

    it("an alias cannot point at a version that does not exist", async () => {
      const res = await setAlias("champion", "99");
      assert.equal(res.status, 404);
      assert.equal(res.body.error_code, "RESOURCE_DOES_NOT_EXIST");
      assert.equal((await byAlias("champion")).body.model_version.version, "2");
    });

    for (const bad of ["latest", "LATEST", "v1", "V42", "has space", "a/b", "dot.ted", "", "x".repeat(256)]) {
      it(`refuses the alias name '${bad.length > 20 ? `${bad.slice(0, 5)}…(${bad.length})` : bad}' with 400`, async () => {
        const res = await setAlias(bad, "1");
        assert.equal(res.status, 400);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      });
    }

    it("accepts MLflow-legal names with digits, dashes and underscores", async () => {
      assert.equal((await setAlias("blue-green_2", "1")).status, 200);
      assert.equal((await setAlias("v1a", "1")).status, 200);
    });
  });
}
