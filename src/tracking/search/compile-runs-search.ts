// Compiles a parsed runs search into one SQL query over runs, latest_metrics, params and run_tags that means
// the same on SQLite and PostgreSQL. Metric, param and tag filters are inner joins (one row per run and key),
// so a metric filter can use the latest_metrics (key, value) index; other order_by keys are LEFT JOINs.
// Order as MLflow's SQL store: each key's values first, then NaN, then missing; ties by start_time DESC, run_id.
import { sql, type RawBuilder, type SqlBool } from "kysely";
import type { Executor } from "../../store/database.js";
import type { Dialect } from "../../store/dialect.js";
import type { Tag } from "../entities.js";
import type { RunSearch } from "../tracking-store.js";
import { experimentIdNumber, lifecycleStagesOf } from "../sql-experiment-store.js";
import type { Comparator } from "../../core/search-filter/parser.js";
import type { RunClause, RunOrderBy } from "./runs-filter.js";
import { sqlComparison } from "../../store/sql-comparison.js";

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: "run_id",
  run_name: "name",
  status: "status",
  user_id: "user_id",
  artifact_uri: "artifact_uri",
  lifecycle_stage: "lifecycle_stage",
  start_time: "start_time",
  end_time: "end_time",
};

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === "%" ? ".*" : ch === "_" ? "." : ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, caseInsensitive ? "is" : "s");
}

function matchesInJs(actual: string, comparator: Comparator, value: string | readonly string[]): boolean {
  switch (comparator) {
    case "=":
      return actual === value;
    case "!=":
      return actual !== value;
    case "LIKE":
      return likeToRegExp(String(value), false).test(actual);
    case "ILIKE":
      return likeToRegExp(String(value), true).test(actual);
    case "IN":
      return (value as readonly string[]).includes(actual);
    case "NOT IN":
      return !(value as readonly string[]).includes(actual);
    case "<":
    case "<=":
    case ">":
    case ">=":
    case "IS NULL":
    case "IS NOT NULL":
      // The grammar allows none of these for datasets.
      return false;
  }
}

/** Run ids whose dataset inputs carry a matching `mlflow.data.context` tag (the tags are stored as JSON). */
async function runIdsByDatasetContext(
  ex: Executor,
  experimentIds: number[],
  clause: Extract<RunClause, { kind: "dataset" }>,
): Promise<string[]> {
  const rows = await ex
    .selectFrom("run_inputs as i")
    .innerJoin("runs as r", "r.run_id", "i.run_id")
    .select(["i.run_id", "i.tags"])
    .where("r.experiment_id", "in", experimentIds)
    .execute();
  const ids = new Set<string>();
  for (const row of rows) {
    const context = (JSON.parse(row.tags) as Tag[]).find((t) => t.key === "mlflow.data.context");
    if (context !== undefined && matchesInJs(context.value, clause.comparator, clause.value))
      ids.add(row.run_id);
  }
  return [...ids];
}

/** How a filter is applied: a condition on `r`, or an inner join that keeps only runs with a matching row. */
type Filter =
  | { type: "where"; condition: RawBuilder<SqlBool> }
  | {
      type: "join";
      join: RawBuilder<unknown>;
      /** The same test as a correlated EXISTS, for when the join would not help the order. */
      exists: RawBuilder<SqlBool>;
      kind: "metric" | "param" | "tag";
      key: string;
      maybeNaN: boolean;
    };

const KEY_TABLES = { metric: "latest_metrics", param: "params", tag: "run_tags" } as const;

/**
 * A filter on a key that is also an order_by key becomes an inner join, so the engine can walk the
 * (key, value) index in order; any other key filter becomes a correlated EXISTS, so the default order
 * (start_time DESC) can walk the runs index and stop at the page size.
 */
async function filterFor(
  ex: Executor,
  experimentIds: number[],
  clause: RunClause,
  index: number,
  orderBy: readonly RunOrderBy[],
): Promise<Filter> {
  const filter = await keyFilterFor(ex, experimentIds, clause, index);
  if (filter.type === "where" || orderBy.some((o) => o.kind === filter.kind && o.key === filter.key))
    return filter;
  return { type: "where", condition: filter.exists };
}

