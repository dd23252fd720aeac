import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { BACKENDS } from "../../support/backends.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";

const API = "/api/2.0/mlflow";

for (const backend of BACKENDS) {
  describe(`runs API on ${backend.name}`, () => {
    let server: TestServer;
    let experimentId: string;
    before(async () => {
      server = await startTestServer(backend);
      const res = await call(server, "POST", `${API}/experiments/create`, { name: "runs" });
      experimentId = res.body.experiment_id as string;
    });
    after(async () => server.close());

    const newRun = async (extra: Record<string, unknown> = {}): Promise<string> => {
      const res = await call(server, "POST", `${API}/runs/create`, { experiment_id: experimentId, ...extra });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.run.info.run_id as string;
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response JSON
    const getRun = async (runId: string): Promise<any> =>
      (await call(server, "GET", `${API}/runs/get`, { run_id: runId })).body.run;

    it("creates a run with MLflow's fields, artifact URI and the run name tag", async () => {
      const res = await call(server, "POST", `${API}/runs/create`, {
        experiment_id: experimentId,
        user_id: "alice",
        run_name: "first",
        start_time: 1700000000000,
        tags: [{ key: "mlflow.source.name", value: "train.py" }],
      });
      const info = res.body.run.info;
      assert.match(info.run_id, /^[0-9a-f]{32}$/);
      assert.equal(info.run_uuid, info.run_id);
      assert.equal(info.run_name, "first");
      assert.equal(info.experiment_id, experimentId);
      assert.equal(info.user_id, "alice");
      assert.equal(info.status, "RUNNING");
      assert.equal(info.start_time, 1700000000000);
      assert.equal(info.end_time, undefined);
      assert.equal(info.lifecycle_stage, "active");
      assert.equal(info.artifact_uri, `mlflow-artifacts:/${experimentId}/${info.run_id}/artifacts`);
      assert.deepEqual(res.body.run.data.tags, [
        { key: "mlflow.runName", value: "first" },
        { key: "mlflow.source.name", value: "train.py" },
      ]);
      // Empty lists are left out and empty messages kept, as MLflow's protobuf-JSON writes them.
      assert.deepEqual(res.body.run.inputs, {});
      // MLflow 3's server leaves outputs out of a new run; runs/get sends them.
      assert.equal("outputs" in res.body.run, false);
      assert.deepEqual((await getRun(info.run_id)).outputs, {});
    });

    it("takes the run name from the mlflow.runName tag, or makes one up, and refuses a conflict", async () => {
      const fromTag = await getRun(await newRun({ tags: [{ key: "mlflow.runName", value: "tagged" }] }));
      assert.equal(fromTag.info.run_name, "tagged");
      const random = await getRun(await newRun());
      assert.match(random.info.run_name, /^\w+-\w+-\d+$/);
      assert.ok(random.data.tags.some((t: { key: string; value: string }) => t.key === "mlflow.runName"));
      const clash = await call(server, "POST", `${API}/runs/create`, {
        experiment_id: experimentId,
        run_name: "a",
        tags: [{ key: "mlflow.runName", value: "b" }],
      });
      assert.equal(clash.status, 400);
      assert.equal(clash.body.error_code, "INVALID_PARAMETER_VALUE");
    });

    it("creates runs in the Default experiment when none is given, and 404s an unknown experiment", async () => {
      const res = await call(server, "POST", `${API}/runs/create`, {});
      assert.equal(res.body.run.info.experiment_id, "0");
      const missing = await call(server, "POST", `${API}/runs/create`, { experiment_id: "987654" });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });

    it("answers an unknown run with 404 and a malformed run id with 400", async () => {
      const missing = await call(server, "GET", `${API}/runs/get`, {
        run_id: "0123456789abcdef0123456789abcdef",
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error_code, "RESOURCE_DOES_NOT_EXIST");
      const bad = await call(server, "GET", `${API}/runs/get`, { run_id: "../etc" });
      assert.equal(bad.status, 400);
      const none = await call(server, "GET", `${API}/runs/get`, {});
      assert.equal(none.status, 400);
    });

    it("accepts the deprecated run_uuid in place of run_id", async () => {
      const runId = await newRun();
      const res = await call(server, "GET", `${API}/runs/get`, { run_uuid: runId });
      assert.equal(res.body.run.info.run_id, runId);
    });

    it("updates status, end time and run name (which moves the tag too)", async () => {
      const runId = await newRun({ run_name: "before" });
      const res = await call(server, "POST", `${API}/runs/update`, {
        run_id: runId,
        status: "FINISHED",
        end_time: 1700000005000,
        run_name: "after",
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.run_info.status, "FINISHED");
      assert.equal(res.body.run_info.end_time, 1700000005000);
      assert.equal(res.body.run_info.run_name, "after");
      const run = await getRun(runId);
      assert.ok(
        run.data.tags.some(
          (t: { key: string; value: string }) => t.key === "mlflow.runName" && t.value === "after",
        ),
      );
    });

    it("answers the run unchanged for an unknown status name or an empty update, as MLflow's server does", async () => {
      const runId = await newRun();
      const unknown = await call(server, "POST", `${API}/runs/update`, { run_id: runId, status: "DONE" });
      assert.equal(unknown.status, 200, JSON.stringify(unknown.body));
      assert.equal(unknown.body.run_info.status, "RUNNING");
      const lowerCase = await call(server, "POST", `${API}/runs/update`, {
        run_id: runId,
        status: "finished",
      });
      assert.equal(lowerCase.body.run_info.status, "RUNNING");
      const nothing = await call(server, "POST", `${API}/runs/update`, { run_id: runId });
      assert.equal(nothing.status, 200, JSON.stringify(nothing.body));
      assert.equal(nothing.body.run_info.run_id, runId);
      const outOfRange = await call(server, "POST", `${API}/runs/update`, { run_id: runId, status: 7 });
      assert.equal(outOfRange.status, 400);
      assert.match(outOfRange.body.message, /^Invalid value 7 for parameter 'status' supplied:/);
    });

    it("soft-deletes and restores a run, and refuses writes to a deleted run", async () => {
      const runId = await newRun();
      assert.equal((await call(server, "POST", `${API}/runs/delete`, { run_id: runId })).status, 200);
      assert.equal((await getRun(runId)).info.lifecycle_stage, "deleted");
      const write = await call(server, "POST", `${API}/runs/log-parameter`, {
        run_id: runId,
        key: "a",
        value: "1",
      });
      assert.equal(write.status, 400);
      assert.equal(write.body.error_code, "INVALID_PARAMETER_VALUE");
      assert.match(write.body.message, /must be in the 'active' state/);
      assert.equal((await call(server, "POST", `${API}/runs/restore`, { run_id: runId })).status, 200);
      assert.equal((await getRun(runId)).info.lifecycle_stage, "active");
      const missing = await call(server, "POST", `${API}/runs/delete`, {
        run_id: "ffffffffffffffffffffffffffffffff",
      });
      assert.equal(missing.status, 404);
    });

    it("logs metrics, keeps the latest by step, timestamp and value, and round-trips NaN and infinities", async () => {
      const runId = await newRun();
      const log = (key: string, value: unknown, step: number, timestamp: number) =>
        call(server, "POST", `${API}/runs/log-metric`, { run_id: runId, key, value, step, timestamp });
      await log("loss", 0.5, 2, 100);
      await log("loss", 0.9, 1, 200);
      await log("loss", 0.4, 2, 100);
      await log("nan", "NaN", 0, 1);
      await log("inf", "Infinity", 0, 1);
      await log("ninf", "-Infinity", 0, 1);
      const metrics = Object.fromEntries(
        (await getRun(runId)).data.metrics.map((m: { key: string }) => [m.key, m]),
      );
      assert.deepEqual(metrics.loss, { key: "loss", value: 0.5, timestamp: 100, step: 2 });
      assert.equal(metrics.nan.value, "NaN");
      assert.equal(metrics.inf.value, "Infinity");
      assert.equal(metrics.ninf.value, "-Infinity");
      const history = await call(server, "GET", `${API}/metrics/get-history`, {
        run_id: runId,
        metric_key: "loss",
      });
      assert.deepEqual(
        history.body.metrics.map((m: { step: number; value: number }) => [m.step, m.value]),
        [
          [1, 0.9],
          [2, 0.4],
          [2, 0.5],
        ],
      );
      const badKey = await log("../x", 1, 0, 1);
      assert.equal(badKey.status, 400);
      const badValue = await log("ok", "abc", 0, 1);
      assert.equal(badValue.status, 400);
      const noTimestamp = await call(server, "POST", `${API}/runs/log-metric`, {
        run_id: runId,
        key: "k",
        value: 1,
      });
      assert.equal(noTimestamp.status, 400);
    });

    it("pages metric history with max_results and tokens", async () => {
      const runId = await newRun();
      const metrics = Array.from({ length: 25 }, (_, i) => ({
        key: "acc",
        value: i,
        timestamp: 1000 + i,
        step: i,
      }));
      await call(server, "POST", `${API}/runs/log-batch`, { run_id: runId, metrics });
      const steps: number[] = [];
      let token: string | undefined;
      do {
        const res = await call(server, "GET", `${API}/metrics/get-history`, {
          run_id: runId,
          metric_key: "acc",
          max_results: 10,
          ...(token === undefined ? {} : { page_token: token }),
        });
        steps.push(...res.body.metrics.map((m: { step: number }) => m.step));
        token = res.body.next_page_token;
      } while (token !== undefined);
      assert.deepEqual(
        steps,
        Array.from({ length: 25 }, (_, i) => i),
      );
      const missing = await call(server, "GET", `${API}/metrics/get-history`, {
        run_id: "ffffffffffffffffffffffffffffffff",
        metric_key: "acc",
      });
      assert.equal(missing.status, 404);
    });

    it("returns sampled history for several runs from get-history-bulk-interval", async () => {
      const a = await newRun();
      const b = await newRun();
      for (const runId of [a, b]) {
        const metrics = Array.from({ length: 10 }, (_, i) => ({ key: "m", value: i, timestamp: i, step: i }));
        await call(server, "POST", `${API}/runs/log-batch`, { run_id: runId, metrics });
      }
      const res = await call(server, "GET", `/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval`, {
        run_ids: [a, b],
        metric_key: "m",
        max_results: 5,
      });
      assert.equal(res.status, 200);
      // MLflow's step sampling (test/tracking/metric-sampling.test.ts): every other step and the last.
      for (const runId of [a, b]) {
        assert.deepEqual(
          res.body.metrics
            .filter((m: { run_id: string }) => m.run_id === runId)
            .map((m: { step: number }) => m.step),
          [0, 2, 4, 6, 8, 9],
        );
      }
    });

    it("treats params as write-once: the same value again is fine, a different one is refused", async () => {
      const runId = await newRun();
      const log = (value: string) =>
        call(server, "POST", `${API}/runs/log-parameter`, { run_id: runId, key: "lr", value });
      assert.equal((await log("0.1")).status, 200);
      assert.equal((await log("0.1")).status, 200);
      const changed = await log("0.2");
      assert.equal(changed.status, 400);
      assert.equal(changed.body.error_code, "INVALID_PARAMETER_VALUE");
      assert.deepEqual((await getRun(runId)).data.params, [{ key: "lr", value: "0.1" }]);
    });

    it("sets, overwrites and deletes tags; deleting a missing tag is 404", async () => {
      const runId = await newRun();
      await call(server, "POST", `${API}/runs/set-tag`, { run_id: runId, key: "t", value: "1" });
      await call(server, "POST", `${API}/runs/set-tag`, { run_id: runId, key: "t", value: "2" });
      let tags = (await getRun(runId)).data.tags.filter((t: { key: string }) => t.key === "t");
      assert.deepEqual(tags, [{ key: "t", value: "2" }]);
      assert.equal(
        (await call(server, "POST", `${API}/runs/delete-tag`, { run_id: runId, key: "t" })).status,
        200,
      );
      tags = (await getRun(runId)).data.tags.filter((t: { key: string }) => t.key === "t");
      assert.deepEqual(tags, []);
      const again = await call(server, "POST", `${API}/runs/delete-tag`, { run_id: runId, key: "t" });
      assert.equal(again.status, 404);
      assert.equal(again.body.error_code, "RESOURCE_DOES_NOT_EXIST");
      await call(server, "POST", `${API}/runs/set-tag`, {
        run_id: runId,
        key: "mlflow.runName",
        value: "renamed",
      });
      assert.equal((await getRun(runId)).info.run_name, "renamed");
    });

    it("logs a batch of 1,000 metrics with params and tags in one call", async () => {
      const runId = await newRun();
      const metrics = Array.from({ length: 990 }, (_, i) => ({
        key: `m${i % 10}`,
        value: i,
        timestamp: i,
        step: i,
      }));
      const params = Array.from({ length: 5 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
      const tags = Array.from({ length: 5 }, (_, i) => ({ key: `t${i}`, value: String(i) }));
      const res = await call(server, "POST", `${API}/runs/log-batch`, {
        run_id: runId,
        metrics,
        params,
        tags,
      });
      assert.equal(res.status, 200);
      const run = await getRun(runId);
      assert.equal(run.data.metrics.length, 10);
      assert.equal(run.data.params.length, 5);
      const m9 = run.data.metrics.find((m: { key: string }) => m.key === "m9");
      assert.equal(m9.step, 989);
    });

    it("enforces MLflow's log-batch limits, naming the limit", async () => {
      const runId = await newRun();
      const batch = (extra: Record<string, unknown>) =>
        call(server, "POST", `${API}/runs/log-batch`, { run_id: runId, ...extra });
      const kv = (n: number, len = 1) =>
        Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: "v".repeat(len) }));
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [
          {
            metrics: Array.from({ length: 1001 }, (_, i) => ({ key: "m", value: 1, timestamp: i, step: 0 })),
          },
          /at most 1000 metrics/,
        ],
        [{ params: kv(101) }, /at most 100 params/],
        [{ tags: kv(101) }, /at most 100 tags/],
        [
          {
            metrics: Array.from({ length: 950 }, (_, i) => ({ key: "m", value: 1, timestamp: i, step: 0 })),
            params: kv(60),
          },
          /at most 1000 metrics, params, and tags/,
        ],
        [{ params: [{ key: "k".repeat(251), value: "v" }] }, /maximum length of 250/],
        [{ params: kv(1, 6001) }, /maximum length of 6000/],
        [{ tags: kv(1, 8001) }, /maximum length of 8000/],
        [{ params: [{ key: "bad*key", value: "v" }] }, /Names may only contain/],
        [{ params: [{ key: "a/../b", value: "v" }] }, /resolve to other names/],
        [
          {
            params: [
              { key: "d", value: "1" },
              { key: "d", value: "2" },
            ],
          },
          /Duplicate parameter keys/,
        ],
      ];
      for (const [args, message] of cases) {
        const res = await batch(args);
        assert.equal(res.status, 400, String(message));
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
        assert.match(res.body.message, message);
      }
      const huge = await batch({ tags: [{ key: "big", value: "x".repeat(1_000_001) }] });
      assert.equal(huge.status, 400);
      assert.match(huge.body.message, /at most 1000000 bytes/);
      assert.deepEqual((await getRun(runId)).data.params ?? [], [], "a refused batch writes nothing");
    });

    it("a batch whose param conflicts writes nothing at all", async () => {
      const runId = await newRun();
      await call(server, "POST", `${API}/runs/log-parameter`, { run_id: runId, key: "lr", value: "1" });
      const res = await call(server, "POST", `${API}/runs/log-batch`, {
        run_id: runId,
        metrics: [{ key: "m", value: 1, timestamp: 1, step: 0 }],
        params: [{ key: "lr", value: "2" }],
      });
      assert.equal(res.status, 400);
      assert.deepEqual((await getRun(runId)).data.metrics ?? [], []);
    });

    it("logs dataset inputs once per experiment, name and digest, with their tags, and model inputs", async () => {
      const a = await newRun();
      const b = await newRun();
      const dataset = { name: "iris", digest: "abc123", source_type: "local", source: "{}", schema: "{}" };
      for (const runId of [a, b]) {
        const res = await call(server, "POST", `${API}/runs/log-inputs`, {
          run_id: runId,
          datasets: [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset }],
          models: [{ model_id: "m-123" }],
        });
        assert.equal(res.status, 200);
      }
      const run = await getRun(a);
      assert.deepEqual(run.inputs.dataset_inputs, [
        { tags: [{ key: "mlflow.data.context", value: "training" }], dataset },
      ]);
      assert.deepEqual(run.inputs.model_inputs, [{ model_id: "m-123" }]);
      const count = await sql<{ n: number }>`select count(*) as n from datasets where name = 'iris'`.execute(
        server.app.database.db,
      );
      assert.equal(Number(count.rows[0]?.n), 1);
      const bad = await call(server, "POST", `${API}/runs/log-inputs`, {
        run_id: a,
        datasets: [{ tags: [] }],
      });
      assert.equal(bad.status, 400);
    });

    it("returns the model outputs recorded for a run", async () => {
      const runId = await newRun();
      await server.app.database.db
        .insertInto("run_model_outputs")
        .values({ run_id: runId, model_id: "m-out", step: 3 })
        .execute();
      assert.deepEqual((await getRun(runId)).outputs, { model_outputs: [{ model_id: "m-out", step: 3 }] });
    });

    it("writes an audit record for each change", async () => {
      const runId = await newRun();
      await call(server, "POST", `${API}/runs/set-tag`, { run_id: runId, key: "x", value: "y" });
      const rows = await server.app.database.db
        .selectFrom("audit_events")
        .select(["action"])
        .where("target_id", "=", runId)
        .orderBy("id")
        .execute();
      assert.deepEqual(
        rows.map((r) => r.action),
        ["run.create", "run.set_tag"],
      );
    });

    it("serves the same routes under /ajax-api", async () => {
      const runId = await newRun();
      const res = await call(server, "GET", `/ajax-api/2.0/mlflow/runs/get`, { run_id: runId });
      assert.equal(res.body.run.info.run_id, runId);
    });
  });
}
