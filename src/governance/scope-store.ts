// Lookups the permission check needs to place a request's target under a grant: which experiment a run or a
// logged model belongs to, and whether a model version is released (its stage and aliases). Answered by the
// stores that own those tables.
import type { RegistryStore } from "../registry/registry-store.js";
import type { Executor } from "../store/database.js";
import type { LoggedModelStore } from "../tracking/logged-model-store.js";

export interface ScopeStore {
  experimentOfRun(x: Executor, runId: string): Promise<string | undefined>;
  experimentOfLoggedModel(x: Executor, modelId: string): Promise<string | undefined>;
  /** Stage and aliases of a version; `undefined` when it does not exist. */
  versionRelease(
    x: Executor,
    name: string,
    version: number | undefined,
    alias: string | undefined,
  ): Promise<{ stage: string; aliases: string[] } | undefined>;
}

export function createScopeStore(deps: {
  loggedModels: LoggedModelStore;
  registry: RegistryStore;
}): ScopeStore {
  const { loggedModels, registry } = deps;
  return {
    async experimentOfRun(x, runId) {
      return (await loggedModels.findRun(x, runId))?.experimentId;
    },
    async experimentOfLoggedModel(x, modelId) {
      return (await loggedModels.get(x, modelId))?.experimentId;
    },
    async versionRelease(x, name, version, alias) {
      let found;
      if (version !== undefined) {
        const id = await registry.modelId(x, name);
        found = id === undefined ? undefined : await registry.findVersion(x, id, version);
      } else if (alias !== undefined) {
        found = await registry.findVersionByAlias(x, name, alias);
      }
      return found === undefined ? undefined : { stage: found.currentStage, aliases: found.aliases };
    },
  };
}
