// Names of the SageMaker resources a deployment creates. SageMaker limits model, endpoint-config and endpoint
// names to 63 characters of [a-zA-Z0-9-] starting and ending alphanumeric; every model and config gets a fresh
// unique name (a config can never be edited in place, and names of deleted resources stay unusable for a while),
// with the endpoint's name first so they sort and filter by endpoint in the console.
import { randomBytes } from "node:crypto";
import { invalidParameter } from "../../core/errors.js";

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** An endpoint or variant name as SageMaker accepts it, or an error saying what is allowed. */
export function checkedName(name: string, what: string): string {
  if (!NAME.test(name)) {
    throw invalidParameter(
      `${what} '${name}' is not a valid SageMaker name: 1-63 letters, digits and hyphens, starting and ending with a letter or digit.`,
    );
  }
  return name;
}

/** `<endpoint>-model-<id>` or `<endpoint>-config-<id>`, the endpoint part shortened to fit 63 characters. */
export function uniqueName(endpoint: string, kind: "model" | "config"): string {
  const suffix = `-${kind}-${randomBytes(8).toString("hex")}`;
  const base = endpoint.slice(0, 63 - suffix.length).replace(/-+$/, "");
  return `${base}${suffix}`;
}
