// Where a model version's files are when someone reads them (MLflow's model-versions/get-artifact): its
// storage location, with a `runs:/` reference that was registered before its run existed located now.
import { resolveModelUri } from "./model-uri.js";
import type { RegistryDeps } from "./registry-deps.js";
import { getModelVersion } from "./versions.js";

/** The artifact-store URI of version `version` of `name`; RESOURCE_DOES_NOT_EXIST when there is none. */
export async function versionFilesUri(deps: RegistryDeps, name: string, version: number): Promise<string> {
  const v = await getModelVersion(deps, name, version);
  return (await resolveModelUri(deps.store, deps.database.db, v.storageLocation)).storageUri;
}
