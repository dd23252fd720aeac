// SQL for the registry search grammars: typed conditions (search/*.ts) become WHERE fragments here, the
// only place they meet SQL; each comparison is the one all searches share (store/sql-comparison.ts).
import { sql, type RawBuilder, type SqlBool } from "kysely";
import { sqlComparison } from "../store/sql-comparison.js";
import { keyValueFilter, type KeyTest } from "../store/key-value-filter.js";
import type { RegisteredModelCondition } from "./search/registered-model-filter.js";
import type { ModelVersionCondition } from "./search/model-version-filter.js";

/** MLflow treats a missing prompt tag as "not a prompt": `!= 'true'` and `= 'false'` match it. */
const PROMPT_TAG = "mlflow.prompt.is_prompt";

/** All the conditions of a registered-model search; the tag comparisons as one (store/key-value-filter.ts). */
export function registeredModelConditions(
  conditions: readonly RegisteredModelCondition[],
): RawBuilder<SqlBool>[] {
  const tags: KeyTest[] = [];
  const out: RawBuilder<SqlBool>[] = [];
  for (const c of conditions) {
    if (c.kind === "tag" && c.key !== PROMPT_TAG) {
      tags.push({ key: c.key, test: (value) => sqlComparison(value, c.comparator, c.value) });
    } else {
      out.push(registeredModelWhere(c));
    }
  }
  const grouped = keyValueFilter(
    { table: "registered_model_tags", owner: [["registered_model_id", "rm.id"]] },
    tags,
  );
  return grouped === undefined ? out : [...out, grouped];
}

/** All the conditions of a model-version search; the tag comparisons as one (store/key-value-filter.ts). */
export function modelVersionConditions(conditions: readonly ModelVersionCondition[]): RawBuilder<SqlBool>[] {
  const tags: KeyTest[] = [];
  const out: RawBuilder<SqlBool>[] = [];
  for (const c of conditions) {
    if (c.kind === "tag") {
      tags.push({ key: c.key, test: (value) => sqlComparison(value, c.comparator, c.value) });
    } else {
      out.push(modelVersionWhere(c));
    }
  }
  const grouped = keyValueFilter(
    {
      table: "model_version_tags",
      owner: [
        ["registered_model_id", "mv.registered_model_id"],
        ["version", "mv.version"],
      ],
    },
    tags,
  );
  return grouped === undefined ? out : [...out, grouped];
}

function registeredModelWhere(condition: RegisteredModelCondition): RawBuilder<SqlBool> {
  switch (condition.kind) {
    case "name":
      return sqlComparison(sql`rm.name`, condition.comparator, condition.value);
    case "tag": {
      if (condition.key === PROMPT_TAG) {
        const tagValue = sql`coalesce((select t.value from registered_model_tags t where t.registered_model_id = rm.id and t.key = ${condition.key}), 'false')`;
        return sqlComparison(tagValue, condition.comparator, condition.value);
      }
      return sql<SqlBool>`exists (select 1 from registered_model_tags t where t.registered_model_id = rm.id and t.key = ${condition.key} and ${sqlComparison(sql`t.value`, condition.comparator, condition.value)})`;
    }
  }
}

function modelVersionWhere(condition: ModelVersionCondition): RawBuilder<SqlBool> {
  switch (condition.kind) {
    case "name":
      return sqlComparison(sql`rm.name`, condition.comparator, condition.value);
    case "source_path":
      return sqlComparison(sql`mv.source`, condition.comparator, condition.value);
    case "tag":
      return sql<SqlBool>`exists (select 1 from model_version_tags t where t.registered_model_id = mv.registered_model_id and t.version = mv.version and t.key = ${condition.key} and ${sqlComparison(sql`t.value`, condition.comparator, condition.value)})`;
    case "run_id": {
      const list = sql.join(condition.values.map((v) => sql`${v}`));
      return condition.comparator === "=" || condition.comparator === "IN"
        ? sql<SqlBool>`mv.run_id in (${list})`
        : sql<SqlBool>`(mv.run_id is null or mv.run_id not in (${list}))`;
    }
    case "version_number":
      return sqlComparison(sql`mv.version`, condition.comparator, condition.value);
    case "creation_timestamp":
      return sqlComparison(sql`mv.creation_timestamp`, condition.comparator, condition.value);
    case "last_updated_timestamp":
      return sqlComparison(sql`mv.last_updated_timestamp`, condition.comparator, condition.value);
  }
}
