// Metric points and the latest value per key, on SQLite and PostgreSQL. Writes are multi-row inserts so a
// 1,000-metric log-batch is a handful of statements; latest_metrics moves forward in the same statement set.
import { sql } from "kysely";
import type { Executor } from "../store/database.js";
import type { LatestMetricsTable, MetricsTable } from "../store/schema.js";
import type { Metric } from "./entities.js";
import type { RunStore } from "./tracking-store.js";
import { chunks } from "./sql-run-store.js";

// SQLite cannot store NaN (it becomes NULL), so NaN is stored as 0 with is_nan = 1 on both engines, as MLflow
// does. ±Infinity are stored as such (both engines hold them in a double column).
function storedValue(value: number): number {
  return Number.isNaN(value) ? 0 : value;
}

function latestRow(runId: string, m: Metric): LatestMetricsTable {
  return {
    run_id: runId,
    key: m.key,
    value: storedValue(m.value),
    timestamp: m.timestamp,
    step: m.step,
    is_nan: Number.isNaN(m.value) ? 1 : 0,
  };
}

/** Is `a` later than `b` by MLflow's (step, timestamp, value) order? */
function isLater(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return storedValue(a.value) > storedValue(b.value);
}

function toMetric(row: MetricsTable): Metric {
  return {
    key: row.key,
    value: row.is_nan === 1 ? NaN : Number(row.value),
    timestamp: Number(row.timestamp),
    step: Number(row.step),
    modelId: row.model_id,
    datasetName: row.dataset_name,
    datasetDigest: row.dataset_digest,
    runId: row.run_id,
  };
}

export function createSqlMetricStore(): Pick<
  RunStore,
  "logMetrics" | "getMetricHistory" | "getMetricHistoryForRuns"
> {
  return {
    async logMetrics(ex: Executor, runId, metrics) {
      if (metrics.length === 0) return;
      const latest = new Map<string, Metric>();
      for (const m of metrics) {
        const seen = latest.get(m.key);
        if (seen === undefined || isLater(m, seen)) latest.set(m.key, m);
      }
      for (const part of chunks(metrics, 1000)) {
        await ex
          .insertInto("metrics")
          .values(
            part.map((m) => ({
              ...latestRow(runId, m),
              model_id: m.modelId ?? null,
              dataset_name: m.datasetName ?? null,
              dataset_digest: m.datasetDigest ?? null,
            })),
          )
          // The same point logged twice (a client retry) is stored once.
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      for (const part of chunks([...latest.values()], 1000)) {
        await ex
          .insertInto("latest_metrics")
          .values(part.map((m) => latestRow(runId, m)))
          .onConflict((oc) =>
            oc
              .columns(["run_id", "key"])
              .doUpdateSet((eb) => ({
                value: eb.ref("excluded.value"),
                timestamp: eb.ref("excluded.timestamp"),
                step: eb.ref("excluded.step"),
                is_nan: eb.ref("excluded.is_nan"),
              }))
              // Only a later point (by step, then timestamp, then value) replaces the latest one.
              .where(
                sql<boolean>`excluded.step > latest_metrics.step
                  or (excluded.step = latest_metrics.step and excluded.timestamp > latest_metrics.timestamp)
                  or (excluded.step = latest_metrics.step and excluded.timestamp = latest_metrics.timestamp
                      and excluded.value > latest_metrics.value)`,
              ),
          )
          .execute();
      }
    },

    async getMetricHistory(ex, runId, key, offset, limit) {
      const rows = await ex
        .selectFrom("metrics")
        .selectAll()
        .where("run_id", "=", runId)
        .where("key", "=", key)
        .orderBy("step")
        .orderBy("timestamp")
        .orderBy("value")
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toMetric);
    },

    async getMetricHistoryForRuns(ex, runIds, key, startStep, endStep) {
      if (runIds.length === 0) return [];
      let query = ex.selectFrom("metrics").selectAll().where("run_id", "in", runIds).where("key", "=", key);
      if (startStep !== undefined) query = query.where("step", ">=", startStep);
      if (endStep !== undefined) query = query.where("step", "<=", endStep);
      const rows = await query.orderBy("run_id").orderBy("step").orderBy("timestamp").execute();
      return rows.map(toMetric);
    },
  };
}
