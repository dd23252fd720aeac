// Lineage in one call: every live model version whose run was tagged or parameterised with key=value
// (e.g. all versions trained on data_version=v2024-01-15), with stage and aliases — what teams otherwise
// assemble with one search_runs plus N search_model_versions calls.
import { invalidParameter } from "../core/errors.js";
import type { ModelVersion } from "./entities.js";
import type { RegistryDeps } from "./registry-deps.js";

export const LINEAGE_LIMIT = 1000;

/** Parses `key=value` (the CLI's and the native API's form). */
export function parseKeyValue(text: string, field: string): { key: string; value: string } {
  const eq = text.indexOf("=");
  if (eq <= 0)
    throw invalidParameter(`Invalid ${field} '${text}': use <key>=<value>, e.g. data_version=v2024-01-15.`);
  return { key: text.slice(0, eq), value: text.slice(eq + 1) };
}

export async function findLineage(
  deps: RegistryDeps,
  query: { kind: "tag" | "param"; key: string; value: string },
): Promise<ModelVersion[]> {
  if (query.key === "") throw invalidParameter("Invalid lineage query: the key cannot be empty.");
  return deps.store.lineage(deps.database.db, query, LINEAGE_LIMIT);
}
