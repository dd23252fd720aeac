// The registered-model search grammar (MLflow's SearchModelUtils): `name` and `tags.<key>` with
// = != LIKE ILIKE, and order_by name / last_updated_timestamp (`timestamp`) / creation_timestamp.
import { invalidParameter } from "../../core/errors.js";
import { parseFilter, type FilterValue } from "../../core/search-filter/parser.js";
import { parseOrderBy, type OrderClause } from "./order-by.js";

export type StringComparator = "=" | "!=" | "LIKE" | "ILIKE";

export type RegisteredModelCondition =
  | { kind: "name"; comparator: StringComparator; value: string }
  | { kind: "tag"; key: string; comparator: StringComparator; value: string };

export type RegisteredModelOrderField = "name" | "last_updated_timestamp" | "creation_timestamp";

const STRING_COMPARATORS: readonly string[] = ["=", "!=", "LIKE", "ILIKE"];
const TAG_PREFIXES = ["tag", "tags"];
const ATTRIBUTE_PREFIXES = [undefined, "attribute", "attributes", "attr"];

export function stringComparator(comparator: string, key: string): StringComparator {
  if (!STRING_COMPARATORS.includes(comparator)) {
    throw invalidParameter(
      `Invalid comparator for attribute: ${comparator}. '${key}' takes one of ${STRING_COMPARATORS.join(", ")}.`,
    );
  }
  return comparator as StringComparator;
}

export function stringValue(value: FilterValue, key: string): string {
  if (value.type !== "string") {
    throw invalidParameter(`Invalid value for '${key}' in filter: it must be a quoted string.`);
  }
  return value.value;
}

export function parseRegisteredModelFilter(filter: string | undefined): RegisteredModelCondition[] {
  if (filter === undefined) return [];
  return parseFilter(filter).map(({ field, comparator, value }): RegisteredModelCondition => {
    const prefix = field.prefix?.toLowerCase();
    const { key } = field;
    if (prefix !== undefined && TAG_PREFIXES.includes(prefix)) {
      return {
        kind: "tag",
        key,
        comparator: stringComparator(comparator, key),
        value: stringValue(value, key),
      };
    }
    if (ATTRIBUTE_PREFIXES.includes(prefix) && key === "name") {
      return { kind: "name", comparator: stringComparator(comparator, key), value: stringValue(value, key) };
    }
    if (!ATTRIBUTE_PREFIXES.includes(prefix)) {
      throw invalidParameter(
        `Invalid entity type '${prefix ?? ""}'. Valid entity types are ('attribute', 'tag', 'tags'). Filter on name or tags.<key>.`,
      );
    }
    throw invalidParameter(
      `Invalid attribute key '${key}' specified. Valid keys are '{'name'}'. Filter on name or tags.<key>.`,
    );
  });
}

export function parseRegisteredModelOrderBy(
  clauses: readonly string[],
): OrderClause<RegisteredModelOrderField>[] {
  return parseOrderBy<RegisteredModelOrderField>(
    clauses,
    {
      name: "name",
      timestamp: "last_updated_timestamp",
      last_updated_timestamp: "last_updated_timestamp",
      creation_timestamp: "creation_timestamp",
    },
    (key) => `Invalid order by key '${key}' specified. Valid keys are '{'name', 'timestamp'}'.`,
  );
}
