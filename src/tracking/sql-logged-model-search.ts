// The SQL of a logged-model search: the parsed filter, dataset restrictions and order_by as Kysely
// conditions over `logged_models lm`, on both engines. Operators come from a whitelist; values are bound.
import { sql, type RawBuilder } from "kysely";
import { keyValueFilter, type KeyTest } from "../store/key-value-filter.js";
import { invalidParameter } from "../core/errors.js";
import type { Executor } from "../store/database.js";
import type { FilterClause, FilterOp } from "./logged-model-filter.js";
import { LOGGED_MODEL_STATUSES, type LoggedModelOrder, type LoggedModelQuery } from "./logged-model-store.js";

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

/** An attribute or metric comparison (params and tags are grouped per table, see searchLoggedModelIds). */
function clauseCondition(
  clause: FilterClause & { entity: "attribute" | "metric" },
  datasets: LoggedModelQuery["datasets"],
): RawBuilder<boolean> {
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

/** Ids of one page of matching, non-deleted models, in order. */
export async function searchLoggedModelIds(ex: Executor, query: LoggedModelQuery): Promise<string[]> {
  if (query.experimentIds.some((id) => !/^\d{1,18}$/.test(id))) return [];
  let q = ex
    .selectFrom("logged_models as lm")
    .select("lm.model_id")
    .where("lm.lifecycle_stage", "=", "active")
    .where("lm.experiment_id", "in", query.experimentIds.map(Number));
  // Param and tag comparisons: one grouped condition per table (store/key-value-filter.ts).
  for (const entity of ["param", "tag"] as const) {
    const tests: KeyTest[] = query.filter
      .filter((c) => c.entity === entity)
      .map((c) => ({ key: c.key, test: (value) => compare(value, c.op, c.value) }));
    const table = entity === "param" ? "logged_model_params" : "logged_model_tags";
    const grouped = keyValueFilter({ table, owner: [["model_id", "lm.model_id"]] }, tests);
    if (grouped !== undefined) q = q.where(grouped);
  }
  for (const clause of query.filter) {
    if (clause.entity === "attribute" || clause.entity === "metric")
      q = q.where(clauseCondition({ ...clause, entity: clause.entity }, query.datasets));
  }
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
  return rows.map((r) => r.model_id);
}
