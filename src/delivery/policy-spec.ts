// A deployment's business policy: values checked against the policy's own JSON Schema when the spec is
// written, so serving only ever receives values that satisfy it (a bad threshold never reaches traffic).
import { Ajv } from "ajv";
import type { DeploymentPolicy } from "./deployment.js";
import { integerAt, objectAt, recordAt, refuse, stringAt } from "./spec-values.js";

// One instance for every policy: each schema is compiled for its write and removed after it.
const ajv = new Ajv({
  allErrors: false,
  strict: false,
  useDefaults: false,
  coerceTypes: false,
  addUsedSchema: false,
  // A user's schema may name formats this server does not check; that is not worth a line in the server log.
  logger: false,
});

function valuesAt(field: string, v: unknown): Record<string, unknown> {
  const o = recordAt(field, v);
  if (JSON.stringify(o).length > 64 * 1024) throw refuse(field, "must be at most 64 KiB of JSON");
  return o;
}

export function parsePolicy(field: string, v: unknown): DeploymentPolicy {
  const o = objectAt(field, v, ["schema", "values", "decision"], ["values"]);
  const values = valuesAt(`${field}.values`, o.values);
  const policy: DeploymentPolicy = { values };
  if (o.schema !== undefined) {
    const schema = valuesAt(`${field}.schema`, o.schema);
    let validate;
    try {
      validate = ajv.compile(schema);
    } catch (err) {
      throw refuse(`${field}.schema`, `is not a valid JSON Schema: ${(err as Error).message.slice(0, 200)}`);
    }
    try {
      if (!validate(values)) {
        const why = ajv.errorsText(validate.errors, { dataVar: "values" }).slice(0, 300);
        throw refuse(`${field}.values`, `do not satisfy ${field}.schema: ${why}`);
      }
    } finally {
      // Ajv keeps every compiled schema; one per written spec would never be let go.
      ajv.removeSchema(schema);
    }
    policy.schema = schema;
  }
  if (o.decision !== undefined) {
    const at = `${field}.decision`;
    const d = objectAt(
      at,
      o.decision,
      ["threshold", "classIndex", "positiveLabel", "negativeLabel"],
      ["threshold"],
    );
    const threshold = stringAt(`${at}.threshold`, d.threshold, 256);
    if (typeof values[threshold] !== "number") {
      throw refuse(
        `${at}.threshold`,
        `must name a number in ${field}.values ('${threshold.slice(0, 40)}' is not one)`,
      );
    }
    policy.decision = {
      threshold,
      ...(d.classIndex !== undefined
        ? { classIndex: integerAt(`${at}.classIndex`, d.classIndex, 0, 10_000) }
        : {}),
      ...(d.positiveLabel !== undefined ? { positiveLabel: d.positiveLabel } : {}),
      ...(d.negativeLabel !== undefined ? { negativeLabel: d.negativeLabel } : {}),
    };
  }
  return policy;
}
