// MLflow wire entities as the server returns them, generated from its OpenAPI document (the SDK's
// src/sdk/openapi-types.ts, `npm run openapi:types`; imported as types only, so none of it is bundled):
// snake_case, int64 may arrive as a number or a string, unset fields are left out.
import type { components } from "../../../src/sdk/openapi-types";

type Schemas = components["schemas"];

export type KeyValue = Schemas["Tag"];
export type Experiment = Schemas["Experiment"];
export type Metric = Schemas["Metric"];
export type RunInfo = Schemas["RunInfo"];
export type Run = Schemas["Run"];
export type FileInfo = Schemas["FileInfo"];
export type LoggedModel = Schemas["LoggedModel"];
export type ModelVersion = Schemas["ModelVersion"];
export type RegisteredModel = Schemas["RegisteredModel"];

/** A metric or other double as a number ("NaN", "Infinity" arrive as strings). */
export function num(value: number | string | undefined): number {
  if (value === undefined) return NaN;
  return typeof value === "number" ? value : Number(value);
}

export function tagValue(tags: KeyValue[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.key === key)?.value;
}
