// LoggedModelStore on Kysely, one implementation for SQLite and PostgreSQL. Rows become LoggedModel entities
// only here. A model's metrics are the rows of `metrics` carrying its model_id (3.x `log_metric(model_id=…)`).
import { sql, type RawBuilder } from "kysely";
import { invalidParameter } from "../core/errors.js";
import type { Executor } from "../store/database.js";
import type { FilterClause, FilterOp } from "./logged-model-filter.js";
import {
  LOGGED_MODEL_STATUSES,
  type LoggedModel,
  type LoggedModelOrder,
  type LoggedModelQuery,
  type LoggedModelStatus,
  type LoggedModelStore,
} from "./logged-model-store.js";

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  name: "name",
  model_id: "model_id",
  model_type: "model_type",
  status: "status",
  source_run_id: "source_run_id",
  experiment_id: "experiment_id",
  creation_timestamp: "creation_timestamp_ms",
  creation_time: "creation_timestamp_ms",
  creation_timestamp_ms: "creation_timestamp_ms",
  last_updated_timestamp: "last_updated_timestamp_ms",
  last_updated_time: "last_updated_timestamp_ms",
  last_updated_timestamp_ms: "last_updated_timestamp_ms",
};

function statusNumber(value: string | number): number {
  if (typeof value === "number") return value;
  const upper = value.toUpperCase();
  const index = LOGGED_MODEL_STATUSES.findIndex(
    (s) =>
      s === upper || s === `LOGGED_MODEL_${upper}` || (upper === "FAILED" && s.endsWith("UPLOAD_FAILED")),
  );
  if (index === -1) {
    throw invalidParameter(
      `Invalid status '${value}' in filter: use PENDING, READY or UPLOAD_FAILED (or their LOGGED_MODEL_ names).`,
    );
  }
  return index;
}

function statusName(n: number): LoggedModelStatus {
  return LOGGED_MODEL_STATUSES[n] ?? "LOGGED_MODEL_STATUS_UNSPECIFIED";
}

/** `left OP right` for a whitelisted operator; ILIKE is `lower(x) LIKE lower(y)` on both engines. */
function compare(left: RawBuilder<unknown>, op: FilterOp, value: string | number): RawBuilder<boolean> {
  if (op === "ILIKE") return sql<boolean>`lower(${left}) LIKE lower(${value})`;
  return sql<boolean>`${left} ${sql.raw(op)} ${value}`;
}

function datasetCondition(datasets: LoggedModelQuery["datasets"]): RawBuilder<boolean> | undefined {
  if (datasets.length === 0) return undefined;
  const each = datasets.map((d) =>
    d.digest === undefined
      ? sql<boolean>`m.dataset_name = ${d.name}`
      : sql<boolean>`(m.dataset_name = ${d.name} AND m.dataset_digest = ${d.digest})`,
  );
  return sql<boolean>`(${sql.join(each, sql` OR `)})`;
}

function clauseCondition(clause: FilterClause, datasets: LoggedModelQuery["datasets"]): RawBuilder<boolean> {
  const { entity, key, op, value } = clause;
  switch (entity) {
    case "attribute": {
      const column = ATTRIBUTE_COLUMNS[key] ?? key;
      if (column === "status") {
        if (op !== "=" && op !== "!=") throw invalidParameter("Filter on status supports only = and !=.");
        return compare(sql.ref(`lm.status`), op, statusNumber(value));
      }
      return compare(sql.ref(`lm.${column}`), op, value);
    }
    case "param":
    case "tag": {
      const table = entity === "param" ? "logged_model_params" : "logged_model_tags";
      return sql<boolean>`EXISTS (SELECT 1 FROM ${sql.table(table)} kv WHERE kv.model_id = lm.model_id AND kv.key = ${key} AND ${compare(sql.ref("kv.value"), op, value)})`;
    }
    case "metric": {
      const ds = datasetCondition(datasets);
      return sql<boolean>`EXISTS (SELECT 1 FROM metrics m WHERE m.model_id = lm.model_id AND m.key = ${key} AND m.is_nan = 0 AND ${compare(sql.ref("m.value"), op, value)}${ds === undefined ? sql`` : sql` AND ${ds}`})`;
    }
  }
}

