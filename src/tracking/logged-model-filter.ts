// The logged-model search filter (MLflow's search_logged_model_utils): comparisons joined by AND on
// attributes (name, model_id, model_type, status, source_run_id, creation/last-updated time), `params.`,
// `tags.` and `metrics.` keys. Keys may be quoted with backticks or double quotes; strings with ' or ".
import { invalidParameter } from "../core/errors.js";

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
const NUMERIC_OPS: readonly FilterOp[] = ["=", "!=", "<", "<=", ">", ">="];
const STRING_OPS: readonly FilterOp[] = ["=", "!=", "LIKE", "ILIKE"];

type Token =
  | { kind: "ident"; text: string }
  | { kind: "string"; text: string }
  | { kind: "number"; value: number }
  | { kind: "op"; op: FilterOp }
  | { kind: "and" };

const TOKEN =
  /\s*(?:(?<str>'[^']*'|"[^"]*")|(?<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.])|(?<op><=|>=|!=|=|<|>)|(?<ident>(?:[A-Za-z_][\w]*|`[^`]+`)(?:\.(?:`[^`]+`|"[^"]+"|[\w.\-/:]+))?))/y;

function unquote(text: string): string {
  const first = text[0];
  return (first === "`" || first === '"' || first === "'") && text.endsWith(first) && text.length >= 2
    ? text.slice(1, -1)
    : text;
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (filter.slice(pos).trim() !== "") {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(filter);
    if (m?.groups === undefined) {
      throw invalidParameter(
        `Invalid filter '${filter}': unexpected text at position ${pos}: '${filter.slice(pos).trim()}'.`,
      );
    }
    pos = TOKEN.lastIndex;
    const g = m.groups;
    if (g.str !== undefined) tokens.push({ kind: "string", text: unquote(g.str) });
    else if (g.num !== undefined) tokens.push({ kind: "number", value: Number(g.num) });
    else if (g.op !== undefined) tokens.push({ kind: "op", op: g.op as FilterOp });
    else if (g.ident !== undefined) {
      const upper = g.ident.toUpperCase();
      if (upper === "AND") tokens.push({ kind: "and" });
      else if (upper === "LIKE" || upper === "ILIKE") tokens.push({ kind: "op", op: upper });
      else tokens.push({ kind: "ident", text: g.ident });
    }
  }
  return tokens;
}

function identifier(text: string, filter: string): { entity: FilterEntity; key: string } {
  const dot = text.startsWith("`") ? -1 : text.indexOf(".");
  if (dot === -1) return { entity: "attribute", key: unquote(text) };
  const prefix = text.slice(0, dot);
  const entity = ENTITIES[prefix];
  if (entity === undefined) {
    throw invalidParameter(
      `Invalid filter '${filter}': unknown entity type '${prefix}'; use attributes., metrics., params. or tags.`,
    );
  }
  return { entity, key: unquote(text.slice(dot + 1)) };
}

/** Parses a filter string; undefined or blank means "no filter". Refuses anything else with a pointed message. */
export function parseLoggedModelFilter(filter: string | undefined): LoggedModelFilter {
  if (filter === undefined || filter.trim() === "") return [];
  const tokens = tokenize(filter);
  const clauses: FilterClause[] = [];
  let i = 0;
  for (;;) {
    const [ident, op, value] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    if (ident?.kind !== "ident" || op?.kind !== "op" || value === undefined) {
      throw invalidParameter(
        `Invalid filter '${filter}': expected comparisons such as "name = 'm'" or "metrics.acc > 0.9" joined by AND.`,
      );
    }
    const { entity, key: rawKey } = identifier(ident.text, filter);
    let key = rawKey;
    let numeric = entity === "metric";
    if (entity === "attribute") {
      const numericName = NUMERIC_ATTRIBUTES[rawKey];
      if (numericName !== undefined) {
        key = numericName;
        numeric = true;
      } else if (!STRING_ATTRIBUTES.has(rawKey)) {
        throw invalidParameter(
          `Invalid filter '${filter}': unknown attribute '${rawKey}'; use name, model_id, model_type, status, source_run_id, creation_timestamp or last_updated_timestamp.`,
        );
      }
    }
    const allowed = numeric ? NUMERIC_OPS : STRING_OPS;
    if (!allowed.includes(op.op)) {
      throw invalidParameter(
        `Invalid filter '${filter}': operator ${op.op} is not allowed on '${rawKey}'; use one of ${allowed.join(", ")}.`,
      );
    }
    if (numeric && value.kind !== "number") {
      throw invalidParameter(`Invalid filter '${filter}': '${rawKey}' must be compared with a number.`);
    }
    if (!numeric && value.kind !== "string") {
      throw invalidParameter(
        `Invalid filter '${filter}': '${rawKey}' must be compared with a quoted string.`,
      );
    }
    clauses.push({
      entity,
      key,
      op: op.op,
      value: value.kind === "number" ? value.value : (value as { text: string }).text,
    });
    i += 3;
    if (i === tokens.length) return clauses;
    if (tokens[i]?.kind !== "and") {
      throw invalidParameter(
        `Invalid filter '${filter}': comparisons must be joined by AND (OR is not supported).`,
      );
    }
    i += 1;
  }
}
