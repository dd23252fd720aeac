// One comparison of a search clause (runs, experiments, registered models, versions) as SQL that means the same
// on SQLite and PostgreSQL: LIKE is case-sensitive on both (SQLite runs with case_sensitive_like=ON), ILIKE is
// lower() LIKE lower(), and a backslash escapes % and _ on both (PostgreSQL's default, made explicit for SQLite).
import { sql, type RawBuilder, type SqlBool } from "kysely";
import type { Comparator } from "../core/search-filter/parser.js";

export function sqlComparison(
  column: RawBuilder<unknown>,
  comparator: Comparator,
  value: string | number | readonly string[] | null,
): RawBuilder<SqlBool> {
  switch (comparator) {
    case "=":
      return sql<SqlBool>`${column} = ${value}`;
    case "!=":
      return sql<SqlBool>`${column} <> ${value}`;
    case "<":
      return sql<SqlBool>`${column} < ${value}`;
    case "<=":
      return sql<SqlBool>`${column} <= ${value}`;
    case ">":
      return sql<SqlBool>`${column} > ${value}`;
    case ">=":
      return sql<SqlBool>`${column} >= ${value}`;
    case "LIKE":
      return sql<SqlBool>`${column} like ${value} escape '\\'`;
    case "ILIKE":
      return sql<SqlBool>`lower(${column}) like lower(${value}) escape '\\'`;
    case "IN":
    case "NOT IN": {
      const list = Array.isArray(value) ? (value as readonly string[]) : [String(value)];
      // An empty list matches nothing (IN) or everything (NOT IN); SQL has no empty IN ().
      if (list.length === 0) return comparator === "IN" ? sql<SqlBool>`1 = 0` : sql<SqlBool>`1 = 1`;
      const items = sql.join(list.map((v) => sql`${v}`));
      return comparator === "IN"
        ? sql<SqlBool>`${column} in (${items})`
        : sql<SqlBool>`${column} not in (${items})`;
    }
    case "IS NULL":
      return sql<SqlBool>`${column} is null`;
    case "IS NOT NULL":
      return sql<SqlBool>`${column} is not null`;
  }
}
