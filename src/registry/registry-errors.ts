// The registry's not-found errors, worded as MLflow words them (RESOURCE_DOES_NOT_EXIST, HTTP 404).
import { notFound, type FlowgateError } from "../core/errors.js";

export function modelNotFound(name: string): FlowgateError {
  return notFound(`Registered Model with name=${name} not found.`);
}

export function versionNotFound(name: string, version: number | string): FlowgateError {
  return notFound(`Model Version (name=${name}, version=${version}) not found.`);
}

export function aliasNotFound(name: string, alias: string): FlowgateError {
  return notFound(`Registered model alias ${alias} not found for model ${name}.`);
}
