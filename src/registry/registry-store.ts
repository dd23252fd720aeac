// The registry's store interface. Every method takes the executor it runs on (the service's open
// transaction, or the database for a plain read), so a service composes several calls and its audit
// record into ONE transaction. Implemented once for SQLite and PostgreSQL in sql-registry-store.ts.
import type { Executor } from "../store/database.js";
import type { LoggedModelRef, ModelAlias, ModelVersion, RegisteredModel, RunRef, Stage } from "./entities.js";
import type { OrderClause } from "./search/order-by.js";
import type {
  RegisteredModelCondition,
  RegisteredModelOrderField,
} from "./search/registered-model-filter.js";
import type { ModelVersionCondition, ModelVersionOrderField } from "./search/model-version-filter.js";

export interface NewRegisteredModel {
  name: string;
  description: string | null;
  userId: string | null;
  tags: Record<string, string>;
  now: number;
}

export interface NewModelVersion {
  registeredModelId: number;
  version: number;
  source: string;
  storageLocation: string;
  runId: string | null;
  runLink: string | null;
  description: string | null;
  userId: string | null;
  modelId: string | null;
  tags: Record<string, string>;
  now: number;
}

export interface ModelVersionPatch {
  description?: string | null;
  currentStage?: Stage;
}

/** A run key/value to find versions by: a run tag or a run param (also matched on the logged model). */
export interface LineageQuery {
  kind: "tag" | "param";
  key: string;
  value: string;
}

export interface RegistryStore {
  /** A registered model with tags, aliases and latest versions; undefined if there is none by that name. */
  findModel(ex: Executor, name: string): Promise<RegisteredModel | undefined>;
  /** The id of the model with that name (a cheap existence check). */
  modelId(ex: Executor, name: string): Promise<number | undefined>;
  /** The name of the model that counts as the same name as `name` (core/name-rules.ts nameKey), if any. */
  modelNameLike(ex: Executor, name: string): Promise<string | undefined>;
  /**
   * Takes the model's row lock (a no-op UPDATE) and returns its id. Every transaction that changes a
   * model's versions or aliases calls this FIRST, so they serialise per model in one lock order.
   */
  lockModel(ex: Executor, name: string): Promise<number | undefined>;
  insertModel(ex: Executor, model: NewRegisteredModel): Promise<number>;
  renameModel(ex: Executor, id: number, newName: string, now: number): Promise<void>;
  updateModelDescription(ex: Executor, id: number, description: string | null, now: number): Promise<void>;
  touchModel(ex: Executor, id: number, now: number): Promise<void>;
  /** Hard delete of the model with all its versions, tags and aliases (as MLflow). */
  deleteModel(ex: Executor, id: number): Promise<void>;
  setModelTag(ex: Executor, id: number, key: string, value: string): Promise<void>;
  deleteModelTag(ex: Executor, id: number, key: string): Promise<boolean>;
  /** `limit` rows from `offset`, ordered by the clauses then name. */
  searchModels(
    ex: Executor,
    conditions: readonly RegisteredModelCondition[],
    orderBy: readonly OrderClause<RegisteredModelOrderField>[],
    offset: number,
    limit: number,
  ): Promise<RegisteredModel[]>;

  /** Highest version number ever given in this model, deleted ones included (0 if none). */
  maxVersion(ex: Executor, registeredModelId: number): Promise<number>;
  insertVersion(ex: Executor, version: NewModelVersion): Promise<void>;
  /** A live (not deleted) version with tags and aliases. */
  findVersion(ex: Executor, registeredModelId: number, version: number): Promise<ModelVersion | undefined>;
  updateVersion(
    ex: Executor,
    registeredModelId: number,
    version: number,
    patch: ModelVersionPatch,
    now: number,
  ): Promise<void>;
  /** Soft delete (stage Deleted_Internal, source redacted), dropping the version's aliases and tags. */
  deleteVersion(ex: Executor, registeredModelId: number, version: number, now: number): Promise<void>;
  /** Live versions of the model currently in `stage`. */
  versionsInStage(ex: Executor, registeredModelId: number, stage: Stage): Promise<number[]>;
  /** The highest live version in each stage (all stages if none are given), in the order of `stages`. */
  latestVersions(ex: Executor, registeredModelId: number, stages: readonly Stage[]): Promise<ModelVersion[]>;
  setVersionTag(
    ex: Executor,
    registeredModelId: number,
    version: number,
    key: string,
    value: string,
  ): Promise<void>;
  deleteVersionTag(ex: Executor, registeredModelId: number, version: number, key: string): Promise<boolean>;
  searchVersions(
    ex: Executor,
    conditions: readonly ModelVersionCondition[],
    orderBy: readonly OrderClause<ModelVersionOrderField>[],
    offset: number,
    limit: number,
  ): Promise<ModelVersion[]>;

  findAlias(ex: Executor, registeredModelId: number, alias: string): Promise<ModelAlias | undefined>;
  /** The live version `alias` of model `name` points at, in one join (the hot path of serving and loading). */
  findVersionByAlias(ex: Executor, name: string, alias: string): Promise<ModelVersion | undefined>;
  /** Points `alias` at `version`, moving it if it exists (one upsert: never two rows, never none). */
  setAlias(ex: Executor, registeredModelId: number, alias: string, version: number): Promise<void>;
  deleteAlias(ex: Executor, registeredModelId: number, alias: string): Promise<boolean>;

  /** Versions whose run (or logged model) has the tag/param, live ones only, newest first. */
  lineage(ex: Executor, query: LineageQuery, limit: number): Promise<ModelVersion[]>;
  /** Live versions carrying the version tag `key`, or whose model carries it. */
  versionsWithTag(
    ex: Executor,
    key: string,
  ): Promise<Array<{ version: ModelVersion; modelTags: Record<string, string> }>>;

  // Runs and logged models (owned by tracking; answered through its logged-model store), for source checks.
  findRun(ex: Executor, runId: string): Promise<RunRef | undefined>;
  findLoggedModel(ex: Executor, modelId: string): Promise<LoggedModelRef | undefined>;
  setLoggedModelTag(ex: Executor, modelId: string, key: string, value: string): Promise<void>;
}
