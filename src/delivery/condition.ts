// Analysis conditions as Argo writes them, reduced to what a single number needs: comparisons of `result`
// with a number, joined by && and || (&& binds tighter), with parentheses. Parsed, never evaluated as code.
import { invalidParameter } from "../core/errors.js";

export type Comparison = "<" | "<=" | ">" | ">=" | "==" | "!=";

export type Condition = { op: Comparison; number: number } | { and: Condition[] } | { or: Condition[] };

const TOKEN = /\s*(result|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|<=|>=|==|!=|<|>|&&|\|\||\(|\))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (text.slice(at).trim() === "") break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (m === null) throw new Error(`unexpected '${text.slice(at).trim().slice(0, 20)}'`);
    tokens.push(m[1]!);
    at = TOKEN.lastIndex;
  }
  return tokens;
}

const COMPARISONS = new Set(["<", "<=", ">", ">=", "==", "!="]);

function parseTokens(tokens: string[]): Condition {
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const next = (): string | undefined => tokens[i++];

  function or(): Condition {
    const parts = [and()];
    while (peek() === "||") {
      next();
      parts.push(and());
    }
    return parts.length === 1 ? parts[0]! : { or: parts };
  }
  function and(): Condition {
    const parts = [primary()];
    while (peek() === "&&") {
      next();
      parts.push(primary());
    }
    return parts.length === 1 ? parts[0]! : { and: parts };
  }
  function primary(): Condition {
    const t = next();
    if (t === "(") {
      const inner = or();
      if (next() !== ")") throw new Error("a '(' is not closed");
      return inner;
    }
    if (t !== "result")
      throw new Error(`expected 'result' but found ${t === undefined ? "the end" : `'${t}'`}`);
    const op = next();
    if (op === undefined || !COMPARISONS.has(op)) {
      throw new Error(`expected one of < <= > >= == != after 'result'`);
    }
    const n = next();
    if (n === undefined || !Number.isFinite(Number(n))) throw new Error(`expected a number after '${op}'`);
    return { op: op as Comparison, number: Number(n) };
  }

  const c = or();
  if (i < tokens.length) throw new Error(`unexpected '${tokens[i]}'`);
  return c;
}

/** Parses a condition; a FlowgateError INVALID_PARAMETER_VALUE says what was wrong and what is allowed. */
export function parseCondition(text: string): Condition {
  try {
    if (text.trim() === "") throw new Error("it is empty");
    return parseTokens(tokenize(text));
  } catch (err) {
    throw invalidParameter(
      `Invalid condition '${text}': ${(err as Error).message}. Write comparisons of result with a number ` +
        `(< <= > >= == !=) joined by && or ||, e.g. "result < 0.01" or "result >= 0.9 && result <= 1".`,
    );
  }
}

function holds(c: Condition, value: number): boolean {
  if ("and" in c) return c.and.every((p) => holds(p, value));
  if ("or" in c) return c.or.some((p) => holds(p, value));
  switch (c.op) {
    case "<":
      return value < c.number;
    case "<=":
      return value <= c.number;
    case ">":
      return value > c.number;
    case ">=":
      return value >= c.number;
    case "==":
      return value === c.number;
    case "!=":
      return value !== c.number;
  }
}

/** Whether `value` meets the condition (text is parsed first; a bad one throws as parseCondition does). */
export function evaluateCondition(condition: string | Condition, value: number): boolean {
  return holds(typeof condition === "string" ? parseCondition(condition) : condition, value);
}
