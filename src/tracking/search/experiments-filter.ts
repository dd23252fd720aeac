// The experiments search grammar (MLflow's SearchExperimentsUtils): filter on `name`, `creation_time`,
// `last_update_time` and `tags.<key>`; order_by on `name`, `experiment_id`, `creation_time`, `last_update_time`.
import { invalidParameter } from "../../core/errors.js";
import { syntaxError } from "../../core/search-filter/lexer.js";
import {
  parseFilter,
  parseOrderBy,
  type Comparator,
  type FieldRef,
} from "../../core/search-filter/parser.js";

export type ExperimentColumn = "name" | "experiment_id" | "creation_time" | "last_update_time";

export type ExperimentClause =
  | { kind: "attribute"; key: ExperimentColumn; comparator: Comparator; value: string | number }
  | { kind: "tag"; key: string; comparator: Comparator; value: string };

export interface ExperimentOrderBy {
  key: ExperimentColumn;
  ascending: boolean;
}

const ATTRIBUTE_PREFIXES = new Set(["attribute", "attributes", "attr", undefined]);
const TAG_PREFIXES = new Set(["tag", "tags"]);
const STRING_COMPARATORS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE"];
const NUMERIC_COMPARATORS: readonly Comparator[] = ["=", "!=", "<", "<=", ">", ">="];

function kindOf(input: string, field: FieldRef): "attribute" | "tag" {
  if (ATTRIBUTE_PREFIXES.has(field.prefix?.toLowerCase())) return "attribute";
  if (TAG_PREFIXES.has(field.prefix?.toLowerCase() ?? "")) return "tag";
  throw syntaxError(
    input,
    field.position,
    `unknown entity type '${field.prefix ?? ""}' (use tags. or attributes.)`,
  );
}

export function parseExperimentsFilter(filter: string | undefined): ExperimentClause[] {
  if (filter === undefined || filter.trim() === "") return [];
  return parseFilter(filter).map((c): ExperimentClause => {
    const kind = kindOf(filter, c.field);
    const key = c.field.key;
    const numeric = key === "creation_time" || key === "last_update_time";
    if (kind === "attribute" && key !== "name" && !numeric) {
      throw syntaxError(
        filter,
        c.field.position,
        `invalid attribute key '${key}' (valid keys: name, creation_time, last_update_time)`,
      );
    }
    const allowed = kind === "attribute" && numeric ? NUMERIC_COMPARATORS : STRING_COMPARATORS;
    if (!allowed.includes(c.comparator)) {
      throw syntaxError(
        filter,
        c.position,
        `comparator '${c.comparator}' is not allowed for '${key}' (allowed: ${allowed.join(", ")})`,
      );
    }
    if (kind === "attribute" && numeric) {
      if (c.value.type !== "number")
        throw syntaxError(filter, c.position, `'${key}' must be compared with a number`);
      return { kind, key: key as ExperimentColumn, comparator: c.comparator, value: c.value.value };
    }
    if (c.value.type !== "string") {
      throw syntaxError(filter, c.position, `'${key}' must be compared with a quoted string`);
    }
    return kind === "tag"
      ? { kind, key, comparator: c.comparator, value: c.value.value }
      : { kind, key: "name", comparator: c.comparator, value: c.value.value };
  });
}

const ORDERABLE = new Set<string>(["name", "experiment_id", "creation_time", "last_update_time"]);

export function parseExperimentsOrderBy(orderBy: readonly string[]): ExperimentOrderBy[] {
  return orderBy.map((entry) => {
    const { field, ascending } = parseOrderBy(entry);
    if (kindOf(entry, field) !== "attribute" || !ORDERABLE.has(field.key)) {
      throw invalidParameter(
        `Invalid order_by clause '${entry}': experiments can be ordered by name, experiment_id, creation_time or last_update_time.`,
      );
    }
    return { key: field.key as ExperimentColumn, ascending };
  });
}
