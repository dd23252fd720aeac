import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { BACKENDS } from "../support/backends.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { createAuditLog } from "../../src/governance/audit.js";
import { createSqlTrackingStore } from "../../src/tracking/sql-tracking-store.js";
import { createExperimentService, type ExperimentService } from "../../src/tracking/experiments.js";
import { createRunService, type RunService } from "../../src/tracking/runs.js";
import { FlowgateError } from "../../src/core/errors.js";
import type { Clock } from "../../src/core/clock.js";

const execFileAsync = promisify(execFile);
const ctx = { actor: "tester", requestId: "req-1" };

function services(database: Database, clock: Clock) {
  const store = createSqlTrackingStore(database.dialect);
  const audit = createAuditLog(clock);
  const experiments = createExperimentService({
    database,
    store,
    audit,
    clock,
    defaultArtifactRoot: "mlflow-artifacts:/",
  });
  const runs = createRunService({ database, store, experiments, audit, clock });
  return { experiments, runs };
}

for (const backend of BACKENDS) {
  describe(`tracking services on ${backend.name}`, () => {
    let uri: string;
    let database: Database;
    let experiments: ExperimentService;
    let runs: RunService;
    let now = 1_000;
    const clock: Clock = { now: () => now };

    before(async () => {
      uri = await backend.freshUri();
      database = await openDatabase(uri);
      ({ experiments, runs } = services(database, clock));
    });
    after(async () => database.close());

    it("creates the Default experiment exactly once when two servers start at the same time", async () => {
      // Separate processes, as two real servers would be (one process's SQLite connections would block each other).
      const start = () =>
        execFileAsync(process.execPath, [
          "--import",
          "tsx",
          path.join(import.meta.dirname, "fixtures/ensure-default.ts"),
          uri,
        ]);
      await Promise.all([start(), start(), experiments.ensureDefaultExperiment()]);
      const rows = await database.db
        .selectFrom("experiments")
        .selectAll()
        .where("name", "=", "Default")
        .execute();
      assert.equal(rows.length, 1);
      assert.equal(Number(rows[0]?.experiment_id), 0);
      const created = await experiments.createExperiment(ctx, { name: "after-default", tags: [] });
      assert.notEqual(created.experimentId, "0");
    });

    it("stamps creation and update times from the clock and records who did it", async () => {
      now = 5_000;
      const e = await experiments.createExperiment(ctx, { name: "timed", tags: [] });
      assert.equal(e.creationTime, 5_000);
      now = 6_000;
      await experiments.renameExperiment(ctx, e.experimentId, "timed-2");
      const renamed = await experiments.getExperiment(e.experimentId);
      assert.equal(renamed.lastUpdateTime, 6_000);
      const audit = await database.db
        .selectFrom("audit_events")
        .selectAll()
        .where("target_type", "=", "experiment")
        .where("target_id", "=", e.experimentId)
        .orderBy("id")
        .execute();
      assert.deepEqual(
        audit.map((a) => [a.action, a.actor, a.request_id]),
        [
          ["experiment.create", "tester", "req-1"],
          ["experiment.rename", "tester", "req-1"],
        ],
      );
    });

    it("keeps the latest metric by step, then timestamp, then value, across separate writes", async () => {
      const e = await experiments.createExperiment(ctx, { name: "latest", tags: [] });
      const run = await runs.createRun(ctx, { experimentId: e.experimentId, tags: [] });
      const id = run.info.runId;
      const log = (value: number, step: number, timestamp: number) =>
        runs.logMetric(ctx, id, { key: "m", value, step, timestamp });
      await log(1, 5, 10);
      await log(2, 4, 99); // earlier step: ignored
      await log(3, 5, 9); // same step, earlier timestamp: ignored
      await log(0.5, 5, 10); // same step and timestamp, smaller value: ignored
      let latest = (await runs.getRun(id)).metrics[0];
      assert.deepEqual([latest?.value, latest?.step, latest?.timestamp], [1, 5, 10]);
      await log(7, 5, 10); // larger value wins the tie
      latest = (await runs.getRun(id)).metrics[0];
      assert.equal(latest?.value, 7);
      await runs.logBatch(ctx, id, {
        metrics: [
          { key: "m", value: 9, step: 6, timestamp: 1 },
          { key: "m", value: 8, step: 7, timestamp: 1 },
          { key: "m", value: 10, step: 6, timestamp: 2 },
        ],
        params: [],
        tags: [],
      });
      latest = (await runs.getRun(id)).metrics[0];
      assert.equal(latest?.value, 8);
      const history = await runs.getMetricHistory(id, "m", undefined, undefined);
      assert.equal(history.items.length, 8);
    });

    it("stores a repeated identical metric point once (a retried request)", async () => {
      const e = await experiments.createExperiment(ctx, { name: "retry", tags: [] });
      const run = await runs.createRun(ctx, { experimentId: e.experimentId, tags: [] });
      const point = { key: "m", value: 1, step: 0, timestamp: 1 };
      await runs.logMetric(ctx, run.info.runId, point);
      await runs.logMetric(ctx, run.info.runId, point);
      const history = await runs.getMetricHistory(run.info.runId, "m", undefined, undefined);
      assert.equal(history.items.length, 1);
    });

    it("writes nothing of a batch that fails halfway, not even its audit record", async () => {
      const e = await experiments.createExperiment(ctx, { name: "atomic", tags: [] });
      const run = await runs.createRun(ctx, { experimentId: e.experimentId, tags: [] });
      const id = run.info.runId;
      await runs.logParam(ctx, id, { key: "p", value: "1" });
      await assert.rejects(
        runs.logBatch(ctx, id, {
          metrics: [{ key: "m", value: 1, step: 0, timestamp: 1 }],
          params: [
            { key: "q", value: "new" },
            { key: "p", value: "2" },
          ],
          tags: [{ key: "t", value: "v" }],
        }),
        (err: unknown) => err instanceof FlowgateError && err.code === "INVALID_PARAMETER_VALUE",
      );
      const after = await runs.getRun(id);
      assert.deepEqual(after.params, [{ key: "p", value: "1" }]);
      assert.deepEqual(after.metrics, []);
      assert.ok(!after.tags.some((t) => t.key === "t"));
      const batches = await database.db
        .selectFrom("audit_events")
        .select("action")
        .where("target_id", "=", id)
        .where("action", "=", "run.log_batch")
        .execute();
      assert.equal(batches.length, 1, "only the successful logParam batch is audited");
    });

    it("searches runs with the same results as a plain reading of the data", async () => {
      const e = await experiments.createExperiment(ctx, { name: "search-model", tags: [] });
      const values = [0.3, 0.7, NaN, 0.7, 0.1, Infinity, -Infinity];
      const ids: string[] = [];
      for (const [i, value] of values.entries()) {
        const run = await runs.createRun(ctx, {
          experimentId: e.experimentId,
          startTime: 100 + (i % 3),
          tags: [],
        });
        await runs.logMetric(ctx, run.info.runId, { key: "v", value, step: 0, timestamp: 1 });
        ids.push(run.info.runId);
      }
      const noMetric = await runs.createRun(ctx, { experimentId: e.experimentId, startTime: 50, tags: [] });
      const page = await runs.searchRuns({ experimentIds: [e.experimentId], orderBy: ["metrics.v DESC"] });
      const got = page.items.map((r) => r.metrics[0]?.value ?? "none");
      assert.deepEqual(got, [Infinity, 0.7, 0.7, 0.3, 0.1, -Infinity, NaN, "none"]);
      assert.equal(page.items.at(-1)?.info.runId, noMetric.info.runId);
      const filtered = await runs.searchRuns({
        experimentIds: [e.experimentId],
        filter: "metrics.v > 0.2",
        orderBy: ["metrics.v ASC"],
      });
      assert.deepEqual(
        filtered.items.map((r) => r.metrics[0]?.value),
        [0.3, 0.7, 0.7, Infinity],
      );
      const notEqual = await runs.searchRuns({
        experimentIds: [e.experimentId],
        filter: "metrics.v != 0.7",
        orderBy: ["metrics.v"],
      });
      assert.deepEqual(
        notEqual.items.map((r) => r.metrics[0]?.value),
        [-Infinity, 0.1, 0.3, Infinity, NaN],
      );
    });
  });
}
