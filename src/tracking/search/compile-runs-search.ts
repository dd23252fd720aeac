// Compiles a parsed runs search into one SQL query over runs, latest_metrics, params and run_tags that means
// the same on SQLite and PostgreSQL. Metric, param and tag clauses are grouped per key (one row per run and
// key): a group on an order_by key is an inner join, so the engine can walk the (key, value) index; the
// other groups are one subquery per table however many clauses there are; other order_by keys are LEFT JOINs.
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

const KEY_TABLES = { metric: "latest_metrics", param: "params", tag: "run_tags" } as const;

type KeyKind = keyof typeof KEY_TABLES;
type KeyClause = Extract<RunClause, { kind: KeyKind }>;

/**
 * All the comparisons a filter makes on one key of one kind. Each run has at most one row per key (the
 * tables' primary key is (run_id, key)), so they all test that one row: `params.p > 'a' AND params.p < 'c'`
 * is one row test, not two joins.
 */
interface KeyGroup {
  kind: KeyKind;
  key: string;
  clauses: KeyClause[];
}

/** A key group joined to `r` (the order follows its value) under `alias`. */
interface JoinedKey {
  kind: KeyKind;
  key: string;
  alias: string;
  /** Whether a joined metric row may hold NaN (only `!=` lets NaN through). */
  maybeNaN: boolean;
}

/** The row test of a key group on the row aliased `alias`. */
function rowTest(group: KeyGroup, alias: string): RawBuilder<SqlBool> {
  const tests = group.clauses.map((clause) => {
    if (clause.comparator === "IS NOT NULL") return sql<SqlBool>`1 = 1`;
    const cmp = sqlComparison(sql.ref(`${alias}.value`), clause.comparator, clause.value);
    if (clause.kind !== "metric") return cmp;
    // NaN satisfies only != (as IEEE comparison does); it is stored as 0 with is_nan = 1.
    const nan = sql.ref(`${alias}.is_nan`);
    return clause.comparator === "!="
      ? sql<SqlBool>`(${nan} = 1 or ${cmp})`
      : sql<SqlBool>`(${nan} = 0 and ${cmp})`;
  });
  return sql<SqlBool>`${sql.ref(`${alias}.key`)} = ${group.key} and ${sql.join(tests, sql` and `)}`;
}

/**
 * The runs that pass every group of one table, as one condition on `r`. One group is a correlated EXISTS,
 * so the default order (start_time DESC) can walk the runs index and stop at the page size. Several groups
 * are ONE grouped subquery — the runs with a passing row for each of the K keys — instead of K semi-joins:
 * PostgreSQL plans K semi-joins by searching join orders, which took minutes for a hundred of them.
 */
function tableCondition(kind: KeyKind, groups: KeyGroup[]): RawBuilder<SqlBool> {
  const table = sql.raw(KEY_TABLES[kind]);
  if (groups.length === 1) {
    const [group] = groups as [KeyGroup];
    return sql<SqlBool>`exists (select 1 from ${table} f where f.run_id = r.run_id and ${rowTest(group, "f")})`;
  }
  const anyKey = sql.join(
    groups.map((g) => sql`(${rowTest(g, "f")})`),
    sql` or `,
  );
  const keys = sql.join(groups.map((g) => g.key));
  return sql<SqlBool>`r.run_id in (select f.run_id from ${table} f where f.key in (${keys}) and (${anyKey}) group by f.run_id having count(*) = ${groups.length})`;
}

/** `params.a IS NULL AND params.b IS NULL`: the runs with none of those keys, in one NOT EXISTS per table. */
function missingKeysCondition(kind: KeyKind, keys: string[]): RawBuilder<SqlBool> {
  const table = sql.raw(KEY_TABLES[kind]);
  return sql<SqlBool>`not exists (select 1 from ${table} f where f.run_id = r.run_id and f.key in (${sql.join(keys)}))`;
}

