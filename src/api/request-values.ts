// Rules every value of every request obeys, checked once at the edge (the JSON body parser and a hook for
// query strings and path parameters) so that no handler, store or engine ever sees a violating value:
// - no U+0000: PostgreSQL text cannot hold it (the driver fails with 22021 deep inside a write), and no
//   MLflow client ever sends it;
// - JSON nests at most MAX_JSON_DEPTH levels: deeper values overflow the stack of anything that walks them
//   (error messages, schema validation, serialisation).
import { invalidParameter } from "../core/errors.js";

/** MLflow's requests nest a handful of levels (a dataset inside an input inside a list); 64 leaves room. */
export const MAX_JSON_DEPTH = 64;

/** Refuses a string containing U+0000; `where` names it (`body`, `query parameter 'name'`). */
function checkString(text: string, where: () => string): void {
  if (text.includes("\u0000")) {
    throw invalidParameter(
      `Invalid value in ${where()}: strings may not contain the NUL character (U+0000).`,
    );
  }
}

/**
 * Walks `value` without recursion (so that the walk itself cannot overflow) and refuses NUL characters in
 * any string or object key, and nesting deeper than {@link MAX_JSON_DEPTH}.
 */
export function checkRequestValue(value: unknown, where: string): void {
  const pending: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: "" }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const current = item;
    const at = (): string => (current.path === "" ? where : `${where} at '${current.path}'`);
    if (typeof current.value === "string") {
      checkString(current.value, at);
      continue;
    }
    if (typeof current.value !== "object" || current.value === null) continue;
    if (current.depth >= MAX_JSON_DEPTH) {
      throw invalidParameter(
        `Invalid value in ${at()}: JSON may nest at most ${MAX_JSON_DEPTH} levels of arrays and objects.`,
      );
    }
    const entries: Array<[string, unknown]> = Array.isArray(current.value)
      ? current.value.map((v, i): [string, unknown] => [String(i), v])
      : Object.entries(current.value);
    for (const [key, child] of entries) {
      const path = current.path === "" ? key : `${current.path}.${key}`;
      if (!Array.isArray(current.value)) checkString(key, () => `${where} (a key)`);
      pending.push({
        value: child,
        depth: current.depth + 1,
        path: path.length > 60 ? `${path.slice(0, 60)}…` : path,
      });
    }
  }
}

/**
 * Parses a JSON request body. An empty body means "no fields" (the client sends DELETEs and some POSTs
 * with none); anything but an object at the top is refused, since every route reads named fields.
 */
export function parseJsonBody(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // A RangeError is JSON.parse itself running out of stack on absurd nesting.
    const reason = err instanceof Error ? err.message : String(err);
    throw Object.assign(new SyntaxError(reason.slice(0, 200)), { statusCode: 400 });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidParameter(
      `Invalid request body: it must be a JSON object with the request's fields, not ${parsed === null ? "null" : Array.isArray(parsed) ? "an array" : `a ${typeof parsed}`}.`,
    );
  }
  checkRequestValue(parsed, "the request body");
  return parsed as Record<string, unknown>;
}
