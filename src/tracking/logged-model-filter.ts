// The logged-model search filter (MLflow's search_logged_model_utils): comparisons joined by AND on
// attributes (name, model_id, model_type, status, source_run_id, creation/last-updated time), `params.`,
// `tags.` and `metrics.` keys. The shared search-filter parser reads the syntax; this file says which
// prefixes, keys, operators and value types logged models allow.
import { invalidParameter } from "../core/errors.js";
import { parseFilter, type RawComparison } from "../core/search-filter/parser.js";
import { previewText } from "../core/value-preview.js";

export type FilterOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE";
export type FilterEntity = "attribute" | "metric" | "param" | "tag";

export interface FilterClause {
  entity: FilterEntity;
  /** For attributes, the canonical name (`creation_timestamp`, not `creation_time`). */
  key: string;
  op: FilterOp;
  value: string | number;
}

export type LoggedModelFilter = FilterClause[];

const STRING_ATTRIBUTES = new Set(["name", "model_id", "model_type", "status", "source_run_id"]);
const NUMERIC_ATTRIBUTES: Record<string, string> = {
  creation_timestamp: "creation_timestamp",
  creation_time: "creation_timestamp",
  creation_timestamp_ms: "creation_timestamp",
  last_updated_timestamp: "last_updated_timestamp",
  last_updated_time: "last_updated_timestamp",
  last_updated_timestamp_ms: "last_updated_timestamp",
};
const ENTITIES: Record<string, FilterEntity> = {
  attributes: "attribute",
  attribute: "attribute",
  metrics: "metric",
  metric: "metric",
  params: "param",
  param: "param",
  tags: "tag",
  tag: "tag",
};
const NUMERIC_OPS: readonly string[] = ["=", "!=", "<", "<=", ">", ">="];
const STRING_OPS: readonly string[] = ["=", "!=", "LIKE", "ILIKE"];
// Unquoted logged-model keys may hold - / : after the prefix's dot (tags.mlflow.source/name).
const IDENTIFIER = /^[A-Za-z_]\w*(?:\.[\w.\-/:]*)?/;

function clauseOf(filter: string, { field, comparator, value }: RawComparison): FilterClause {
  const { prefix } = field;
  const entity =
    prefix === undefined ? "attribute" : Object.hasOwn(ENTITIES, prefix) ? ENTITIES[prefix] : undefined;
  if (entity === undefined) {
    throw invalidParameter(
      `Invalid filter ${previewText(filter)}: unknown entity type '${prefix}'; use attributes., metrics., params. or tags.`,
    );
  }
  let key = field.key;
  let numeric = entity === "metric";
  if (entity === "attribute") {
    const numericName = Object.hasOwn(NUMERIC_ATTRIBUTES, field.key)
      ? NUMERIC_ATTRIBUTES[field.key]
      : undefined;
    if (numericName !== undefined) {
      key = numericName;
      numeric = true;
    } else if (!STRING_ATTRIBUTES.has(field.key)) {
      throw invalidParameter(
        `Invalid filter ${previewText(filter)}: unknown attribute '${field.key}'; use name, model_id, model_type, status, source_run_id, creation_timestamp or last_updated_timestamp.`,
      );
    }
  }
  const allowed = numeric ? NUMERIC_OPS : STRING_OPS;
  if (!allowed.includes(comparator)) {
    throw invalidParameter(
      `Invalid filter ${previewText(filter)}: operator ${comparator} is not allowed on '${field.key}'; use one of ${allowed.join(", ")}.`,
    );
  }
  if ((numeric && value.type === "number") || (!numeric && value.type === "string")) {
    return { entity, key, op: comparator as FilterOp, value: value.value };
  }
  throw invalidParameter(
    `Invalid filter ${previewText(filter)}: '${field.key}' must be compared with ${numeric ? "a number" : "a quoted string"}.`,
  );
}

/** Parses a filter string; undefined or blank means "no filter". Refuses anything else with a pointed message. */
export function parseLoggedModelFilter(filter: string | undefined): LoggedModelFilter {
  if (filter === undefined) return [];
  return parseFilter(filter, { identifier: IDENTIFIER }).map((c) => clauseOf(filter, c));
}
