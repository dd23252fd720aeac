// What a model URI lets its user read, judged by the one read rule (read-access.ts). Registering a version
// from a source makes the source's files readable as that version, and resolving a URI hands out where the
// files are; so both need read access to what the URI names: the registered model version
// (`models:/B/2`, `models:/B@champion`, `models:/B/Production`), the run or logged model (`runs:/…`,
// `models:/m-…`: their experiment), or the files themselves (`mlflow-artifacts:/…`: read-access.ts decides). A URI that names nothing that
// exists gives nothing to read; whether it is acceptable is the registry's decision, not this one.
import { artifactUriPath } from "../artifacts/artifact-uri.js";
import type { Executor } from "../store/database.js";
import type { ReadAccess } from "./read-access.js";
import type { ScopeStore } from "./scope-store.js";

export async function mayReadUri(
  access: ReadAccess,
  scopes: ScopeStore,
  x: Executor,
  uri: string,
): Promise<boolean> {
  const resolved = await scopes.resolveUri(x, uri);
  if (resolved === undefined) return true;
  if (resolved.name !== undefined && resolved.version !== undefined) {
    const version = await scopes.findVersion(x, resolved.name, { version: resolved.version });
    return version === undefined || (await access.version(version));
  }
  // A run (`runs:/…`) or a logged model (`models:/m-…`) is read as a part of its experiment.
  const experimentId =
    resolved.modelId !== undefined
      ? await scopes.experimentOfLoggedModel(x, resolved.modelId)
      : /^runs:/i.test(uri) && resolved.runId !== undefined
        ? await scopes.experimentOfRun(x, resolved.runId)
        : undefined;
  if (experimentId !== undefined) return access.experiment(experimentId);
  return access.artifact(x, artifactUriPath(resolved.storageUri, "storage location"));
}

/** The experiment reads a new version's `run_id` and `model_id` fields ask for (the run's, the logged model's). */
export async function linkedExperiments(
  scopes: ScopeStore,
  x: Executor,
  link: { runId: string | undefined; modelId: string | undefined },
): Promise<string[]> {
  const found = await Promise.all([
    link.runId === undefined ? undefined : scopes.experimentOfRun(x, link.runId),
    link.modelId === undefined ? undefined : scopes.experimentOfLoggedModel(x, link.modelId),
  ]);
  return found.filter((e): e is string => e !== undefined);
}