/** A condition on `r` for an attribute or dataset clause. */
async function attributeCondition(
  ex: Executor,
  experimentIds: number[],
  clause: Exclude<RunClause, KeyClause>,
): Promise<RawBuilder<SqlBool>> {
  if (clause.kind === "attribute") {
    return sqlComparison(
      sql.ref(`r.${ATTRIBUTE_COLUMNS[clause.key] ?? "run_id"}`),
      clause.comparator,
      clause.value,
    );
  }
  if (clause.key === "context") {
    const ids = await runIdsByDatasetContext(ex, experimentIds, clause);
    return sqlComparison(sql.ref("r.run_id"), "IN", ids);
  }
  const cmp = sqlComparison(sql.ref(`d.${clause.key}`), clause.comparator, clause.value);
  return sql<SqlBool>`r.run_id in (select i.run_id from run_inputs i join datasets d on d.dataset_id = i.dataset_id where ${cmp})`;
}

interface CompiledFilter {
  conditions: RawBuilder<SqlBool>[];
  joins: RawBuilder<unknown>[];
  joined: JoinedKey[];
}

/**
 * Compiles the clauses: attributes and datasets become conditions on `r`; key clauses are grouped per key;
 * a group on a key the results are ordered by becomes an inner join, so the engine can walk the (key, value)
 * index in order; the other groups become one condition per table (see tableCondition).
 */
async function compileFilter(
  ex: Executor,
  experimentIds: number[],
  clauses: readonly RunClause[],
  orderBy: readonly RunOrderBy[],
): Promise<CompiledFilter> {
  const conditions: RawBuilder<SqlBool>[] = [];
  const groups = new Map<string, KeyGroup>();
  const missing: Record<KeyKind, string[]> = { metric: [], param: [], tag: [] };
  for (const clause of clauses) {
    if (clause.kind === "attribute" || clause.kind === "dataset") {
      conditions.push(await attributeCondition(ex, experimentIds, clause));
    } else if (clause.comparator === "IS NULL") {
      missing[clause.kind].push(clause.key);
    } else {
      const id = `${clause.kind}\u0000${clause.key}`;
      const group = groups.get(id) ?? { kind: clause.kind, key: clause.key, clauses: [] };
      group.clauses.push(clause);
      groups.set(id, group);
    }
  }
  const joins: RawBuilder<unknown>[] = [];
  const joined: JoinedKey[] = [];
  const rest: Record<KeyKind, KeyGroup[]> = { metric: [], param: [], tag: [] };
  for (const group of groups.values()) {
    if (!orderBy.some((o) => o.kind === group.kind && o.key === group.key)) {
      rest[group.kind].push(group);
      continue;
    }
    const alias = `f${joined.length}`;
    const table = sql.raw(KEY_TABLES[group.kind]);
    joins.push(
      sql`join ${table} ${sql.raw(alias)} on ${sql.raw(alias)}.run_id = r.run_id and ${rowTest(group, alias)}`,
    );
    joined.push({
      kind: group.kind,
      key: group.key,
      alias,
      maybeNaN: group.kind === "metric" && group.clauses.every((c) => c.comparator === "!="),
    });
  }
  for (const kind of ["metric", "param", "tag"] as const) {
    if (rest[kind].length > 0) conditions.push(tableCondition(kind, rest[kind]));
    if (missing[kind].length > 0) conditions.push(missingKeysCondition(kind, missing[kind]));
  }
  return { conditions, joins, joined };
}

interface OrderPart {
  join: RawBuilder<unknown> | undefined;
  terms: RawBuilder<unknown>[];
}

function orderPart(order: RunOrderBy, index: number, dialect: Dialect, joined: JoinedKey[]): OrderPart {
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
  const filter = joined.find((j) => j.kind === order.kind && j.key === order.key);
  if (filter !== undefined) {
    const alias = sql.raw(filter.alias);
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
  const filter = await compileFilter(ex, experimentIds, search.clauses, search.orderBy);
  const conditions: RawBuilder<SqlBool>[] = [
    sql<SqlBool>`r.experiment_id in (${sql.join(experimentIds)})`,
    sql<SqlBool>`r.lifecycle_stage in (${sql.join(lifecycleStagesOf(search.viewType))})`,
    ...filter.conditions,
  ];
  const parts = search.orderBy.map((o, i) => orderPart(o, i, dialect, filter.joined));
  const joins = [...filter.joins, ...parts.flatMap((p) => (p.join === undefined ? [] : [p.join]))];
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
