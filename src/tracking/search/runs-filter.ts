// The runs search grammar as MLflow defines it: which entity kinds exist (and their prefix aliases), which
// keys each kind has, and which comparators and value types each allows. Produces typed clauses that
// compile-runs-search.ts turns into SQL.
import { invalidParameter } from "../../core/errors.js";
import { syntaxError } from "../../core/search-filter/lexer.js";
import {
  parseFilter,
  parseOrderBy,
  type Comparator,
  type FieldRef,
  type RawComparison,
} from "../../core/search-filter/parser.js";

export type RunKeyKind = "metric" | "param" | "tag" | "attribute" | "dataset";

export type RunAttribute =
  | "run_id"
  | "run_name"
  | "status"
  | "user_id"
  | "artifact_uri"
  | "lifecycle_stage"
  | "start_time"
  | "end_time";

export type RunClause =
  | { kind: "metric"; key: string; comparator: Comparator; value: number }
  | { kind: "param" | "tag"; key: string; comparator: Comparator; value: string | null }
  | { kind: "attribute"; key: RunAttribute; comparator: Comparator; value: string | number | string[] }
  | { kind: "dataset"; key: "name" | "digest" | "context"; comparator: Comparator; value: string | string[] };

export interface RunOrderBy {
  kind: "metric" | "param" | "tag" | "attribute";
  key: string;
  ascending: boolean;
}

const PREFIXES: Record<string, RunKeyKind> = {
  metric: "metric",
  metrics: "metric",
  param: "param",
  params: "param",
  parameter: "param",
  parameters: "param",
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attributes: "attribute",
  attr: "attribute",
  run: "attribute",
  dataset: "dataset",
  datasets: "dataset",
};

const STRING_ATTRIBUTES: Record<string, RunAttribute> = {
  run_id: "run_id",
  run_name: "run_name",
  "run name": "run_name",
  "Run name": "run_name",
  "Run Name": "run_name",
  status: "status",
  user_id: "user_id",
  artifact_uri: "artifact_uri",
  lifecycle_stage: "lifecycle_stage",
};

const NUMERIC_ATTRIBUTES: Record<string, RunAttribute> = {
  start_time: "start_time",
  end_time: "end_time",
  created: "start_time",
  Created: "start_time",
};

const NUMERIC_COMPARATORS: readonly Comparator[] = ["=", "!=", "<", "<=", ">", ">="];
const KEY_VALUE_COMPARATORS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE", "IS NULL", "IS NOT NULL"];
const STRING_ATTRIBUTE_COMPARATORS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"];
const DATASET_COMPARATORS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"];

function kindOf(input: string, field: FieldRef): RunKeyKind {
  if (field.prefix === undefined) return "attribute";
  const kind = PREFIXES[field.prefix] ?? PREFIXES[field.prefix.toLowerCase()];
  if (kind === undefined) {
    throw syntaxError(
      input,
      field.position,
      `unknown entity type '${field.prefix}' (use metrics., params., tags., attributes. or datasets.)`,
    );
  }
  return kind;
}

function attributeOf(input: string, field: FieldRef, forOrderBy: boolean): RunAttribute {
  const attr = STRING_ATTRIBUTES[field.key] ?? NUMERIC_ATTRIBUTES[field.key];
  if (attr === undefined || (forOrderBy && attr === "lifecycle_stage")) {
    const valid = forOrderBy
      ? "run_id, run_name, status, user_id, artifact_uri, start_time, end_time, created"
      : "run_id, run_name, status, user_id, artifact_uri, lifecycle_stage, start_time, end_time, created";
    throw syntaxError(input, field.position, `invalid attribute key '${field.key}' (valid keys: ${valid})`);
  }
  return attr;
}

