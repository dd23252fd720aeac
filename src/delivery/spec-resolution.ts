// Pinning a spec's version references against the registry when it is written: "@champion" and
// "stage:Production" become the version they point at now (once; only `track` follows an alias later), and
// every version named must exist and not be deleted.
import { invalidParameter, notFound } from "../core/errors.js";
import type { RegistryStore } from "../registry/registry-store.js";
import { canonicalStage } from "../registry/stages.js";
import type { Executor } from "../store/database.js";
import type { DeploymentSpec } from "./deployment.js";
import { checkResolved, versionFields } from "./deployment-spec.js";

export type VersionReader = Pick<
  RegistryStore,
  "modelId" | "findVersion" | "findVersionByAlias" | "latestVersions"
>;

/** The version `ref` names now ("3", "@alias", "stage:Production"), checked to exist. */
export async function resolveVersionRef(
  x: Executor,
  registry: VersionReader,
  model: string,
  modelId: number,
  field: string,
  ref: string,
): Promise<string> {
  if (ref.startsWith("@")) {
    const v = await registry.findVersionByAlias(x, model, ref.slice(1));
    if (v === undefined) throw invalidParameter(`${field}: model '${model}' has no alias '${ref.slice(1)}'.`);
    return String(v.version);
  }
  if (ref.toLowerCase().startsWith("stage:")) {
    const stage = canonicalStage(ref.slice("stage:".length));
    const latest = (await registry.latestVersions(x, modelId, [stage])).sort(
      (a, b) => b.version - a.version,
    )[0];
    if (latest === undefined)
      throw invalidParameter(`${field}: model '${model}' has no version in stage '${stage}'.`);
    return String(latest.version);
  }
  if ((await registry.findVersion(x, modelId, Number(ref))) === undefined) {
    throw notFound(`${field}: model '${model}' has no version ${ref} (or it was deleted).`);
  }
  return ref;
}

/** A copy of `spec` with every version pinned to a number that exists now. */
export async function resolveSpec(
  x: Executor,
  registry: VersionReader,
  spec: DeploymentSpec,
): Promise<DeploymentSpec> {
  const modelId = await registry.modelId(x, spec.model);
  if (modelId === undefined) throw notFound(`spec.model: registered model '${spec.model}' does not exist.`);
  const resolved = structuredClone(spec);
  for (const f of versionFields(resolved)) {
    f.set(await resolveVersionRef(x, registry, spec.model, modelId, f.field, f.value));
  }
  checkResolved(resolved);
  return resolved;
}
