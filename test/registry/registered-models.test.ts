import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { API, modelWithVersions } from "./registry-fixtures.js";

for (const backend of BACKENDS) {
  describe(`registered models on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(async () => server.close());

    it("creates a model with tags and a description, and reads it back as MLflow returns it", async () => {
      const res = await call(server, "POST", `${API}/registered-models/create`, {
        name: "fraud-detector",
        description: "Scores card transactions",
        tags: [{ key: "team", value: "risk" }],
      });
      assert.equal(res.status, 200);
      const got = await call(server, "GET", `${API}/registered-models/get`, { name: "fraud-detector" });
      const m = got.body.registered_model;
      assert.equal(m.name, "fraud-detector");
      assert.equal(m.description, "Scores card transactions");
      assert.deepEqual(m.tags, [{ key: "team", value: "risk" }]);
      // Empty lists are left out, as MLflow's protobuf-JSON does; no user_id for an anonymous caller.
      assert.equal(m.latest_versions, undefined);
      assert.equal(m.aliases, undefined);
      assert.equal(m.user_id, undefined);
      assert.equal(typeof m.creation_timestamp, "number");
    });

    it("a duplicate name is RESOURCE_ALREADY_EXISTS with HTTP 400", async () => {
      const res = await call(server, "POST", `${API}/registered-models/create`, { name: "fraud-detector" });
      assert.equal(res.status, 400);
      assert.equal(res.body.error_code, "RESOURCE_ALREADY_EXISTS");
    });

    it("an unknown model is 404 RESOURCE_DOES_NOT_EXIST for get, update, rename and delete", async () => {
      for (const [method, route, args] of [
        ["GET", "registered-models/get", { name: "ghost" }],
        ["PATCH", "registered-models/update", { name: "ghost", description: "x" }],
        ["POST", "registered-models/rename", { name: "ghost", new_name: "ghost2" }],
        ["DELETE", "registered-models/delete", { name: "ghost" }],
        ["POST", "registered-models/set-tag", { name: "ghost", key: "k", value: "v" }],
      ] as const) {
        const res = await call(server, method, `${API}/${route}`, args);
        assert.equal(res.status, 404, route);
        assert.equal(res.body.error_code, "RESOURCE_DOES_NOT_EXIST", route);
      }
    });

    it("an empty or URI-breaking name is refused with 400", async () => {
      for (const name of ["", "a/b", "x@y"]) {
        const res = await call(server, "POST", `${API}/registered-models/create`, { name });
        assert.equal(res.status, 400, name);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      }
    });

    it("renaming moves the versions with the model, and the old name is gone", async () => {
      await modelWithVersions(server, "old-name", 2);
      const res = await call(server, "POST", `${API}/registered-models/rename`, {
        name: "old-name",
        new_name: "new-name",
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.registered_model.name, "new-name");
      const v = await call(server, "GET", `${API}/model-versions/get`, { name: "new-name", version: "2" });
      assert.equal(v.status, 200);
      assert.equal(v.body.model_version.name, "new-name");
      assert.equal(
        (await call(server, "GET", `${API}/registered-models/get`, { name: "old-name" })).status,
        404,
      );
    });

    it("renaming onto an existing name is RESOURCE_ALREADY_EXISTS", async () => {
      await call(server, "POST", `${API}/registered-models/create`, { name: "taken" });
      const res = await call(server, "POST", `${API}/registered-models/rename`, {
        name: "new-name",
        new_name: "taken",
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.error_code, "RESOURCE_ALREADY_EXISTS");
    });

    it("updates the description and sets and deletes tags", async () => {
      await call(server, "PATCH", `${API}/registered-models/update`, {
        name: "taken",
        description: "now described",
      });
      await call(server, "POST", `${API}/registered-models/set-tag`, {
        name: "taken",
        key: "owner",
        value: "ana",
      });
      await call(server, "POST", `${API}/registered-models/set-tag`, {
        name: "taken",
        key: "owner",
        value: "bo",
      });
      await call(server, "POST", `${API}/registered-models/set-tag`, {
        name: "taken",
        key: "risk",
        value: "high",
      });
      await call(server, "DELETE", `${API}/registered-models/delete-tag`, { name: "taken", key: "risk" });
      const m = (await call(server, "GET", `${API}/registered-models/get`, { name: "taken" })).body
        .registered_model;
      assert.equal(m.description, "now described");
      assert.deepEqual(m.tags, [{ key: "owner", value: "bo" }]);
    });

    it("latest_versions lists the newest version per stage, without aliases (the model lists them)", async () => {
      await modelWithVersions(server, "with-latest", 3);
      await call(server, "POST", `${API}/model-versions/transition-stage`, {
        name: "with-latest",
        version: "1",
        stage: "Production",
        archive_existing_versions: false,
      });
      await call(server, "POST", `${API}/registered-models/alias`, {
        name: "with-latest",
        alias: "champion",
        version: "1",
      });
      const m = (await call(server, "GET", `${API}/registered-models/get`, { name: "with-latest" })).body
        .registered_model;
      const byStage = Object.fromEntries(
        m.latest_versions.map((v: { current_stage: string; version: string }) => [
          v.current_stage,
          v.version,
        ]),
      );
      assert.deepEqual(byStage, { Production: "1", None: "3" });
      const prod = m.latest_versions.find((v: { current_stage: string }) => v.current_stage === "Production");
      assert.equal(prod.aliases, undefined);
      assert.deepEqual(m.aliases, [{ alias: "champion", version: "1" }]);
      assert.equal(prod.status, "READY");
    });

    it("deleting a model removes it with its versions and aliases", async () => {
      const res = await call(server, "DELETE", `${API}/registered-models/delete`, { name: "with-latest" });
      assert.equal(res.status, 200);
      assert.equal(
        (await call(server, "GET", `${API}/registered-models/get`, { name: "with-latest" })).status,
        404,
      );
      const versions = await call(server, "GET", `${API}/model-versions/search`, {
        filter: "name='with-latest'",
      });
      assert.deepEqual(versions.body.model_versions ?? [], []);
    });

    it("every change is audited in the same transaction, with the actor and request id", async () => {
      const rows = await server.app.database.db
        .selectFrom("audit_events")
        .selectAll()
        .where("target_id", "=", "fraud-detector")
        .execute();
      assert.deepEqual(
        rows.map((r) => r.action),
        ["registered_model.create"],
      );
      assert.equal(rows[0]!.actor, "anonymous");
      assert.ok(rows[0]!.request_id.length > 0);
      const failed = await server.app.database.db
        .selectFrom("audit_events")
        .select("id")
        .where("target_id", "=", "ghost")
        .execute();
      assert.equal(failed.length, 0);
    });

    it("model versions: update description, set and delete tags, 404 for an unknown version", async () => {
      await modelWithVersions(server, "mv-edit", 1);
      const upd = await call(server, "PATCH", `${API}/model-versions/update`, {
        name: "mv-edit",
        version: "1",
        description: "first cut",
      });
      assert.equal(upd.body.model_version.description, "first cut");
      await call(server, "POST", `${API}/model-versions/set-tag`, {
        name: "mv-edit",
        version: "1",
        key: "k",
        value: "v",
      });
      await call(server, "POST", `${API}/model-versions/set-tag`, {
        name: "mv-edit",
        version: "1",
        key: "x",
        value: "y",
      });
      await call(server, "DELETE", `${API}/model-versions/delete-tag`, {
        name: "mv-edit",
        version: "1",
        key: "x",
      });
      const got = await call(server, "GET", `${API}/model-versions/get`, { name: "mv-edit", version: "1" });
      assert.deepEqual(got.body.model_version.tags, [{ key: "k", value: "v" }]);
      const missing = await call(server, "GET", `${API}/model-versions/get`, {
        name: "mv-edit",
        version: "7",
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error_code, "RESOURCE_DOES_NOT_EXIST");
      const bad = await call(server, "GET", `${API}/model-versions/get`, { name: "mv-edit", version: "one" });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error_code, "INVALID_PARAMETER_VALUE");
    });
  });
}
