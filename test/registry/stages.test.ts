import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { API, modelWithVersions } from "./registry-fixtures.js";

for (const backend of BACKENDS) {
  describe(`stages on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(async () => server.close());

    const transition = (name: string, version: string, stage: string, archive = false) =>
      call(server, "POST", `${API}/model-versions/transition-stage`, {
        name,
        version,
        stage,
        archive_existing_versions: archive,
      });
    const stageOf = async (name: string, version: string): Promise<string> =>
      String(
        (await call(server, "GET", `${API}/model-versions/get`, { name, version })).body.model_version
          .current_stage,
      );

    it("accepts stages in any case and stores the canonical one", async () => {
      await modelWithVersions(server, "pricing", 1);
      const res = await transition("pricing", "1", "sTaGiNg");
      assert.equal(res.status, 200);
      assert.equal(res.body.model_version.current_stage, "Staging");
      assert.equal(
        (await transition("pricing", "1", "production")).body.model_version.current_stage,
        "Production",
      );
      assert.equal((await transition("pricing", "1", "NONE")).body.model_version.current_stage, "None");
    });

    it("archive_existing_versions archives only the versions in the target stage", async () => {
      await modelWithVersions(server, "scoring", 4);
      await transition("scoring", "1", "Production");
      await transition("scoring", "2", "Staging");
      await transition("scoring", "3", "Production");
      const res = await transition("scoring", "4", "Production", true);
      assert.equal(res.status, 200);
      assert.equal(await stageOf("scoring", "1"), "Archived");
      assert.equal(await stageOf("scoring", "2"), "Staging");
      assert.equal(await stageOf("scoring", "3"), "Archived");
      assert.equal(await stageOf("scoring", "4"), "Production");
    });

    it("without archive_existing_versions, two versions may share Production", async () => {
      await modelWithVersions(server, "twins", 2);
      await transition("twins", "1", "Production");
      await transition("twins", "2", "Production");
      assert.equal(await stageOf("twins", "1"), "Production");
      const latest = await call(server, "POST", `${API}/registered-models/get-latest-versions`, {
        name: "twins",
        stages: ["production"],
      });
      assert.deepEqual(
        latest.body.model_versions.map((v: { version: string }) => v.version),
        ["2"],
      );
    });

    it("a rollback promotes the newest Archived version back to Production", async () => {
      await modelWithVersions(server, "rollback", 2);
      await transition("rollback", "1", "Production");
      await transition("rollback", "2", "Production", true);
      assert.equal(await stageOf("rollback", "1"), "Archived");
      await transition("rollback", "1", "Production", true);
      assert.equal(await stageOf("rollback", "1"), "Production");
      assert.equal(await stageOf("rollback", "2"), "Archived");
    });

    it("archive_existing_versions with None or Archived is a 400, and nothing changes", async () => {
      await modelWithVersions(server, "misuse", 1);
      for (const stage of ["None", "Archived"]) {
        const res = await transition("misuse", "1", stage, true);
        assert.equal(res.status, 400);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      }
      assert.equal(await stageOf("misuse", "1"), "None");
    });

    it("an unknown stage is a 400 naming the allowed ones", async () => {
      await modelWithVersions(server, "badstage", 1);
      const res = await transition("badstage", "1", "Prod");
      assert.equal(res.status, 400);
      assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      assert.match(res.body.message, /None, Staging, Production, Archived/);
    });

    it("get-latest-versions answers GET and POST, per stage, for all stages when none are given", async () => {
      await modelWithVersions(server, "latest", 3);
      await transition("latest", "1", "Staging");
      await transition("latest", "2", "Production");
      const all = await call(server, "GET", `${API}/registered-models/get-latest-versions`, {
        name: "latest",
      });
      assert.deepEqual(
        all.body.model_versions.map((v: { version: string; current_stage: string }) => [
          v.current_stage,
          v.version,
        ]),
        // MLflow's order: stages as first met walking the versions upwards.
        [
          ["Staging", "1"],
          ["Production", "2"],
          ["None", "3"],
        ],
      );
      const post = await call(server, "POST", `${API}/registered-models/get-latest-versions`, {
        name: "latest",
        stages: ["Production", "Staging"],
      });
      assert.deepEqual(
        post.body.model_versions.map((v: { version: string }) => v.version),
        ["1", "2"],
      );
    });

    it("every transition leaves an audit record", async () => {
      await modelWithVersions(server, "audited", 1);
      await transition("audited", "1", "Staging");
      const rows = await server.app.database.db
        .selectFrom("audit_events")
        .selectAll()
        .where("action", "=", "model_version.transition_stage")
        .where("target_id", "=", "audited/1")
        .execute();
      assert.equal(rows.length, 1);
      assert.equal(JSON.parse(rows[0]!.after!).current_stage, "Staging");
    });
  });
}
