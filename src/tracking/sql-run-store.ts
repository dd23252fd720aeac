// Runs, params, run tags and run inputs on SQLite and PostgreSQL (Kysely). Rows become Run entities here.
// Metric writes and history live in sql-metric-store.ts; run search in search/compile-runs-search.ts.
import { randomUUID } from "node:crypto";
import type { Executor } from "../store/database.js";
import type { RunsTable } from "../store/schema.js";
import type { DatasetInput, LifecycleStage, Metric, Run, RunInfo, RunStatus, Tag } from "./entities.js";
import type { RunStore } from "./tracking-store.js";
import { experimentIdNumber } from "./sql-experiment-store.js";

/** Keeps IN lists and multi-row inserts well inside both engines' bound-parameter limits. */
export const CHUNK = 500;

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toRunInfo(row: RunsTable): RunInfo {
  return {
    runId: row.run_id,
    runName: row.name,
    experimentId: String(row.experiment_id),
    userId: row.user_id,
    status: row.status as RunStatus,
    startTime: Number(row.start_time),
    endTime: row.end_time === null ? null : Number(row.end_time),
    artifactUri: row.artifact_uri,
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
  };
}

function group<T>(rows: Array<{ run_id: string }>, map: (row: never) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const list = out.get(row.run_id) ?? [];
    list.push(map(row as never));
    out.set(row.run_id, list);
  }
  return out;
}

async function loadRuns(ex: Executor, runIds: string[]): Promise<Run[]> {
  const [runs, metrics, params, tags, inputs, modelInputs, modelOutputs] = await Promise.all([
    ex.selectFrom("runs").selectAll().where("run_id", "in", runIds).execute(),
    ex.selectFrom("latest_metrics").selectAll().where("run_id", "in", runIds).orderBy("key").execute(),
    ex.selectFrom("params").selectAll().where("run_id", "in", runIds).orderBy("key").execute(),
    ex.selectFrom("run_tags").selectAll().where("run_id", "in", runIds).orderBy("key").execute(),
    ex
      .selectFrom("run_inputs as i")
      .innerJoin("datasets as d", "d.dataset_id", "i.dataset_id")
      .select([
        "i.run_id",
        "i.tags",
        "d.name",
        "d.digest",
        "d.source_type",
        "d.source",
        "d.schema",
        "d.profile",
      ])
      .where("i.run_id", "in", runIds)
      .orderBy("d.name")
      .execute(),
    ex.selectFrom("run_model_inputs").selectAll().where("run_id", "in", runIds).execute(),
    ex.selectFrom("run_model_outputs").selectAll().where("run_id", "in", runIds).orderBy("step").execute(),
  ]);
  const metricsBy = group<Metric>(metrics, (m: (typeof metrics)[number]) => ({
    key: m.key,
    value: m.is_nan === 1 ? NaN : Number(m.value),
    timestamp: Number(m.timestamp),
    step: Number(m.step),
  }));
  const paramsBy = group<Tag>(params, (p: (typeof params)[number]) => ({ key: p.key, value: p.value }));
  const tagsBy = group<Tag>(tags, (t: (typeof tags)[number]) => ({ key: t.key, value: t.value }));
  const inputsBy = group<DatasetInput>(inputs, (i: (typeof inputs)[number]) => ({
    tags: JSON.parse(i.tags) as Tag[],
    dataset: {
      name: i.name,
      digest: i.digest,
      sourceType: i.source_type,
      source: i.source,
      schema: i.schema,
      profile: i.profile,
    },
  }));
  const modelInputsBy = group<string>(modelInputs, (m: (typeof modelInputs)[number]) => m.model_id);
  const outputsBy = group(modelOutputs, (o: (typeof modelOutputs)[number]) => ({
    modelId: o.model_id,
    step: Number(o.step),
  }));
  return runs.map((row) => ({
    info: toRunInfo(row),
    metrics: metricsBy.get(row.run_id) ?? [],
    params: paramsBy.get(row.run_id) ?? [],
    tags: tagsBy.get(row.run_id) ?? [],
    datasetInputs: inputsBy.get(row.run_id) ?? [],
    modelInputs: modelInputsBy.get(row.run_id) ?? [],
    modelOutputs: outputsBy.get(row.run_id) ?? [],
  }));
}

export function createSqlRunStore(): Omit<
  RunStore,
  "logMetrics" | "getMetricHistory" | "getMetricHistoryForRuns" | "searchRunIds"
