// Parses a search filter into comparisons joined by AND, and an order_by entry into key + direction. It only
// knows the grammar's shape; which keys and comparators each entity kind allows is checked by the callers
// (runs, experiments, registered models, model versions, logged models), which also know the kinds' prefixes.
import { syntaxError, tokenize, type Token } from "./lexer.js";
import { SEARCH_LIMITS } from "./search-limits.js";

export type Comparator =
  "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE" | "IN" | "NOT IN" | "IS NULL" | "IS NOT NULL";

export type FilterValue =
  | { type: "string"; value: string }
  | { type: "number"; value: number; raw: string }
  | { type: "list"; value: string[] }
  | { type: "null" };

/** `prefix.key` as written: prefix undefined when there is none (`start_time`, `"run name"`). */
export interface FieldRef {
  prefix: string | undefined;
  key: string;
  position: number;
}

export interface RawComparison {
  field: FieldRef;
  comparator: Comparator;
  value: FilterValue;
  /** Where the comparison starts, for error messages. */
  position: number;
}

export interface RawOrderBy {
  field: FieldRef;
  ascending: boolean;
}

class Cursor {
  private index = 0;
  constructor(
    readonly input: string,
    private readonly tokens: Token[],
  ) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as Token;
  }

  next(): Token {
    const token = this.peek();
    if (token.type !== "end") this.index += 1;
    return token;
  }

  fail(token: Token, expected: string): Error {
    const found = token.type === "end" ? "the end of the expression" : `'${token.raw}'`;
    return syntaxError(this.input, token.position, `expected ${expected} but found ${found}`);
  }
}

function readField(cursor: Cursor): FieldRef {
  const token = cursor.next();
  if (token.type === "backtick" || token.type === "dquote") {
    return { prefix: undefined, key: token.value, position: token.position };
  }
  if (token.type !== "ident") throw cursor.fail(token, "a key such as metrics.rmse or params.`a b`");
  const dot = token.value.indexOf(".");
  if (dot === -1) return { prefix: undefined, key: token.value, position: token.position };
  const prefix = token.value.slice(0, dot);
  let key = token.value.slice(dot + 1);
  if (key === "") {
    // `metrics.` directly followed by a quoted key: metrics.`my metric` or tags."a b".
    const quoted = cursor.peek();
    if (
      (quoted.type === "backtick" || quoted.type === "dquote") &&
      quoted.position === token.position + token.raw.length
    ) {
      cursor.next();
      key = quoted.value;
    } else {
      throw syntaxError(cursor.input, token.position + token.raw.length, `missing key after '${token.raw}'`);
    }
  }
  return { prefix, key, position: token.position };
}

function readComparator(cursor: Cursor): Comparator {
  const token = cursor.next();
  if (token.type === "op") return token.value as Comparator;
  if (token.type === "keyword") {
    if (token.value === "LIKE" || token.value === "ILIKE" || token.value === "IN") return token.value;
    if (token.value === "NOT") {
      const after = cursor.next();
      if (after.type === "keyword" && after.value === "IN") return "NOT IN";
      throw cursor.fail(after, "IN after NOT");
    }
    if (token.value === "IS") {
      const after = cursor.next();
      if (after.type === "keyword" && after.value === "NULL") return "IS NULL";
      if (after.type === "keyword" && after.value === "NOT") {
        const last = cursor.next();
        if (last.type === "keyword" && last.value === "NULL") return "IS NOT NULL";
        throw cursor.fail(last, "NULL after IS NOT");
      }
      throw cursor.fail(after, "NULL or NOT NULL after IS");
    }
  }
  throw cursor.fail(
    token,
    "a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL)",
  );
}

function readList(cursor: Cursor): string[] {
  const open = cursor.next();
  if (open.type !== "lparen")
    throw cursor.fail(open, "a parenthesized list of quoted strings, e.g. ('a', 'b')");
  const items: string[] = [];
  for (;;) {
    const item = cursor.next();
    if (item.type !== "squote" && item.type !== "dquote")
      throw cursor.fail(item, "a quoted string in the list");
    items.push(item.value);
    const sep = cursor.next();
    if (sep.type === "rparen") return items;
    if (sep.type !== "comma") throw cursor.fail(sep, "',' or ')' in the list");
  }
}

function readValue(cursor: Cursor, comparator: Comparator): FilterValue {
  if (comparator === "IS NULL" || comparator === "IS NOT NULL") return { type: "null" };
  if (comparator === "IN" || comparator === "NOT IN") return { type: "list", value: readList(cursor) };
  const token = cursor.next();
  if (token.type === "squote" || token.type === "dquote") return { type: "string", value: token.value };
  if (token.type === "number") return { type: "number", value: Number(token.value), raw: token.value };
  throw cursor.fail(token, "a value: a 'quoted string' or a number");
}

/** Options of {@link parseFilter}. */
export interface FilterSyntax {
  /** Matches a bare identifier at the start of a string (see tokenize); the runs grammar's by default. */
  identifier?: RegExp;
}

/** Comparisons joined by AND; an empty or blank filter is no comparisons. */
export function parseFilter(input: string, syntax: FilterSyntax = {}): RawComparison[] {
  const cursor = new Cursor(input, tokenize(input, syntax.identifier));
  const comparisons: RawComparison[] = [];
  if (cursor.peek().type === "end") return comparisons;
  let listValues = 0;
  for (;;) {
    const start = cursor.peek().position;
    if (comparisons.length === SEARCH_LIMITS.maxComparisons) {
      throw syntaxError(
        input,
        start,
        `a filter may join at most ${SEARCH_LIMITS.maxComparisons} comparisons with AND; this one has more`,
      );
    }
    const field = readField(cursor);
    const comparator = readComparator(cursor);
    const value = readValue(cursor, comparator);
    if (value.type === "list") listValues += value.value.length;
    if (listValues > SEARCH_LIMITS.maxListValues) {
      throw syntaxError(
        input,
        start,
        `the IN lists of a filter may hold at most ${SEARCH_LIMITS.maxListValues} values together; this one has more`,
      );
    }
    comparisons.push({ field, comparator, value, position: start });
    const joiner = cursor.next();
    if (joiner.type === "end") return comparisons;
    if (joiner.type === "keyword" && joiner.value === "OR") {
      throw syntaxError(input, joiner.position, "OR is not supported (only AND)");
    }
    if (joiner.type !== "keyword" || joiner.value !== "AND") throw cursor.fail(joiner, "AND or the end");
  }
}

/** One order_by entry: `key`, `key ASC` or `key DESC` (ASC is the default). */
export function parseOrderBy(input: string): RawOrderBy {
  const cursor = new Cursor(input, tokenize(input));
  const field = readField(cursor);
  let ascending = true;
  const direction = cursor.next();
  if (direction.type === "keyword" && (direction.value === "ASC" || direction.value === "DESC")) {
    ascending = direction.value === "ASC";
    const end = cursor.next();
    if (end.type !== "end") throw cursor.fail(end, "the end of the order_by clause");
  } else if (direction.type !== "end") {
    throw cursor.fail(direction, "ASC, DESC or the end of the order_by clause");
  }
  return { field, ascending };
}
