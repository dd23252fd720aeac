// LoggedModelStore on Kysely, one implementation for SQLite and PostgreSQL. Rows become LoggedModel entities
// only here. A model's metrics are the rows of `metrics` carrying its model_id (3.x `log_metric(model_id=…)`).
import type { Executor } from "../store/database.js";
import { searchLoggedModelIds } from "./sql-logged-model-search.js";
import {
  LOGGED_MODEL_STATUSES,
  type LoggedModel,
  type LoggedModelStatus,
  type LoggedModelStore,
} from "./logged-model-store.js";

function statusName(n: number): LoggedModelStatus {
  return LOGGED_MODEL_STATUSES[n] ?? "LOGGED_MODEL_STATUS_UNSPECIFIED";
}

export function createSqlLoggedModelStore(): LoggedModelStore {
  async function loadMany(ex: Executor, ids: string[]): Promise<LoggedModel[]> {
    if (ids.length === 0) return [];
    const [rows, tags, params, metrics] = await Promise.all([
      ex.selectFrom("logged_models").selectAll().where("model_id", "in", ids).execute(),
      ex.selectFrom("logged_model_tags").selectAll().where("model_id", "in", ids).execute(),
      ex.selectFrom("logged_model_params").selectAll().where("model_id", "in", ids).execute(),
      ex
        .selectFrom("metrics")
        .selectAll()
        .where("model_id", "in", ids)
        .orderBy("key")
        .orderBy("step")
        .orderBy("timestamp")
        .execute(),
    ]);
    const byId = new Map<string, LoggedModel>();
    for (const r of rows) {
      byId.set(r.model_id, {
        modelId: r.model_id,
        experimentId: String(r.experiment_id),
        name: r.name,
        artifactUri: r.artifact_location,
        creationTimestampMs: Number(r.creation_timestamp_ms),
        lastUpdatedTimestampMs: Number(r.last_updated_timestamp_ms),
        status: statusName(Number(r.status)),
        lifecycleStage: r.lifecycle_stage === "deleted" ? "deleted" : "active",
        ...(r.model_type === null ? {} : { modelType: r.model_type }),
        ...(r.source_run_id === null ? {} : { sourceRunId: r.source_run_id }),
        ...(r.status_message === null ? {} : { statusMessage: r.status_message }),
        tags: {},
        params: {},
        metrics: [],
      });
    }
    for (const t of tags) {
      const m = byId.get(t.model_id);
      if (m !== undefined) m.tags[t.key] = t.value;
    }
    for (const p of params) {
      const m = byId.get(p.model_id);
      if (m !== undefined) m.params[p.key] = p.value;
    }
    for (const r of metrics) {
      const m = r.model_id === null ? undefined : byId.get(r.model_id);
      if (m === undefined) continue;
      m.metrics.push({
        key: r.key,
        value: Number(r.is_nan) === 1 ? NaN : Number(r.value),
        timestamp: Number(r.timestamp),
        step: Number(r.step),
        runId: r.run_id,
        modelId: m.modelId,
        ...(r.dataset_name === null ? {} : { datasetName: r.dataset_name }),
        ...(r.dataset_digest === null ? {} : { datasetDigest: r.dataset_digest }),
      });
    }
    return ids.flatMap((id) => {
      const m = byId.get(id);
      return m === undefined ? [] : [m];
    });
  }

  return {
    // The registry resolves run sources through this store; it reads only the columns it needs.
    async findRun(ex, runId) {
      const row = await ex
        .selectFrom("runs")
        .select(["run_id", "experiment_id", "artifact_uri", "lifecycle_stage"])
        .where("run_id", "=", runId)
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : {
            runId: row.run_id,
            experimentId: String(row.experiment_id),
            artifactUri: row.artifact_uri,
            lifecycleStage: row.lifecycle_stage,
          };
    },

    async insert(ex, m) {
      await ex
        .insertInto("logged_models")
        .values({
          model_id: m.modelId,
          experiment_id: Number(m.experimentId),
          name: m.name,
          artifact_location: m.artifactUri,
          creation_timestamp_ms: m.timestampMs,
          last_updated_timestamp_ms: m.timestampMs,
          status: LOGGED_MODEL_STATUSES.indexOf("LOGGED_MODEL_PENDING"),
          lifecycle_stage: "active",
          model_type: m.modelType ?? null,
          source_run_id: m.sourceRunId ?? null,
          status_message: null,
          creator_id: m.creatorId,
        })
        .execute();
    },

    async get(ex, modelId) {
      return (await loadMany(ex, [modelId]))[0];
    },

    async update(ex, modelId, changes) {
      await ex
        .updateTable("logged_models")
        .set({
          last_updated_timestamp_ms: changes.timestampMs,
          ...(changes.status === undefined ? {} : { status: LOGGED_MODEL_STATUSES.indexOf(changes.status) }),
          ...(changes.lifecycleStage === undefined ? {} : { lifecycle_stage: changes.lifecycleStage }),
        })
        .where("model_id", "=", modelId)
        .execute();
    },

    async setTags(ex, modelId, tags) {
      for (const t of tags) {
        await ex
          .insertInto("logged_model_tags")
          .values({ model_id: modelId, key: t.key, value: t.value })
          .onConflict((oc) => oc.columns(["model_id", "key"]).doUpdateSet({ value: t.value }))
          .execute();
      }
    },

    async deleteTag(ex, modelId, key) {
      const res = await ex
        .deleteFrom("logged_model_tags")
        .where("model_id", "=", modelId)
        .where("key", "=", key)
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    async setParams(ex, modelId, params) {
      for (const p of params) {
        await ex
          .insertInto("logged_model_params")
          .values({ model_id: modelId, key: p.key, value: p.value })
          .onConflict((oc) => oc.columns(["model_id", "key"]).doNothing())
          .execute();
      }
    },

    async search(ex, query) {
      return loadMany(ex, await searchLoggedModelIds(ex, query));
    },

    async addRunOutputs(ex, runId, outputs) {
      for (const o of outputs) {
        await ex
          .insertInto("run_model_outputs")
          .values({ run_id: runId, model_id: o.modelId, step: o.step })
          .onConflict((oc) => oc.columns(["run_id", "model_id"]).doUpdateSet({ step: o.step }))
          .execute();
      }
    },
  };
}
