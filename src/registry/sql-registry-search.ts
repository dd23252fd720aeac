// SQL for the registry search grammars: typed conditions (search/*.ts) become WHERE fragments here, the
// only place they meet SQL. LIKE is case-sensitive on both engines (SQLite runs with
// case_sensitive_like=ON); ILIKE is `lower(x) LIKE lower(y)`, which both engines understand.
import { sql, type RawBuilder } from "kysely";
import type { RegisteredModelCondition, StringComparator } from "./search/registered-model-filter.js";
import type { ModelVersionCondition } from "./search/model-version-filter.js";

/** MLflow treats a missing prompt tag as "not a prompt": `!= 'true'` and `= 'false'` match it. */
const PROMPT_TAG = "mlflow.prompt.is_prompt";

function compare(
  expr: RawBuilder<unknown>,
  comparator: StringComparator | "<" | "<=" | ">" | ">=",
  value: unknown,
) {
  switch (comparator) {
    case "=":
      return sql<boolean>`${expr} = ${value}`;
    case "!=":
      return sql<boolean>`${expr} <> ${value}`;
    case "LIKE":
      return sql<boolean>`${expr} LIKE ${value}`;
    case "ILIKE":
      return sql<boolean>`lower(${expr}) LIKE lower(${value})`;
    case "<":
      return sql<boolean>`${expr} < ${value}`;
    case "<=":
      return sql<boolean>`${expr} <= ${value}`;
    case ">":
      return sql<boolean>`${expr} > ${value}`;
    case ">=":
      return sql<boolean>`${expr} >= ${value}`;
  }
}

export function registeredModelWhere(condition: RegisteredModelCondition): RawBuilder<boolean> {
  switch (condition.kind) {
    case "name":
      return compare(sql`rm.name`, condition.comparator, condition.value);
    case "tag": {
      if (condition.key === PROMPT_TAG) {
        const tagValue = sql`coalesce((select t.value from registered_model_tags t where t.registered_model_id = rm.id and t.key = ${condition.key}), 'false')`;
        return compare(tagValue, condition.comparator, condition.value);
      }
      return sql<boolean>`exists (select 1 from registered_model_tags t where t.registered_model_id = rm.id and t.key = ${condition.key} and ${compare(sql`t.value`, condition.comparator, condition.value)})`;
    }
  }
}

export function modelVersionWhere(condition: ModelVersionCondition): RawBuilder<boolean> {
  switch (condition.kind) {
    case "name":
      return compare(sql`rm.name`, condition.comparator, condition.value);
    case "source_path":
      return compare(sql`mv.source`, condition.comparator, condition.value);
    case "tag":
      return sql<boolean>`exists (select 1 from model_version_tags t where t.registered_model_id = mv.registered_model_id and t.version = mv.version and t.key = ${condition.key} and ${compare(sql`t.value`, condition.comparator, condition.value)})`;
    case "run_id": {
      const list = sql.join(condition.values.map((v) => sql`${v}`));
      return condition.comparator === "=" || condition.comparator === "IN"
        ? sql<boolean>`mv.run_id in (${list})`
        : sql<boolean>`(mv.run_id is null or mv.run_id not in (${list}))`;
    }
    case "version_number":
      return compare(sql`mv.version`, condition.comparator, condition.value);
    case "creation_timestamp":
      return compare(sql`mv.creation_timestamp`, condition.comparator, condition.value);
    case "last_updated_timestamp":
      return compare(sql`mv.last_updated_timestamp`, condition.comparator, condition.value);
  }
}
