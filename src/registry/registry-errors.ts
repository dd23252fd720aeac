// The registry's not-found errors, worded and coded as MLflow's (RESOURCE_DOES_NOT_EXIST, HTTP 404, but
// INVALID_PARAMETER_VALUE for an alias).
import { invalidParameter, notFound, type FlowgateError } from "../core/errors.js";

export function modelNotFound(name: string): FlowgateError {
  return notFound(`Registered Model with name=${name} not found.`);
}

export function versionNotFound(name: string, version: number | string): FlowgateError {
  return notFound(`Model Version (name=${name}, version=${version}) not found.`);
}

/** MLflow answers a missing alias with INVALID_PARAMETER_VALUE (400), not a 404. */
export function aliasNotFound(name: string, alias: string): FlowgateError {
  return invalidParameter(`Registered model alias ${alias} not found. Model '${name}' has no such alias.`);
}
