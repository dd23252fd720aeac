// Lookups the permission check needs to place a request's target under a grant: which experiment a run or a
// logged model belongs to, which id a registered model has (grants name the id, so they follow a rename and
// die with the model), a version's stage and aliases, and which versions keep their files in an
// experiment's artifact area. Answered by the stores that own those tables.
import { FlowgateError } from "../core/errors.js";
import type { ModelVersion } from "../registry/entities.js";
import { resolveModelUri, type ResolvedModelUri } from "../registry/model-uri.js";
import type { RegistryStore } from "../registry/registry-store.js";
import { hydrateVersions, versionsQuery } from "../registry/sql-registry-rows.js";
import type { Executor } from "../store/database.js";
import type { LoggedModelStore } from "../tracking/logged-model-store.js";
import type { ModelNames } from "./auth/users.js";

export interface ScopeStore {
  experimentOfRun(x: Executor, runId: string): Promise<string | undefined>;
  /** The run's artifact root (`mlflow-artifacts:/…`), for reads of its files. */
  artifactRootOfRun(x: Executor, runId: string): Promise<string | undefined>;
  experimentOfLoggedModel(x: Executor, modelId: string): Promise<string | undefined>;
  /** The id of the registered model named `name`; `undefined` when there is none. */
  modelIdOf(x: Executor, name: string): Promise<number | undefined>;
  /** A live version, by number or by alias; `undefined` when it does not exist. */
  findVersion(
    x: Executor,
    name: string,
    target: { version: number } | { alias: string },
  ): Promise<ModelVersion | undefined>;
  /** Live versions whose storage location is in experiment `experimentId`'s artifact area. */
  versionsStoredIn(x: Executor, experimentId: string): Promise<ModelVersion[]>;
  /** What a model URI names and where its files are; `undefined` when it is malformed or names nothing. */
  resolveUri(x: Executor, uri: string): Promise<ResolvedModelUri | undefined>;
  /** The registered model a deployment serves; `undefined` when there is no such deployment. */
  modelOfDeployment(x: Executor, name: string): Promise<string | undefined>;
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
    async artifactRootOfRun(x, runId) {
      return (await loggedModels.findRun(x, runId))?.artifactUri;
    },
    async experimentOfLoggedModel(x, modelId) {
      return (await loggedModels.get(x, modelId))?.experimentId;
    },
    modelIdOf: (x, name) => registry.modelId(x, name),
    async findVersion(x, name, target) {
      if ("alias" in target) return registry.findVersionByAlias(x, name, target.alias);
      const id = await registry.modelId(x, name);
      return id === undefined ? undefined : registry.findVersion(x, id, target.version);
    },
    async versionsStoredIn(x, experimentId) {
      const rows = await versionsQuery(x)
        .where("mv.storage_location", "like", `mlflow-artifacts:/${experimentId}/%`)
        .execute();
      return hydrateVersions(x, rows);
    },
    async resolveUri(x, uri) {
      try {
        return await resolveModelUri(registry, x, uri);
      } catch (err) {
        if (err instanceof FlowgateError) return undefined;
        throw err;
      }
    },
    async modelOfDeployment(x, name) {
      const row = await x
        .selectFrom("deployments")
        .select("model")
        .where("name", "=", name)
        .executeTakeFirst();
      return row?.model;
    },
  };
}

/** Registered models by name and by id, for grants (users.ts stores a model grant by id). */
export function createModelNames(): ModelNames {
  return {
    async idOf(x, name) {
      const row = await x
        .selectFrom("registered_models")
        .select("id")
        .where("name", "=", name)
        .executeTakeFirst();
      return row === undefined ? undefined : Number(row.id);
    },
    async nameOf(x, id) {
      if (!Number.isSafeInteger(id)) return undefined;
      const row = await x
        .selectFrom("registered_models")
        .select("name")
        .where("id", "=", id)
        .executeTakeFirst();
      return row?.name;
    },
  };
}
