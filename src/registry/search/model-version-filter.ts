// The model-version search grammar (MLflow's SearchModelVersionUtils): `name`, `source_path` and
// `tags.<key>` with = != LIKE ILIKE; `run_id` with = != IN NOT IN; numeric `version_number`,
// `creation_timestamp`, `last_updated_timestamp`. order_by name / version_number / timestamps.
import { invalidParameter } from "../../core/errors.js";
import { parseFilter, type FilterValue } from "../../core/search-filter/parser.js";
import { parseOrderBy, type OrderClause } from "./order-by.js";
import { stringComparator, stringValue, type StringComparator } from "./registered-model-filter.js";

export type NumericComparator = "=" | "!=" | "<" | "<=" | ">" | ">=";
export type NumericField = "version_number" | "creation_timestamp" | "last_updated_timestamp";

export type ModelVersionCondition =
  | { kind: "name" | "source_path"; comparator: StringComparator; value: string }
  | { kind: "tag"; key: string; comparator: StringComparator; value: string }
  | { kind: "run_id"; comparator: "=" | "!=" | "IN" | "NOT IN"; values: string[] }
  | { kind: NumericField; comparator: NumericComparator; value: number };

export type ModelVersionOrderField = "name" | NumericField;

const NUMERIC_FIELDS: readonly string[] = ["version_number", "creation_timestamp", "last_updated_timestamp"];
const NUMERIC_COMPARATORS: readonly string[] = ["=", "!=", "<", "<=", ">", ">="];

function numericValue(value: FilterValue, key: string): number {
  // MLflow also takes a quoted integer here ('3').
  const n =
    value.type === "number"
      ? value.value
      : value.type === "string" && /^-?\d+$/.test(value.value)
        ? Number(value.value)
        : NaN;
  if (!Number.isFinite(n)) {
    const shown =
      value.type === "string" ? value.value : value.type === "list" ? value.value.join(", ") : "null";
    throw invalidParameter(
      `Invalid value for numeric attribute '${key}': '${shown}'. It must be a number (a quoted integer is taken too).`,
    );
  }
  return n;
}

export function parseModelVersionFilter(filter: string | undefined): ModelVersionCondition[] {
  if (filter === undefined) return [];
  return parseFilter(filter).map(({ field, comparator, value }): ModelVersionCondition => {
    const prefix = field.prefix?.toLowerCase();
    const { key } = field;
    if (prefix === "tag" || prefix === "tags") {
      return {
        kind: "tag",
        key,
        comparator: stringComparator(comparator, key),
        value: stringValue(value, key),
      };
    }
    if (prefix !== undefined && !["attribute", "attributes", "attr"].includes(prefix)) {
      throw invalidParameter(
        `Invalid filter key '${prefix}.${key}' for model versions: use an attribute or tags.<key>.`,
      );
    }
    if (key === "name" || key === "source_path") {
      return { kind: key, comparator: stringComparator(comparator, key), value: stringValue(value, key) };
    }
    if (key === "run_id") {
      if ((comparator === "IN" || comparator === "NOT IN") && value.type === "list") {
        return { kind: "run_id", comparator, values: value.value };
      }
      if (comparator !== "=" && comparator !== "!=") {
        throw invalidParameter(
          `Invalid comparator '${comparator}' for 'run_id' in filter: use =, !=, IN or NOT IN.`,
        );
      }
      return { kind: "run_id", comparator, values: [stringValue(value, key)] };
    }
    if (NUMERIC_FIELDS.includes(key)) {
      if (!NUMERIC_COMPARATORS.includes(comparator)) {
        throw invalidParameter(
          `Invalid comparator '${comparator}' for '${key}' in filter: use one of ${NUMERIC_COMPARATORS.join(" ")}.`,
        );
      }
      return {
        kind: key as NumericField,
        comparator: comparator as NumericComparator,
        value: numericValue(value, key),
      };
    }
    // MLflow's words (it prints its keys as a Python set), then the keys Flowgate takes.
    throw invalidParameter(
      `Invalid attribute key '${key}' specified. Valid keys are '{'name', 'run_id', 'source_path', 'version_number'}'. ` +
        "Flowgate also takes creation_timestamp, last_updated_timestamp and tags.<key>.",
    );
  });
}

export function parseModelVersionOrderBy(clauses: readonly string[]): OrderClause<ModelVersionOrderField>[] {
  return parseOrderBy<ModelVersionOrderField>(
    clauses,
    {
      name: "name",
      version_number: "version_number",
      version: "version_number",
      creation_timestamp: "creation_timestamp",
      timestamp: "last_updated_timestamp",
      last_updated_timestamp: "last_updated_timestamp",
    },
    (key) =>
      `Invalid attribute key '${key}' specified. Valid keys are '{'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}'.`,
  );
}
