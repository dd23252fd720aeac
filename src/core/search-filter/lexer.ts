// Tokenizer for MLflow's search filter and order_by strings (runs, experiments, registry, logged models). It
// knows the shapes MLflow's sqlparse-based parser accepts: dotted identifiers, `backticked` and "double-quoted" keys, 'strings',
// numbers, comparison operators, parentheses and keywords. Every token keeps its position for error messages.
import { invalidParameter, type FlowgateError } from "../errors.js";
import { previewText } from "../value-preview.js";

export type TokenType =
  | "ident" // bare identifier, possibly dotted: metrics.rmse, start_time, tags.
  | "backtick" // `key with spaces`
  | "dquote" // "a double-quoted key or value"
  | "squote" // 'a string value'
  | "number"
  | "op" // = != <> < <= > >=
  | "keyword" // AND LIKE ILIKE IN NOT IS NULL ASC DESC OR
  | "lparen"
  | "rparen"
  | "comma"
  | "end";

export interface Token {
  type: TokenType;
  /** The token's meaning: unquoted text for strings, upper case for keywords. */
  value: string;
  /** 0-based offset in the input. */
  position: number;
  /** The token exactly as written. */
  raw: string;
}

const KEYWORDS = new Set(["AND", "OR", "LIKE", "ILIKE", "IN", "NOT", "IS", "NULL", "ASC", "DESC"]);

/** A filter error that points at the offending place in the input. */
export function syntaxError(input: string, position: number, problem: string): FlowgateError {
  return invalidParameter(
    `Invalid search expression ${previewText(input)}: ${problem} at position ${position + 1}.`,
  );
}

function readQuoted(input: string, start: number, quote: string): { text: string; end: number } {
  // A doubled quote or a backslash-escaped one does not end the string, but — as in MLflow, which only strips
  // the outer quotes of the token sqlparse finds — nothing is unescaped: 'C:\new' means C:\new, and 'it''s'
  // means it''s. Results then match MLflow's for the same filter.
  let i = start + 1;
  while (i < input.length) {
    const ch = input[i] ?? "";
    if (ch === "\\" && i + 1 < input.length) {
      i += 2;
      continue;
    }
    if (ch === quote) {
      if (input[i + 1] === quote) {
        i += 2;
        continue;
      }
      return { text: input.slice(start + 1, i), end: i + 1 };
    }
    i += 1;
  }
  throw syntaxError(input, start, `unterminated ${quote} quote starting`);
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;
const IDENT = /^[A-Za-z_][\w.]*/;
const OPS = ["!=", "<>", "<=", ">=", "=", "<", ">"];

/**
 * Splits `input` into tokens ending with an `end` token. `identifier` matches a bare (unquoted) identifier at
 * the start of the rest of the input; logged-model keys also take `-`, `/` and `:` unquoted.
 */
export function tokenize(input: string, identifier: RegExp = IDENT): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] ?? "";
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const rest = input.slice(i);
    if (ch === "'" || ch === '"' || ch === "`") {
      const { text, end } = readQuoted(input, i, ch);
      const type: TokenType = ch === "'" ? "squote" : ch === '"' ? "dquote" : "backtick";
      tokens.push({ type, value: text, position: i, raw: input.slice(i, end) });
      i = end;
      continue;
    }
    if (ch === "(" || ch === ")" || ch === ",") {
      const type: TokenType = ch === "(" ? "lparen" : ch === ")" ? "rparen" : "comma";
      tokens.push({ type, value: ch, position: i, raw: ch });
      i += 1;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op !== undefined) {
      tokens.push({ type: "op", value: op === "<>" ? "!=" : op, position: i, raw: op });
      i += op.length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num !== null && !/[A-Za-z_]/.test(rest[num[0].length] ?? "")) {
      tokens.push({ type: "number", value: num[0], position: i, raw: num[0] });
      i += num[0].length;
      continue;
    }
    const ident = identifier.exec(rest);
    if (ident !== null) {
      const word = ident[0];
      const upper = word.toUpperCase();
      const type: TokenType = KEYWORDS.has(upper) ? "keyword" : "ident";
      tokens.push({ type, value: type === "keyword" ? upper : word, position: i, raw: word });
      i += word.length;
      continue;
    }
    throw syntaxError(input, i, `unexpected character '${ch}'`);
  }
  tokens.push({ type: "end", value: "", position: input.length, raw: "" });
  return tokens;
}
