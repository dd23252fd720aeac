// JSON Schema builders for the wire format the routes speak. One schema serves the JSON body and the query
// string: protobuf-JSON sends int64 as a number or a decimal string and doubles as numbers or "NaN"/"Infinity";
// query values always arrive as strings (so every scalar also accepts its string form), and a repeated query
// key arrives as an array (the query validator wraps a single value into one).
export type JsonSchema = Record<string, unknown>;

/** MLflow's 8,000-character cap on most strings would be too tight for filters; each field says its own. */
export function str(description?: string, extra: JsonSchema = {}): JsonSchema {
  return { type: "string", ...(description === undefined ? {} : { description }), ...extra };
}

const INT = "^\\s*-?\\d+\\s*$";

export function int64(description?: string): JsonSchema {
  return {
    type: ["integer", "string"],
    pattern: INT,
    ...(description === undefined ? {} : { description }),
  };
}

const DOUBLE = "^\\s*(?:[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?|NaN|nan|-?Infinity|-?inf)\\s*$";

export function double(description?: string): JsonSchema {
  return {
    type: ["number", "string"],
    pattern: DOUBLE,
    ...(description === undefined ? {} : { description }),
  };
}

export function bool(description?: string): JsonSchema {
  return {
    type: ["boolean", "string"],
    pattern: "^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$",
    ...(description === undefined ? {} : { description }),
  };
}

/** An enum by name (protobuf-JSON); its 1-based number is accepted too, as protobuf does. */
export function enumOf(names: readonly string[], description?: string): JsonSchema {
  return {
    type: ["string", "integer"],
    ...(description === undefined ? {} : { description }),
    anyOf: [
      { type: "string", enum: [...names] },
      { type: "integer", minimum: 1, maximum: names.length },
    ],
  };
}

export function repeated(items: JsonSchema, description?: string): JsonSchema {
  return { type: "array", items, ...(description === undefined ? {} : { description }) };
}

/**
 * A message: named fields, some required. Unknown fields are allowed (a newer client may send fields this
 * server does not know; MLflow ignores them too).
 */
export function message(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: "object", properties, ...(required.length > 0 ? { required } : {}) };
}

/** A reference to a shared response entity registered with `addSchema` (see entities.ts). */
export function ref(id: string): JsonSchema {
  return { $ref: `${id}#` };
}

export const KEY_VALUE = message({ key: str(), value: str() });
export const EMPTY = message({});

/** Every error the server sends: MLflow's error JSON. */
export const ERROR_BODY = message(
  {
    error_code: str("An MLflow error code, e.g. INVALID_PARAMETER_VALUE or RESOURCE_DOES_NOT_EXIST."),
    message: str("What was wrong and what is allowed."),
  },
  ["error_code", "message"],
);

/** A route's responses when the 200 is plain text (health, version) rather than JSON. */
export function textResponses(description: string): Record<string, unknown> {
  return {
    200: { description, content: { "text/plain": { schema: { type: "string" } } } },
    default: { description: "An error.", content: { "application/json": { schema: ERROR_BODY } } },
  };
}