async function keyFilterFor(
  ex: Executor,
  experimentIds: number[],
  clause: RunClause,
  index: number,
): Promise<Filter> {
  switch (clause.kind) {
    case "metric": {
      // An inner join on latest_metrics lets the engine drive the query from the (key, value) index.
      // NaN satisfies only != (as IEEE comparison does); it is stored as 0 with is_nan = 1.
      const alias = sql.raw(`f${index}`);
      const cmp = sqlComparison(sql.ref(`f${index}.value`), clause.comparator, clause.value);
      const cond =
        clause.comparator === "!="
          ? sql<SqlBool>`(${alias}.is_nan = 1 or ${cmp})`
          : sql<SqlBool>`${alias}.is_nan = 0 and ${cmp}`;
      return {
        type: "join",
        join: sql`join latest_metrics ${alias} on ${alias}.run_id = r.run_id and ${alias}.key = ${clause.key} and ${cond}`,
        exists: sql<SqlBool>`exists (select 1 from latest_metrics ${alias} where ${alias}.run_id = r.run_id and ${alias}.key = ${clause.key} and ${cond})`,
        kind: "metric",
        key: clause.key,
        maybeNaN: clause.comparator === "!=",
      };
    }
    case "param":
    case "tag": {
      const table = sql.raw(KEY_TABLES[clause.kind]);
      if (clause.comparator === "IS NULL") {
        return {
          type: "where",
          condition: sql<SqlBool>`not exists (select 1 from ${table} f where f.run_id = r.run_id and f.key = ${clause.key})`,
        };
      }
      const alias = sql.raw(`f${index}`);
      const cond =
        clause.comparator === "IS NOT NULL"
          ? sql<SqlBool>`1 = 1`
          : sqlComparison(sql.ref(`f${index}.value`), clause.comparator, clause.value);
      return {
        type: "join",
        join: sql`join ${table} ${alias} on ${alias}.run_id = r.run_id and ${alias}.key = ${clause.key} and ${cond}`,
        exists: sql<SqlBool>`exists (select 1 from ${table} ${alias} where ${alias}.run_id = r.run_id and ${alias}.key = ${clause.key} and ${cond})`,
        kind: clause.kind,
        key: clause.key,
        maybeNaN: false,
      };
    }
    case "attribute":
      return {
        type: "where",
        condition: sqlComparison(
          sql.ref(`r.${ATTRIBUTE_COLUMNS[clause.key] ?? "run_id"}`),
          clause.comparator,
          clause.value,
        ),
      };
    case "dataset": {
      if (clause.key === "context") {
        const ids = await runIdsByDatasetContext(ex, experimentIds, clause);
        return { type: "where", condition: sqlComparison(sql.ref("r.run_id"), "IN", ids) };
      }
      const cmp = sqlComparison(sql.ref(`d.${clause.key}`), clause.comparator, clause.value);
      return {
        type: "where",
        condition: sql<SqlBool>`r.run_id in (select i.run_id from run_inputs i join datasets d on d.dataset_id = i.dataset_id where ${cmp})`,
      };
    }
  }
}

interface OrderPart {
  join: RawBuilder<unknown> | undefined;
  terms: RawBuilder<unknown>[];
}

function orderPart(order: RunOrderBy, index: number, dialect: Dialect, filters: Filter[]): OrderPart {
  const dir = sql.raw(order.ascending ? "asc" : "desc");
  const collate = sql.raw(`collate ${dialect.binaryCollation}`);
  if (order.kind === "attribute") {
    const column = ATTRIBUTE_COLUMNS[order.key] ?? "run_id";
    const ref = sql.ref(`r.${column}`);
    const numeric = column === "start_time" || column === "end_time";
    return {
      join: undefined,
      terms: [
        sql`case when ${ref} is null then 1 else 0 end`,
        numeric ? sql`${ref} ${dir}` : sql`${ref} ${collate} ${dir}`,
      ],
    };
  }
  // A filter on the same key already joined its row: every run in the result has it, so the order needs no
  // null handling (nor NaN handling unless the filter was !=), and can follow the (key, value) index.
  const filterIndex = filters.findIndex(
    (f) => f.type === "join" && f.kind === order.kind && f.key === order.key,
  );
  const filter = filters[filterIndex];
  if (filter?.type === "join") {
    const alias = sql.raw(`f${filterIndex}`);
    const value =
      order.kind === "metric" ? sql`${alias}.value ${dir}` : sql`${alias}.value ${collate} ${dir}`;
    return { join: undefined, terms: filter.maybeNaN ? [sql`${alias}.is_nan`, value] : [value] };
  }
  const alias = sql.raw(`o${index}`);
  const table = sql.raw(KEY_TABLES[order.kind]);
  const join = sql`left join ${table} ${alias} on ${alias}.run_id = r.run_id and ${alias}.key = ${order.key}`;
  if (order.kind === "metric") {
    return {
      join,
      terms: [
        sql`case when ${alias}.is_nan = 1 then 1 when ${alias}.run_id is null then 2 else 0 end`,
        sql`${alias}.value ${dir}`,
      ],
    };
  }
  return {
    join,
    terms: [sql`case when ${alias}.value is null then 1 else 0 end`, sql`${alias}.value ${collate} ${dir}`],
  };
}

/** The ids of the runs matching `search`, in result order, `limit` rows from `offset`. */
export async function searchRunIds(ex: Executor, dialect: Dialect, search: RunSearch): Promise<string[]> {
  const experimentIds = search.experimentIds
    .map(experimentIdNumber)
    .filter((id): id is number => id !== undefined);
  if (experimentIds.length === 0) return [];
  const conditions: RawBuilder<SqlBool>[] = [
    sql<SqlBool>`r.experiment_id in (${sql.join(experimentIds)})`,
    sql<SqlBool>`r.lifecycle_stage in (${sql.join(lifecycleStagesOf(search.viewType))})`,
  ];
  const filters: Filter[] = [];
  for (const [i, clause] of search.clauses.entries())
    filters.push(await filterFor(ex, experimentIds, clause, i, search.orderBy));
  for (const f of filters) if (f.type === "where") conditions.push(f.condition);
  const parts = search.orderBy.map((o, i) => orderPart(o, i, dialect, filters));
  const joins = [
    ...filters.flatMap((f) => (f.type === "join" ? [f.join] : [])),
    ...parts.flatMap((p) => (p.join === undefined ? [] : [p.join])),
  ];
  const terms = parts.flatMap((p) => p.terms);
  if (!search.orderBy.some((o) => o.kind === "attribute" && o.key === "start_time")) {
    terms.push(sql`r.start_time desc`);
  }
  terms.push(sql`r.run_id ${sql.raw(`collate ${dialect.binaryCollation}`)}`);
  const query = sql<{
    run_id: string;
  }>`select r.run_id from runs r ${joins.length > 0 ? sql.join(joins, sql` `) : sql``}
    where ${sql.join(conditions, sql` and `)}
    order by ${sql.join(terms)}
    limit ${search.limit} offset ${search.offset}`;
  const result = await query.execute(ex);
  return result.rows.map((row) => row.run_id);
}
