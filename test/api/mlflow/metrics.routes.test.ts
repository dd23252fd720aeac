// The UI's bulk metric reads: get-history-bulk-interval (sampled, MLflow's validation order) and
// /ajax-api/2.0/mlflow/metrics/get-history-bulk (full histories), with per-experiment grants applied per run.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";
import { adminHeaders, basic, STRONG_PASSWORD, startAuthServer } from "../../governance/auth-support.js";

const API = "/api/2.0/mlflow";
const INTERVAL = "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval";
const BULK = "/ajax-api/2.0/mlflow/metrics/get-history-bulk";
const MISSING_RUN = "ffffffffffffffffffffffffffffffff";

async function runWithLoss(server: TestServer, experimentId: string, headers = {}): Promise<string> {
  const run = await call(server, "POST", `${API}/runs/create`, { experiment_id: experimentId }, headers);
  const runId = run.body.run.info.run_id as string;
  const metrics = Array.from({ length: 10 }, (_, i) => ({
    key: "loss",
    value: i,
    timestamp: 1000 + i,
    step: i,
  }));
  const logged = await call(server, "POST", `${API}/runs/log-batch`, { run_id: runId, metrics }, headers);
  assert.equal(logged.status, 200, JSON.stringify(logged.body));
  return runId;
}

const stepsOf = (body: { metrics?: { step: number }[] }): number[] => (body.metrics ?? []).map((m) => m.step);

for (const backend of BACKENDS) {
  describe(`bulk metric reads on ${backend.name}`, () => {
    let server: TestServer;
    let a: string;
    let b: string;
    before(async () => {
      server = await startTestServer(backend);
      a = await runWithLoss(server, "0");
      b = await runWithLoss(server, "0");
    });
    after(() => server.close());

    it("samples steps 0-9 with max_results=5 as MLflow does: 0,2,4,6,8,9", async () => {
      const res = await call(server, "GET", INTERVAL, { run_ids: a, metric_key: "loss", max_results: 5 });
      assert.equal(res.status, 200);
      assert.deepEqual(stepsOf(res.body), [0, 2, 4, 6, 8, 9]);
      assert.deepEqual(res.body.metrics[5], { key: "loss", value: 9, timestamp: 1009, step: 9, run_id: a });
    });

    it("answers the same under /api/2.0, and samples a step range", async () => {
      const res = await call(server, "GET", `${API}/metrics/get-history-bulk-interval`, {
        run_ids: a,
        metric_key: "loss",
        max_results: 3,
        start_step: 2,
        end_step: 7,
      });
      assert.deepEqual(stepsOf(res.body), [2, 4, 6, 7]);
    });

    it("checks its arguments before it looks any run up (400, never 404)", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ metric_key: "loss" }, "Missing value for required parameter 'run_ids'"],
        [{ run_ids: MISSING_RUN }, "Missing value for required parameter 'metric_key'"],
        [
          { run_ids: MISSING_RUN, metric_key: "loss", start_step: 5, end_step: 1 },
          "end_step must be greater than start_step. Found start_step=5 and end_step=1.",
        ],
        [
          { run_ids: MISSING_RUN, metric_key: "loss", start_step: 5 },
          "If either start step or end step are specified, both must be specified.",
        ],
        [
          { run_ids: MISSING_RUN, metric_key: "loss", max_results: 0 },
          "max_results must be between 1 and 2500",
        ],
        [
          { run_ids: Array.from({ length: 101 }, (_, i) => `r${i}`), metric_key: "loss" },
          "must specify at most 100 run_ids. Received 101 run_ids.",
        ],
      ];
      for (const [args, message] of cases) {
        const res = await call(server, "GET", INTERVAL, args);
        assert.equal(res.status, 400, JSON.stringify(args));
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
        assert.ok(res.body.message.includes(message), `${res.body.message} should say ${message}`);
      }
    });

    it("has no points for a run that is not there, as MLflow's SQL stores answer", async () => {
      const res = await call(server, "GET", INTERVAL, { run_ids: [MISSING_RUN, b], metric_key: "loss" });
      assert.equal(res.status, 200);
      assert.deepEqual(stepsOf(res.body), steps10());
      assert.ok(res.body.metrics.every((m: { run_id: string }) => m.run_id === b));
      const none = await call(server, "GET", INTERVAL, { run_ids: MISSING_RUN, metric_key: "loss" });
      assert.deepEqual(none.body, {}, "protobuf-JSON leaves the empty list out, as MLflow does");
    });

    it("get-history-bulk returns whole histories ordered by run, then time, capped by max_results", async () => {
      const [first, second] = [a, b].sort();
      const all = await call(server, "GET", BULK, { run_id: [b, a, MISSING_RUN], metric_key: "loss" });
      assert.equal(all.status, 200);
      assert.equal(all.body.metrics.length, 20);
      assert.deepEqual(
        all.body.metrics.map((m: { run_id: string }) => m.run_id),
        [...Array(10).fill(first), ...Array(10).fill(second)],
      );
      assert.deepEqual(all.body.metrics[0], {
        key: "loss",
        value: 0,
        timestamp: 1000,
        step: 0,
        run_id: first,
      });
      const capped = await call(server, "GET", BULK, { run_id: [a, b], metric_key: "loss", max_results: 3 });
      assert.deepEqual(stepsOf(capped.body), [0, 1, 2]);
    });

    it("get-history-bulk refuses what MLflow refuses, with its messages", async () => {
      const none = await call(server, "GET", BULK, { metric_key: "loss" });
      assert.equal(none.status, 400);
      assert.equal(none.body.message, "GetMetricHistoryBulk request must specify at least one run_id.");
      const noKey = await call(server, "GET", BULK, { run_id: a });
      assert.equal(noKey.body.message, "GetMetricHistoryBulk request must specify a metric_key.");
      const many = await call(server, "GET", BULK, {
        run_id: Array.from({ length: 101 }, (_, i) => `r${i}`),
        metric_key: "loss",
      });
      assert.equal(
        many.body.message,
        "GetMetricHistoryBulk request cannot specify more than 100 run_ids. Received 101 run_ids.",
      );
    });

    it("serves get-history-bulk only under /ajax-api, as MLflow does", async () => {
      const res = await call(server, "GET", `${API}/metrics/get-history-bulk`, {
        run_id: a,
        metric_key: "loss",
      });
      assert.equal(res.status, 404);
    });
  });
}

