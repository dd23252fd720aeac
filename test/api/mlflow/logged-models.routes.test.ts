import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { seedRun, type SeededRun } from "../../support/seed-run.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";

const LM = "/api/2.0/mlflow/logged-models";

for (const backend of BACKENDS) {
  describe(`logged models over HTTP (${backend.name})`, () => {
    let server: TestServer;
    let run: SeededRun;
    before(async () => {
      server = await startTestServer(backend);
      run = await seedRun(server);
    });
    after(() => server.close());

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response JSON
    const create = async (fields: Record<string, unknown> = {}): Promise<any> => {
      const res = await call(server, "POST", LM, { experiment_id: run.experimentId, ...fields });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.model;
    };

    it("creates a PENDING model under the experiment's models/<id>/artifacts", async () => {
      const model = await create({
        name: "clf",
        model_type: "sklearn",
        source_run_id: run.runId,
        params: [{ key: "alpha", value: "0.5" }],
        tags: [{ key: "mlflow.user", value: "ana" }],
      });
      assert.match(model.info.model_id, /^m-[0-9a-f]{32}$/);
      assert.equal(model.info.experiment_id, run.experimentId);
      assert.equal(model.info.status, "LOGGED_MODEL_PENDING");
      assert.equal(
        model.info.artifact_uri,
        `mlflow-artifacts:/${run.experimentId}/models/${model.info.model_id}/artifacts`,
      );
      assert.equal(model.info.source_run_id, run.runId);
      assert.equal(model.info.model_type, "sklearn");
      assert.deepEqual(model.info.tags, [{ key: "mlflow.user", value: "ana" }]);
      assert.deepEqual(model.data.params, [{ key: "alpha", value: "0.5" }]);
      assert.equal(typeof model.info.creation_timestamp_ms, "number");
      assert.equal(model.info.creator_id, undefined, "creator_id is an int64 in the proto: left out");
    });

    it("gives a model a generated name when none is sent", async () => {
      const model = await create();
      assert.ok(model.info.name.length > 0);
    });

    it("refuses a model in an experiment that does not exist", async () => {
      const res = await call(server, "POST", LM, { experiment_id: "987654" });
      assert.equal(res.status, 404);
      assert.equal(res.body.error_code, "RESOURCE_DOES_NOT_EXIST");
      const missing = await call(server, "POST", LM, {});
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error_code, "INVALID_PARAMETER_VALUE");
    });

    it("finalizes a model as READY, and refuses any other final status", async () => {
      const model = await create({ name: "to-finalize" });
      const id = model.info.model_id;
      const bad = await call(server, "PATCH", `${LM}/${id}`, {
        model_id: id,
        status: "LOGGED_MODEL_PENDING",
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error_code, "INVALID_PARAMETER_VALUE");
      const ok = await call(server, "PATCH", `${LM}/${id}`, { model_id: id, status: "LOGGED_MODEL_READY" });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.model.info.status, "LOGGED_MODEL_READY");
      const got = await call(server, "GET", `${LM}/${id}`);
      assert.equal(got.body.model.info.status, "LOGGED_MODEL_READY");
      const audit = await server.app.database.db
        .selectFrom("audit_events")
        .select("action")
        .where("target_id", "=", id)
        .orderBy("id")
        .execute();
      assert.deepEqual(
        audit.map((a) => a.action),
        ["logged_model.create", "logged_model.finalize"],
      );
    });

    it("answers an unknown model with RESOURCE_DOES_NOT_EXIST", async () => {
      const res = await call(server, "GET", `${LM}/m-00000000000000000000000000000000`);
      assert.equal(res.status, 404);
      assert.equal(res.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });

    it("hides a deleted model unless allow_deleted is asked for", async () => {
      const model = await create({ name: "doomed" });
      const id = model.info.model_id;
      const del = await call(server, "DELETE", `${LM}/${id}`);
      assert.deepEqual(del, { status: 200, body: {} });
      assert.equal((await call(server, "GET", `${LM}/${id}`)).status, 404);
      const allowed = await call(server, "GET", `${LM}/${id}`, { allow_deleted: "true" });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.body.model.info.model_id, id);
    });

    it("sets and deletes tags, and logs params", async () => {
      const model = await create({ name: "tagged" });
      const id = model.info.model_id;
      assert.equal(
        (await call(server, "PATCH", `${LM}/${id}/tags`, { tags: [{ key: "a/b", value: "1" }] })).status,
        200,
      );
      assert.equal(
        (await call(server, "POST", `${LM}/${id}/params`, { params: [{ key: "lr", value: "0.1" }] })).status,
        200,
      );
      let got = (await call(server, "GET", `${LM}/${id}`)).body.model;
      assert.deepEqual(got.info.tags, [{ key: "a/b", value: "1" }]);
      assert.deepEqual(got.data.params, [{ key: "lr", value: "0.1" }]);
      assert.equal((await call(server, "DELETE", `${LM}/${id}/tags/a/b`)).status, 200);
      got = (await call(server, "GET", `${LM}/${id}`)).body.model;
      assert.deepEqual(got.info.tags ?? [], []);
      const again = await call(server, "DELETE", `${LM}/${id}/tags/a/b`);
      assert.equal(again.status, 404);
      assert.equal(again.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });

    it("reports registrations from the registry's mlflow.modelVersions tag", async () => {
      const model = await create({
        name: "registered",
        tags: [{ key: "mlflow.modelVersions", value: '[{"name":"churn","version":3}]' }],
      });
      assert.deepEqual(model.info.registrations, [{ name: "churn", version: "3" }]);
    });

    it("searches by name, attributes, params, tags and metrics, with order and paging", async () => {
      const { experimentId } = await seedRun(server);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await call(server, "POST", LM, {
          experiment_id: experimentId,
          name: i % 2 === 0 ? "even" : "odd",
          model_type: "sklearn",
          params: [{ key: "i", value: String(i) }],
          tags: [{ key: "team", value: i < 3 ? "alpha" : "beta" }],
        });
        ids.push(res.body.model.info.model_id);
        // Distinct creation times, so "newest first" has one right answer however fast the loop runs.
        await server.app.database.db
          .updateTable("logged_models")
          .set({ creation_timestamp_ms: 1_000_000 + i })
          .where("model_id", "=", res.body.model.info.model_id)
          .execute();
      }
      // Metrics attached to models are rows of the metrics table with their model_id.
      const metricRun = await server.app.database.db
        .selectFrom("runs")
        .select("run_id")
        .executeTakeFirstOrThrow();
      for (let i = 0; i < 5; i++) {
        await server.app.database.db
          .insertInto("metrics")
          .values({
            run_id: metricRun.run_id,
            key: "acc",
            value: i / 10,
            timestamp: 1000 + i,
            step: 0,
            is_nan: 0,
            model_id: ids[i]!,
            dataset_name: i === 4 ? "holdout" : null,
            dataset_digest: null,
          })
          .execute();
      }
      await call(server, "PATCH", `${LM}/${ids[1]}`, { status: "LOGGED_MODEL_READY" });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response JSON
      const search = async (body: Record<string, unknown>): Promise<any> => {
        const res = await call(server, "POST", `${LM}/search`, { experiment_ids: [experimentId], ...body });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body;
      };
      const names = (b: { models?: Array<{ info: { model_id: string } }> }) =>
        (b.models ?? []).map((m) => ids.indexOf(m.info.model_id));

      assert.deepEqual(names(await search({})), [4, 3, 2, 1, 0], "newest first by default");
      assert.deepEqual(names(await search({ filter: "name = 'even'" })), [4, 2, 0]);
      assert.deepEqual(names(await search({ filter: "name LIKE 'ev%' AND tags.team = 'alpha'" })), [2, 0]);
      assert.deepEqual(names(await search({ filter: "attributes.name ILIKE 'ODD'" })), [3, 1]);
      assert.deepEqual(names(await search({ filter: "params.i = '3'" })), [3]);
      assert.deepEqual(names(await search({ filter: "tags.`team` != 'alpha'" })), [4, 3]);
      assert.deepEqual(names(await search({ filter: "metrics.acc >= 0.2" })), [4, 3, 2]);
      assert.deepEqual(names(await search({ filter: "status = 'READY'" })), [1]);
      assert.deepEqual(names(await search({ filter: `model_id = '${ids[2]}'` })), [2]);
      assert.deepEqual(
        names(await search({ filter: "creation_time > 0 AND model_type = 'sklearn'" })).length,
        5,
      );
      assert.deepEqual(names(await search({ datasets: [{ dataset_name: "holdout" }] })), [4]);
      assert.deepEqual(
        names(await search({ order_by: [{ field_name: "metrics.acc", ascending: true }] })),
        [0, 1, 2, 3, 4],
      );
      assert.deepEqual(
        names(
          await search({
            order_by: [
              { field_name: "name", ascending: false },
              { field_name: "creation_timestamp", ascending: true },
            ],
          }),
        ),
        [1, 3, 0, 2, 4],
      );

      const page1 = await search({ max_results: 2 });
      assert.equal(page1.models.length, 2);
      assert.ok(page1.next_page_token);
      const page2 = await search({ max_results: 2, page_token: page1.next_page_token });
      const page3 = await search({ max_results: 2, page_token: page2.next_page_token });
      assert.deepEqual([...names(page1), ...names(page2), ...names(page3)], [4, 3, 2, 1, 0]);
      assert.equal(page3.next_page_token, undefined);

      const withMetrics = (await search({ filter: `model_id = '${ids[4]}'` })).models[0];
      assert.deepEqual(
        withMetrics.data.metrics.map((m: { key: string; value: number; dataset_name?: string }) => [
          m.key,
          m.value,
          m.dataset_name,
        ]),
        [["acc", 0.4, "holdout"]],
      );
    });

    it("refuses a malformed search with INVALID_PARAMETER_VALUE that points at the problem", async () => {
      for (const [body, pattern] of [
        [{ experiment_ids: [run.experimentId], filter: "name = 'a' OR name = 'b'" }, /AND/],
        [{ experiment_ids: [run.experimentId], filter: "colour = 'red'" }, /unknown attribute 'colour'/],
        [{ experiment_ids: [run.experimentId], filter: "metrics.acc > 'high'" }, /number/],
        [{ experiment_ids: [run.experimentId], filter: "name > 'a'" }, /operator/],
        [{ experiment_ids: [run.experimentId], filter: "name = " }, /expected a value/],
        [{ experiment_ids: [run.experimentId], order_by: [{ field_name: "colour" }] }, /order_by/],
        [{ experiment_ids: [run.experimentId], page_token: "garbage" }, /page token/],
        [{ experiment_ids: [run.experimentId], max_results: 0 }, /max_results/],
        [{}, /experiment_ids/],
      ] as const) {
        const res = await call(server, "POST", `${LM}/search`, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
        assert.match(res.body.message, pattern);
      }
    });

    it("records a run's model outputs for runs/get to read", async () => {
      const model = await create({ name: "output" });
      const res = await call(server, "POST", "/api/2.0/mlflow/runs/outputs", {
        run_id: run.runId,
        models: [{ model_id: model.info.model_id, step: 3 }],
      });
      assert.deepEqual(res, { status: 200, body: {} });
      const got = await call(server, "GET", "/api/2.0/mlflow/runs/get", { run_id: run.runId });
      assert.deepEqual(got.body.run.outputs.model_outputs, [{ model_id: model.info.model_id, step: 3 }]);
      const unknown = await call(server, "POST", "/api/2.0/mlflow/runs/outputs", {
        run_id: run.runId,
        models: [{ model_id: "m-nope", step: 0 }],
      });
      assert.equal(unknown.status, 404);
    });

    it("appends a 2.x log-model call to the run's mlflow.log-model.history tag", async () => {
      const mlmodel = (p: string) =>
        JSON.stringify({
          artifact_path: p,
          flavors: { sklearn: {} },
          utc_time_created: "2026-01-01 00:00:00.000000",
          run_id: run.runId,
        });
      for (const p of ["model", "model2"]) {
        const res = await call(server, "POST", "/api/2.0/mlflow/runs/log-model", {
          run_id: run.runId,
          model_json: mlmodel(p),
        });
        assert.deepEqual(res, { status: 200, body: {} });
      }
      const got = await call(server, "GET", "/api/2.0/mlflow/runs/get", { run_id: run.runId });
      const tag = got.body.run.data.tags.find((t: { key: string }) => t.key === "mlflow.log-model.history");
      assert.deepEqual(
        (JSON.parse(tag.value) as Array<{ artifact_path: string }>).map((m) => m.artifact_path),
        ["model", "model2"],
      );
      const bad = await call(server, "POST", "/api/2.0/mlflow/runs/log-model", {
        run_id: run.runId,
        model_json: JSON.stringify({ flavors: {} }),
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error_code, "INVALID_PARAMETER_VALUE");
      assert.match(bad.body.message, /artifact_path/);
    });
  });
}