function checkComparator(
  input: string,
  c: RawComparison,
  allowed: readonly Comparator[],
  what: string,
): void {
  if (!allowed.includes(c.comparator)) {
    throw syntaxError(
      input,
      c.position,
      `comparator '${c.comparator}' is not allowed for ${what} (allowed: ${allowed.join(", ")})`,
    );
  }
}

function toClause(input: string, c: RawComparison): RunClause {
  const kind = kindOf(input, c.field);
  const { key } = c.field;
  const value = c.value;
  switch (kind) {
    case "metric": {
      checkComparator(input, c, NUMERIC_COMPARATORS, "metrics");
      if (value.type !== "number") {
        throw syntaxError(input, c.position, `metric '${key}' must be compared with a number`);
      }
      return { kind, key, comparator: c.comparator, value: value.value };
    }
    case "param":
    case "tag": {
      checkComparator(input, c, KEY_VALUE_COMPARATORS, `${kind}s`);
      if (value.type === "null") return { kind, key, comparator: c.comparator, value: null };
      if (value.type !== "string") {
        throw syntaxError(
          input,
          c.position,
          `${kind} '${key}' must be compared with a quoted string (e.g. 'my-value')`,
        );
      }
      return { kind, key, comparator: c.comparator, value: value.value };
    }
    case "attribute": {
      const attr = attributeOf(input, c.field, false);
      if (attr === "start_time" || attr === "end_time") {
        checkComparator(input, c, NUMERIC_COMPARATORS, `the numeric attribute '${key}'`);
        if (value.type !== "number") {
          throw syntaxError(
            input,
            c.position,
            `the numeric attribute '${key}' must be compared with a number`,
          );
        }
        return { kind, key: attr, comparator: c.comparator, value: value.value };
      }
      checkComparator(input, c, STRING_ATTRIBUTE_COMPARATORS, `the attribute '${key}'`);
      if (value.type === "list") {
        if (attr !== "run_id") {
          throw syntaxError(
            input,
            c.position,
            "only the 'run_id' attribute can be compared with a list (IN / NOT IN)",
          );
        }
        return { kind, key: attr, comparator: c.comparator, value: value.value };
      }
      if (value.type !== "string") {
        throw syntaxError(input, c.position, `the attribute '${key}' must be compared with a quoted string`);
      }
      return { kind, key: attr, comparator: c.comparator, value: value.value };
    }
    case "dataset": {
      if (key !== "name" && key !== "digest" && key !== "context") {
        throw syntaxError(
          input,
          c.field.position,
          `invalid dataset key '${key}' (valid keys: name, digest, context)`,
        );
      }
      checkComparator(input, c, DATASET_COMPARATORS, "datasets");
      if (value.type !== "string" && value.type !== "list") {
        throw syntaxError(
          input,
          c.position,
          `dataset '${key}' must be compared with a quoted string or a list`,
        );
      }
      return { kind, key, comparator: c.comparator, value: value.value };
    }
  }
}

/** Parses a runs filter into typed clauses (all ANDed); throws INVALID_PARAMETER_VALUE pointing at the problem. */
export function parseRunsFilter(filter: string | undefined): RunClause[] {
  if (filter === undefined || filter.trim() === "") return [];
  return parseFilter(filter).map((c) => toClause(filter, c));
}

/** Parses `order_by` entries; duplicates are refused as in MLflow. */
export function parseRunsOrderBy(orderBy: readonly string[]): RunOrderBy[] {
  const seen = new Set<string>();
  return orderBy.map((entry) => {
    const { field, ascending } = parseOrderBy(entry);
    const kind = kindOf(entry, field);
    if (kind === "dataset") {
      throw syntaxError(entry, field.position, "datasets cannot be used in order_by");
    }
    const key = kind === "attribute" ? attributeOf(entry, field, true) : field.key;
    const id = `${kind}.${key}`;
    if (seen.has(id)) throw invalidParameter(`order_by contains duplicate fields: ${orderBy.join(", ")}`);
    seen.add(id);
    return { kind, key, ascending };
  });
}
