// How requests are checked against route schemas. Ajv never rewrites a value the handler will read: no
// defaults, no stripped fields, no type coercion of bodies. The only coercion is in the query string, where
// a single value of a repeated field is wrapped into an array (a repeated key already arrives as one); a
// repeated key for a scalar field stays an array and is refused, so the permission check and the handler
// read the same single value.
import { Ajv, type ErrorObject } from "ajv";
import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from "fastify";

function newAjv(coerceTypes: false | "array"): Ajv {
  // `verbose` keeps the offending value on each error, so the message can quote (a prefix of) it.
  return new Ajv({
    coerceTypes,
    useDefaults: false,
    removeAdditional: false,
    allErrors: false,
    verbose: true,
    strict: false,
  });
}

const bodyAjv = newAjv(false);
const queryAjv = newAjv("array");

const compile: FastifySchemaCompiler<Record<string, unknown>> = ({ schema, httpPart }) => {
  // A body the route reads as a raw stream (artifact uploads, multipart calls) is not parsed here: its
  // schema only documents it.
  if ((schema as { "x-raw-body"?: unknown })["x-raw-body"] === true) return () => true;
  return (httpPart === "body" ? bodyAjv : queryAjv).compile(schema);
};

/** `/tags/0/key` → `tags[0].key`: the field as MLflow's messages name it. */
function fieldOf(error: ErrorObject): string {
  const parts = error.instancePath.split("/").slice(1);
  if (error.keyword === "required") parts.push(String(error.params.missingProperty));
  return parts
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === "" ? p : `${acc}.${p}`), "");
}

/** At most a short prefix of a wrong value is echoed back: the client already has the rest. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 100)}… (${text.length} characters)` : text;
}

const EXPECTED: Record<string, string> = {
  integer: "an integer",
  number: "a number",
  boolean: "a boolean",
  string: "a string",
  array: "a list",
  object: "an object",
};

/** What the field takes, in words: the first of its types (the string forms are the query's spelling). */
function expected(error: ErrorObject): string {
  const schema = error.parentSchema;
  if ((error.keyword === "type" || error.keyword === "pattern") && schema?.type !== undefined) {
    const first = ([] as unknown[]).concat(schema.type)[0];
    return `it must be ${EXPECTED[String(first)] ?? String(first)}`;
  }
  return `it ${error.message ?? "is invalid"}`;
}

export function formatSchemaError(errors: ErrorObject[], dataVar: string): Error {
  const error = errors[0];
  if (error === undefined) return new Error(`Invalid ${dataVar}.`);
  const field = fieldOf(error);
  if (field === "") {
    return new Error(
      dataVar === "body"
        ? "The request body must be a JSON object."
        : `Invalid ${dataVar}: ${error.message ?? "invalid"}.`,
    );
  }
  if (error.keyword === "required") {
    return new Error(
      `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
    );
  }
  return new Error(
    `Invalid value ${quote(error.data)} for parameter '${field}' supplied: ${expected(error)}.`,
  );
}

/** Installs the compilers on the root instance, before any route. */
export function installValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(compile);
  // Responses are sent as the handler built them: the response schemas document them (and the fuzzer checks
  // them) but never reshape them, since a missing or mistyped schema field must not silently drop data.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setSchemaErrorFormatter(formatSchemaError);
}

/**
 * A request sent without a body (no Content-Type, nothing to parse) means "no fields", as MLflow reads it;
 * a body that is JSON `null` is refused by the schema like any other non-object.
 */
export async function bodyPresent(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}