> {
  return {
    async createRun(ex, info, tags) {
      await ex
        .insertInto("runs")
        .values({
          run_id: info.runId,
          experiment_id: experimentIdNumber(info.experimentId) ?? -1,
          name: info.runName,
          user_id: info.userId,
          status: info.status,
          start_time: info.startTime,
          end_time: info.endTime,
          lifecycle_stage: info.lifecycleStage,
          artifact_uri: info.artifactUri,
          deleted_time: null,
        })
        .execute();
      if (tags.length > 0) {
        await ex
          .insertInto("run_tags")
          .values(tags.map((t) => ({ run_id: info.runId, key: t.key, value: t.value })))
          .execute();
      }
    },

    async getRunInfo(ex, runId) {
      const row = await ex.selectFrom("runs").selectAll().where("run_id", "=", runId).executeTakeFirst();
      return row === undefined ? undefined : toRunInfo(row);
    },

    async getRuns(ex, runIds) {
      const found = new Map<string, Run>();
      for (const part of chunks(runIds)) {
        for (const run of await loadRuns(ex, part)) found.set(run.info.runId, run);
      }
      return runIds.flatMap((id) => {
        const run = found.get(id);
        return run === undefined ? [] : [run];
      });
    },

    async updateRunInfo(ex, runId, patch) {
      const changes = {
        ...(patch.status === undefined ? {} : { status: patch.status }),
        ...(patch.endTime === undefined ? {} : { end_time: patch.endTime }),
        ...(patch.runName === undefined ? {} : { name: patch.runName }),
        ...(patch.lifecycleStage === undefined ? {} : { lifecycle_stage: patch.lifecycleStage }),
        ...(patch.deletedTime === undefined ? {} : { deleted_time: patch.deletedTime }),
      };
      // An UPDATE with an empty SET is not SQL: changing nothing is simply nothing to write.
      if (Object.keys(changes).length === 0) return;
      await ex.updateTable("runs").set(changes).where("run_id", "=", runId).execute();
    },

    async setExperimentRunsLifecycle(ex, experimentId, stage, deletedTime) {
      await ex
        .updateTable("runs")
        .set({ lifecycle_stage: stage, deleted_time: deletedTime })
        .where("experiment_id", "=", experimentIdNumber(experimentId) ?? -1)
        .execute();
    },

    async getParams(ex, runId, keys) {
      const out = new Map<string, string>();
      for (const part of chunks(keys)) {
        const rows = await ex
          .selectFrom("params")
          .select(["key", "value"])
          .where("run_id", "=", runId)
          .where("key", "in", part)
          .execute();
        for (const r of rows) out.set(r.key, r.value);
      }
      return out;
    },

    async insertParams(ex, runId, params) {
      for (const part of chunks(params)) {
        await ex
          .insertInto("params")
          .values(part.map((p) => ({ run_id: runId, key: p.key, value: p.value })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    },

    async setTags(ex, runId, tags) {
      for (const part of chunks(tags)) {
        await ex
          .insertInto("run_tags")
          .values(part.map((t) => ({ run_id: runId, key: t.key, value: t.value })))
          .onConflict((oc) =>
            oc.columns(["run_id", "key"]).doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })),
          )
          .execute();
      }
    },

    async deleteTag(ex, runId, key) {
      const result = await ex
        .deleteFrom("run_tags")
        .where("run_id", "=", runId)
        .where("key", "=", key)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async logInputs(ex, experimentId, runId, datasets, modelIds) {
      const expId = experimentIdNumber(experimentId) ?? -1;
      for (const input of datasets) {
        const d = input.dataset;
        // Datasets are shared by the runs of an experiment: one row per (experiment, name, digest).
        await ex
          .insertInto("datasets")
          .values({
            dataset_id: randomUUID().replaceAll("-", ""),
            experiment_id: expId,
            name: d.name,
            digest: d.digest,
            source_type: d.sourceType,
            source: d.source,
            schema: d.schema,
            profile: d.profile,
          })
          .onConflict((oc) => oc.columns(["experiment_id", "name", "digest"]).doNothing())
          .execute();
        const row = await ex
          .selectFrom("datasets")
          .select("dataset_id")
          .where("experiment_id", "=", expId)
          .where("name", "=", d.name)
          .where("digest", "=", d.digest)
          .executeTakeFirstOrThrow();
        await ex
          .insertInto("run_inputs")
          .values({ run_id: runId, dataset_id: row.dataset_id, tags: JSON.stringify(input.tags) })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      if (modelIds.length > 0) {
        await ex
          .insertInto("run_model_inputs")
          .values(modelIds.map((m) => ({ run_id: runId, model_id: m })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    },
  };
}
