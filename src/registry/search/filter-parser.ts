// The registry search grammar shared by registered-model and model-version search (MLflow's
// SearchUtils dialect): comparisons joined by AND, no OR or parentheses. Identifiers are
// `[prefix.]key` with an optionally quoted key (`` tags.`my key` `` or `tag."k"`); values are
// '…' / "…" strings, bare numbers, or a ('a', 'b') list for IN.
import { invalidParameter } from "../../core/errors.js";

export type Comparator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE" | "IN" | "NOT IN";

export interface FilterIdentifier {
  /** The prefix as written, lower-cased (`tags`, `tag`, `attribute`…), or undefined for a bare key. */
  prefix: string | undefined;
  key: string;
}

export type FilterValue = string | number | string[];

export interface Comparison {
  identifier: FilterIdentifier;
  comparator: Comparator;
  value: FilterValue;
}

type Token =
  | { kind: "identifier"; identifier: FilterIdentifier }
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "op"; value: Comparator }
  | { kind: "and" }
  | { kind: "list"; values: string[] };

function bad(filter: string, why: string): Error {
  return invalidParameter(`Invalid filter '${filter}': ${why}.`);
}

function readQuoted(text: string, start: number, filter: string): { value: string; end: number } {
  const quote = text[start];
  let i = start + 1;
  let value = "";
  while (i < text.length) {
    const ch = text[i];
    // A doubled quote inside a string stands for the quote itself (SQL style).
    if (ch === quote && text[i + 1] === quote) {
      value += ch;
      i += 2;
      continue;
    }
    if (ch === quote) return { value, end: i + 1 };
    value += ch;
    i++;
  }
  throw bad(filter, `unterminated quote starting at position ${start + 1}`);
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const text = filter;
  while (i < text.length) {
    const ch = text[i] ?? "";
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const { value, end } = readQuoted(text, i, filter);
      tokens.push({ kind: "string", value });
      i = end;
      continue;
    }
    if (ch === "`") {
      // A bare backticked key (no prefix), e.g. `` `name` = 'x' ``.
      const { value, end } = readQuoted(text, i, filter);
      tokens.push({ kind: "identifier", identifier: { prefix: undefined, key: value } });
      i = end;
      continue;
    }
    if (ch === "(") {
      const close = text.indexOf(")", i);
      if (close < 0) throw bad(filter, "a '(' list is not closed");
      const inner = text.slice(i + 1, close);
      const values: string[] = [];
      let j = 0;
      while (j < inner.length) {
        const c = inner[j] ?? "";
        if (/[\s,]/.test(c)) {
          j++;
          continue;
        }
        if (c !== "'" && c !== '"') throw bad(filter, "values in an IN list must be quoted strings");
        const { value, end } = readQuoted(inner, j, filter);
        values.push(value);
        j = end;
      }
      if (values.length === 0) throw bad(filter, "an IN list needs at least one value");
      tokens.push({ kind: "list", values });
      i = close + 1;
      continue;
    }
    const op = /^(!=|<>|<=|>=|=|<|>)/.exec(text.slice(i));
    if (op !== null) {
      const value = op[1] === "<>" ? "!=" : (op[1] as Comparator);
      tokens.push({ kind: "op", value });
      i += op[1]!.length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?(?![\w.])/.exec(text.slice(i));
    if (num !== null) {
      tokens.push({ kind: "number", value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][\w.]*/.exec(text.slice(i));
    if (word !== null) {
      const w = word[0];
      i += w.length;
      const upper = w.toUpperCase();
      if (upper === "AND") tokens.push({ kind: "and" });
      else if (upper === "LIKE" || upper === "ILIKE" || upper === "IN")
        tokens.push({ kind: "op", value: upper });
      else if (upper === "NOT") {
        const rest = /^\s+IN\b/i.exec(text.slice(i));
        if (rest === null) throw bad(filter, "NOT is only allowed in 'NOT IN'");
        i += rest[0].length;
        tokens.push({ kind: "op", value: "NOT IN" });
      } else if (upper === "OR") throw bad(filter, "OR is not supported; combine conditions with AND");
      else if (w.endsWith(".") && (text[i] === "`" || text[i] === '"')) {
        const { value, end } = readQuoted(text, i, filter);
        tokens.push({ kind: "identifier", identifier: { prefix: w.slice(0, -1).toLowerCase(), key: value } });
        i = end;
      } else {
        const dot = w.indexOf(".");
        tokens.push({
          kind: "identifier",
          identifier:
            dot < 0
              ? { prefix: undefined, key: w }
              : { prefix: w.slice(0, dot).toLowerCase(), key: w.slice(dot + 1) },
        });
      }
      continue;
    }
    throw bad(filter, `unexpected character '${ch}' at position ${i + 1}`);
  }
  return tokens;
}

/** Parses a filter into its AND-ed comparisons; an empty or blank filter is no condition at all. */
export function parseFilter(filter: string | undefined): Comparison[] {
  if (filter === undefined || filter.trim() === "") return [];
  const tokens = tokenize(filter);
  const comparisons: Comparison[] = [];
  let i = 0;
  while (i < tokens.length) {
    const id = tokens[i];
    const op = tokens[i + 1];
    const val = tokens[i + 2];
    if (id?.kind !== "identifier") throw bad(filter, "expected an identifier such as name or tags.<key>");
    if (op?.kind !== "op") throw bad(filter, `expected a comparator after '${id.identifier.key}'`);
    if (val === undefined) throw bad(filter, `expected a value after '${op.value}'`);
    let value: FilterValue;
    if (op.value === "IN" || op.value === "NOT IN") {
      if (val.kind !== "list") throw bad(filter, `${op.value} needs a parenthesised list of quoted strings`);
      value = val.values;
    } else if (val.kind === "string" || val.kind === "number") {
      value = val.value;
    } else {
      throw bad(filter, `expected a quoted string or a number after '${op.value}'`);
    }
    comparisons.push({ identifier: id.identifier, comparator: op.value, value });
    i += 3;
    if (i < tokens.length) {
      if (tokens[i]?.kind !== "and") throw bad(filter, "conditions must be joined with AND");
      i++;
      if (i >= tokens.length) throw bad(filter, "a condition must follow AND");
    }
  }
  return comparisons;
}