function steps10(): number[] {
  return Array.from({ length: 10 }, (_, i) => i);
}

describe("bulk metric reads with per-experiment grants", () => {
  let server: TestServer;
  let mine: string;
  let theirs: string;
  let eve: Record<string, string>;
  before(async () => {
    server = await startAuthServer(BACKENDS[0]!);
    const ids: string[] = [];
    for (const name of ["eve-exp", "other-exp"]) {
      const exp = await call(server, "POST", `${API}/experiments/create`, { name }, adminHeaders);
      ids.push(exp.body.experiment_id as string);
    }
    mine = await runWithLoss(server, ids[0]!, adminHeaders);
    theirs = await runWithLoss(server, ids[1]!, adminHeaders);
    await call(
      server,
      "POST",
      "/api/flowgate/v1/users",
      { username: "eve", password: STRONG_PASSWORD },
      adminHeaders,
    );
    const granted = await call(
      server,
      "POST",
      "/api/flowgate/v1/users/eve/grants",
      { role: "reader", scope_type: "experiment", scope_id: ids[0] },
      adminHeaders,
    );
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    eve = basic("eve", STRONG_PASSWORD);
  });
  after(() => server.close());

  it("reads the runs of an experiment the caller was granted", async () => {
    const interval = await call(server, "GET", INTERVAL, { run_ids: mine, metric_key: "loss" }, eve);
    assert.equal(interval.status, 200, JSON.stringify(interval.body));
    const bulk = await call(server, "GET", BULK, { run_id: mine, metric_key: "loss" }, eve);
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
  });

  it("refuses a bulk read that names a run of another experiment", async () => {
    for (const [route, field] of [
      [INTERVAL, "run_ids"],
      [BULK, "run_id"],
    ] as const) {
      const res = await call(server, "GET", route, { [field]: [mine, theirs], metric_key: "loss" }, eve);
      assert.equal(res.status, 403, route);
      assert.equal(res.body.error_code, "PERMISSION_DENIED");
    }
  });
});
