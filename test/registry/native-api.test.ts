import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { API, seedRun } from "./registry-fixtures.js";
import { REQUIREMENTS, SKLEARN_MLMODEL } from "../models/mlmodel-fixture.js";

const V1 = "/api/flowgate/v1";

for (const backend of BACKENDS) {
  describe(`native registry API on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(async () => server.close());

    it("warns about version numbers and final/new/copy in a new model's name, with a suggestion", async () => {
      const res = await call(server, "POST", `${V1}/registered-models`, { name: "fraud_detector_v2_final" });
      assert.equal(res.status, 200);
      assert.equal(res.body.warnings.length, 2);
      assert.equal(res.body.suggested_name, "fraud-detector");
      const clean = await call(server, "POST", `${V1}/registered-models`, { name: "churn-predictor" });
      assert.deepEqual(clean.body.warnings, []);
      assert.equal(clean.body.suggested_name, null);
    });

    it("returns the house tags as first-class fields, a version's own tag winning over its model's", async () => {
      await call(server, "POST", `${V1}/registered-models`, {
        name: "pricing",
        tags: {
          team: "growth",
          owner: "ana",
          risk: "high",
          pii: "true",
          sla: "99.9",
          sunset_on: "2030-01-01",
        },
      });
      const model = await call(server, "GET", `${V1}/registered-models/pricing`);
      assert.deepEqual(model.body.registered_model.house, {
        team: "growth",
        owner: "ana",
        risk: "high",
        pii: true,
        sla: "99.9",
        deprecated: null,
        sunset_on: "2030-01-01",
      });
      const run = await seedRun(server);
      await call(server, "POST", `${API}/model-versions/create`, {
        name: "pricing",
        source: `${run.artifactUri}/model`,
        tags: [
          { key: "sunset_on", value: "2020-06-30" },
          { key: "deprecated", value: "yes" },
        ],
      });
      const v = await call(server, "GET", `${V1}/registered-models/pricing/versions/1`);
      assert.equal(v.body.model_version.house.sunset_on, "2020-06-30");
      assert.equal(v.body.model_version.house.deprecated, true);
      assert.equal(v.body.model_version.house.team, "growth");
    });

    it("sets and clears house fields as fields, validated, in one audited change", async () => {
      const res = await call(server, "PATCH", `${V1}/registered-models/pricing/house`, {
        owner: "bo",
        deprecated: true,
        risk: null,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.registered_model.house.owner, "bo");
      assert.equal(res.body.registered_model.house.deprecated, true);
      assert.equal(res.body.registered_model.house.risk, null);
      assert.equal(res.body.registered_model.tags.deprecated, "true");
      for (const bad of [{ sunset_on: "next week" }, { pii: "yes" }, { colour: "red" }, { team: "" }]) {
        const r = await call(server, "PATCH", `${V1}/registered-models/pricing/house`, bad);
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.equal(r.body.error_code, "INVALID_PARAMETER_VALUE");
      }
      const audits = await server.app.database.db
        .selectFrom("audit_events")
        .select("action")
        .where("action", "=", "registered_model.set_house_fields")
        .execute();
      assert.equal(audits.length, 1);
      const missing = await call(server, "PATCH", `${V1}/registered-models/pricing/versions/9/house`, {
        owner: "x",
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });

    it("reports the versions past their sunset date", async () => {
      const res = await call(server, "GET", `${V1}/registry/sunset`, { as_of: "2026-01-01" });
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.body.model_versions.map((v: { name: string; version: number; sunset_on: string }) => [
          v.name,
          v.version,
          v.sunset_on,
        ]),
        [["pricing", 1, "2020-06-30"]],
      );
    });

    it("lists every version trained on one data version in one call, with stage and aliases", async () => {
      await call(server, "POST", `${API}/registered-models/create`, { name: "lineage-a" });
      await call(server, "POST", `${API}/registered-models/create`, { name: "lineage-b" });
      const trainedOnJan = await seedRun(server, { params: { data_version: "v2024-01-15" } });
      const trainedOnFeb = await seedRun(server, { params: { data_version: "v2024-02-01" } });
      const tagged = await seedRun(server, { tags: { data_version: "v2024-01-15" } });
      for (const [name, run] of [
        ["lineage-a", trainedOnJan],
        ["lineage-a", trainedOnFeb],
        ["lineage-b", trainedOnJan],
        ["lineage-b", tagged],
      ] as const) {
        await call(server, "POST", `${API}/model-versions/create`, {
          name,
          source: `${run.artifactUri}/model`,
          run_id: run.runId,
        });
      }
      await call(server, "POST", `${API}/model-versions/transition-stage`, {
        name: "lineage-b",
        version: "1",
        stage: "Production",
      });
      await call(server, "POST", `${API}/registered-models/alias`, {
        name: "lineage-a",
        alias: "champion",
        version: "1",
      });
      const res = await call(server, "GET", `${V1}/lineage`, { param: "data_version=v2024-01-15" });
      assert.equal(res.status, 200);
      const found = res.body.model_versions
        .map((v: { name: string; version: number; stage: string; aliases: string[] }) => [
          v.name,
          v.version,
          v.stage,
          v.aliases,
        ])
        .sort();
      assert.deepEqual(found, [
        ["lineage-a", 1, "None", ["champion"]],
        ["lineage-b", 1, "Production", []],
      ]);
      const byTag = await call(server, "GET", `${V1}/lineage`, { tag: "data_version=v2024-01-15" });
      assert.deepEqual(
        byTag.body.model_versions.map((v: { name: string; version: number }) => [v.name, v.version]),
        [["lineage-b", 2]],
      );
      const bad = await call(server, "GET", `${V1}/lineage`, { param: "no-equals-sign" });
      assert.equal(bad.status, 400);
    });

    it("describes a version's model from its MLmodel without downloading it", async () => {
      const run = await seedRun(server);
      const dir = path.join(server.artifactRoot, String(run.experimentId), run.runId, "artifacts", "model");
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "MLmodel"), SKLEARN_MLMODEL);
      writeFileSync(path.join(dir, "requirements.txt"), REQUIREMENTS);
      await call(server, "POST", `${API}/registered-models/create`, { name: "described" });
      await call(server, "POST", `${API}/model-versions/create`, {
        name: "described",
        source: `${run.artifactUri}/model`,
        run_id: run.runId,
      });
      const res = await call(server, "GET", `${V1}/registered-models/described/versions/1/model-info`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body.flavors).sort(), ["python_function", "sklearn"]);
      assert.equal(res.body.size_bytes, 2048);
      assert.deepEqual(res.body.requirements, ["mlflow==3.1.0", "cloudpickle==3.0.0", "scikit-learn==1.5.2"]);
      assert.equal(res.body.signature.inputs[0].name, "sepal length (cm)");
      assert.equal(res.body.mlflow_version, "3.1.0");
    });

    it("model info of a version whose files were never uploaded is a 404", async () => {
      const run = await seedRun(server);
      await call(server, "POST", `${API}/model-versions/create`, {
        name: "described",
        source: `${run.artifactUri}/m`,
      });
      const res = await call(server, "GET", `${V1}/registered-models/described/versions/2/model-info`);
      assert.equal(res.status, 404);
      assert.equal(res.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });
  });
}