function orderExpression(order: LoggedModelOrder): RawBuilder<unknown> {
  if (order.fieldName.startsWith("metrics.")) {
    const key = order.fieldName.slice("metrics.".length);
    const ds = datasetCondition(
      order.datasetName === undefined ? [] : [{ name: order.datasetName, digest: order.datasetDigest }],
    );
    // The latest value of the metric for the model, as MLflow ranks them (timestamp, then step).
    return sql`(SELECT m.value FROM metrics m WHERE m.model_id = lm.model_id AND m.key = ${key}${ds === undefined ? sql`` : sql` AND ${ds}`} ORDER BY m.timestamp DESC, m.step DESC LIMIT 1)`;
  }
  const column = ATTRIBUTE_COLUMNS[order.fieldName];
  if (column === undefined) {
    throw invalidParameter(
      `Invalid order_by field '${order.fieldName}': use name, model_id, model_type, status, source_run_id, creation_timestamp, last_updated_timestamp or metrics.<key>.`,
    );
  }
  return sql.ref(`lm.${column}`);
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
    // Until the tracking service lands, experiments and runs are read here directly: only the columns the
    // logged-model service needs (artifact location, existence, lifecycle).
    async findExperiment(ex, experimentId) {
      if (!/^\d{1,18}$/.test(experimentId)) return undefined;
      const row = await ex
        .selectFrom("experiments")
        .select(["experiment_id", "artifact_location", "lifecycle_stage"])
        .where("experiment_id", "=", Number(experimentId))
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : {
            experimentId: String(row.experiment_id),
            artifactLocation: row.artifact_location,
            lifecycleStage: row.lifecycle_stage,
          };
    },

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
      if (query.experimentIds.some((id) => !/^\d{1,18}$/.test(id))) return [];
      let q = ex
        .selectFrom("logged_models as lm")
        .select("lm.model_id")
        .where("lm.lifecycle_stage", "=", "active")
        .where("lm.experiment_id", "in", query.experimentIds.map(Number));
      for (const clause of query.filter) q = q.where(clauseCondition(clause, query.datasets));
      if (query.datasets.length > 0 && !query.filter.some((c) => c.entity === "metric")) {
        const ds = datasetCondition(query.datasets);
        q = q.where(sql<boolean>`EXISTS (SELECT 1 FROM metrics m WHERE m.model_id = lm.model_id AND ${ds})`);
      }
      let hasCreation = false;
      for (const order of query.orderBy) {
        const expr = orderExpression(order);
        if (ATTRIBUTE_COLUMNS[order.fieldName] === "creation_timestamp_ms") hasCreation = true;
        // Nulls last in both directions, on both engines.
        q = q
          .orderBy(sql`CASE WHEN ${expr} IS NULL THEN 1 ELSE 0 END`)
          .orderBy(sql`${expr} ${sql.raw(order.ascending ? "ASC" : "DESC")}`);
      }
      if (!hasCreation) q = q.orderBy(sql`lm.creation_timestamp_ms DESC`);
      q = q.orderBy(sql`lm.model_id ASC`);
      const rows = await q.offset(query.offset).limit(query.limit).execute();
      return loadMany(
        ex,
        rows.map((r) => r.model_id),
      );
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

    async getRunTag(ex, runId, key) {
      const row = await ex
        .selectFrom("run_tags")
        .select("value")
        .where("run_id", "=", runId)
        .where("key", "=", key)
        .executeTakeFirst();
      return row?.value;
    },

    async setRunTag(ex, runId, key, value) {
      await ex
        .insertInto("run_tags")
        .values({ run_id: runId, key, value })
        .onConflict((oc) => oc.columns(["run_id", "key"]).doUpdateSet({ value }))
        .execute();
    },
  };
}
