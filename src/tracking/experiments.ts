// Experiments: create (with the artifact location rule), read, search, rename, soft delete/restore and tags.
// Owns the Default experiment "0". Runs are runs.ts; every change is audited in its own transaction.
import type { Clock } from "../core/clock.js";
import { alreadyExists, FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import { checkMaxResults, decodePageToken, pageOf, type Page } from "../core/paging.js";
import { systemContext, type RequestContext } from "../core/request-context.js";
import { artifactRootChild, artifactUri, artifactUriPath } from "../artifacts/artifact-uri.js";
import type { AuditLog } from "../governance/audit.js";
import type { Database } from "../store/database.js";
import { isUniqueViolation } from "../store/db-errors.js";
import { checkNameShape } from "../core/name-rules.js";
import type { Experiment, Tag, ViewType } from "./entities.js";
import { checkChosenLocation } from "./experiment-area.js";
import { checkKey, checkLength, LIMITS } from "./run-validation.js";
import type { ExperimentStore, RunStore } from "./tracking-store.js";
import { parseExperimentsFilter, parseExperimentsOrderBy } from "./search/experiments-filter.js";

export const DEFAULT_EXPERIMENT_ID = "0";
const MAX_EXPERIMENTS_PER_PAGE = 50000;

export interface ExperimentSearchRequest {
  viewType?: ViewType | undefined;
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

export interface ExperimentService {
  /** Creates experiment "0" ("Default") at startup unless it exists. */
  ensureDefaultExperiment(): Promise<void>;
  createExperiment(
    ctx: RequestContext,
    input: { name: string; artifactLocation?: string | undefined; tags: Tag[] },
  ): Promise<Experiment>;
  getExperiment(experimentId: string): Promise<Experiment>;
  getExperimentByName(name: string): Promise<Experiment>;
  searchExperiments(request: ExperimentSearchRequest): Promise<Page<Experiment>>;
  renameExperiment(ctx: RequestContext, experimentId: string, newName: string): Promise<void>;
  deleteExperiment(ctx: RequestContext, experimentId: string): Promise<void>;
  restoreExperiment(ctx: RequestContext, experimentId: string): Promise<void>;
  setExperimentTag(ctx: RequestContext, experimentId: string, tag: Tag): Promise<void>;
  deleteExperimentTag(ctx: RequestContext, experimentId: string, key: string): Promise<void>;
}

export interface ExperimentServiceDeps {
  database: Database;
  store: ExperimentStore & Pick<RunStore, "setExperimentRunsLifecycle">;
  audit: AuditLog;
  clock: Clock;
  /** Root under which each new experiment gets `<root>/<id>` (config.defaultArtifactRoot). */
  defaultArtifactRoot: string;
}

function checkName(name: string, field: string): void {
  if (name.trim() === "") throw invalidParameter(`Invalid experiment name '${name}': it must not be empty.`);
  checkLength(name, field, LIMITS.maxExperimentNameLength);
  checkNameShape(name, "experiment name", field);
}

/** MLflow's words for a taken name; a look-alike also names the experiment it collides with. */
function nameTaken(name: string, existing: string | undefined): Error {
  if (existing === undefined || existing === name)
    return alreadyExists(`Experiment(name=${name}) already exists.`);
  return alreadyExists(
    `Experiment(name=${existing}) already exists, and '${name}' counts as the same name: names that differ ` +
      "only in case, accents, character width or '+' for a space are one name.",
  );
}

export function createExperimentService(deps: ExperimentServiceDeps): ExperimentService {
  const { database, store, audit, clock } = deps;
  const locationFor = (id: string): string => `${deps.defaultArtifactRoot.replace(/\/+$/, "")}/${id}`;

  async function getExisting(experimentId: string): Promise<Experiment> {
    const experiment = await store.getExperiment(database.db, experimentId);
    if (experiment === undefined) throw notFound(`No Experiment with id=${experimentId} exists`);
    return experiment;
  }

  async function getActive(experimentId: string): Promise<Experiment> {
    const experiment = await getExisting(experimentId);
    if (experiment.lifecycleStage !== "active") {
      throw invalidParameter(
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
      );
    }
    return experiment;
  }

  /** Soft-deletes or restores an experiment; as MLflow, its runs follow it. */
  async function setLifecycle(
    ctx: RequestContext,
    experimentId: string,
    stage: "active" | "deleted",
  ): Promise<void> {
    const experiment = await getExisting(experimentId);
    const from = stage === "deleted" ? "active" : "deleted";
    // MLflow looks the experiment up among active (delete) or deleted (restore) ones only.
    if (experiment.lifecycleStage !== from) {
      throw notFound(`No ${from === "deleted" ? "deleted " : ""}Experiment with id=${experimentId} exists`);
    }
    await database.transaction(async (trx) => {
      const now = clock.now();
      await store.updateExperiment(trx, experimentId, { lifecycleStage: stage, lastUpdateTime: now });
      await store.setExperimentRunsLifecycle(trx, experimentId, stage, stage === "deleted" ? now : null);
      await audit.record(trx, ctx, {
        action: stage === "deleted" ? "experiment.delete" : "experiment.restore",
        targetType: "experiment",
        targetId: experimentId,
        before: { lifecycleStage: from },
        after: { lifecycleStage: stage },
      });
    });
  }

  return {
    async ensureDefaultExperiment() {
      await database.transaction(async (trx) => {
        const created = await store.ensureDefaultExperiment(
          trx,
          locationFor(DEFAULT_EXPERIMENT_ID),
          clock.now(),
        );
        if (created) {
          await audit.record(trx, systemContext(), {
            action: "experiment.create",
            targetType: "experiment",
            targetId: DEFAULT_EXPERIMENT_ID,
            after: { name: "Default" },
          });
        }
      });
    },

    async createExperiment(ctx, input) {
      checkName(input.name, "name");
      // A client-chosen location must be inside this server's artifact store: anything else could make the
      // artifact proxy read or write outside its root.
      const location =
        input.artifactLocation === undefined || input.artifactLocation === ""
          ? undefined
          : artifactLocationOf(input.artifactLocation);
      for (const [i, tag] of input.tags.entries()) {
        checkKey(tag.key, `tags[${i}].key`);
        checkLength(tag.value, `tags[${i}].value`, LIMITS.maxExperimentTagValueLength);
      }
      try {
        return await database.transaction(async (trx) => {
          const taken = await store.experimentNameLike(trx, input.name);
          if (taken !== undefined) throw nameTaken(input.name, taken);
          const experiment = await store.createExperiment(trx, {
            name: input.name,
            artifactLocation: (id) => {
              if (location !== undefined) checkChosenLocation(location, id, deps.defaultArtifactRoot);
              return location ?? locationFor(id);
            },
            tags: input.tags,
            time: clock.now(),
          });
          await audit.record(trx, ctx, {
            action: "experiment.create",
            targetType: "experiment",
            targetId: experiment.experimentId,
            after: experiment,
          });
          return experiment;
        });
      } catch (err) {
        // A concurrent create of the same (or a look-alike) name won the unique index on name_key.
        if (isUniqueViolation(err))
          throw nameTaken(input.name, await store.experimentNameLike(database.db, input.name));
        throw err;
      }
    },

    getExperiment: getExisting,

    async getExperimentByName(name) {
      const experiment = await store.getExperimentByName(database.db, name);
      if (experiment === undefined) throw notFound(`Could not find experiment with name '${name}'`);
      return experiment;
    },

    async searchExperiments(request) {
      const maxResults = checkMaxResults(request.maxResults, 1000, MAX_EXPERIMENTS_PER_PAGE);
      const offset = decodePageToken(request.pageToken);
      const rows = await store.searchExperiments(database.searchDb, {
        viewType: request.viewType ?? "ACTIVE_ONLY",
        clauses: parseExperimentsFilter(request.filter),
        orderBy: parseExperimentsOrderBy(request.orderBy ?? []),
        offset,
        limit: maxResults + 1,
      });
      return pageOf(rows, offset, maxResults);
    },

    async renameExperiment(ctx, experimentId, newName) {
      checkName(newName, "new_name");
      const before = await getExisting(experimentId);
      if (before.lifecycleStage !== "active") {
        throw new FlowgateError("INVALID_STATE", "Cannot rename a non-active experiment.");
      }
      try {
        await database.transaction(async (trx) => {
          const taken = await store.experimentNameLike(trx, newName);
          // Renaming to a look-alike of its own name ("exp" → "Exp") is not a collision.
          if (taken !== undefined && taken !== before.name) throw nameTaken(newName, taken);
          await store.updateExperiment(trx, experimentId, { name: newName, lastUpdateTime: clock.now() });
          await audit.record(trx, ctx, {
            action: "experiment.rename",
            targetType: "experiment",
            targetId: experimentId,
            before: { name: before.name },
            after: { name: newName },
          });
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw nameTaken(newName, await store.experimentNameLike(database.db, newName));
        throw err;
      }
    },

    deleteExperiment: (ctx, experimentId) => setLifecycle(ctx, experimentId, "deleted"),
    restoreExperiment: (ctx, experimentId) => setLifecycle(ctx, experimentId, "active"),

    async setExperimentTag(ctx, experimentId, tag) {
      checkKey(tag.key, "key");
      checkLength(tag.value, "value", LIMITS.maxExperimentTagValueLength);
      await getActive(experimentId);
      await database.transaction(async (trx) => {
        await store.setExperimentTag(trx, experimentId, tag);
        await audit.record(trx, ctx, {
          action: "experiment.set_tag",
          targetType: "experiment",
          targetId: experimentId,
          after: tag,
        });
      });
    },

    async deleteExperimentTag(ctx, experimentId, key) {
      await getActive(experimentId);
      await database.transaction(async (trx) => {
        const deleted = await store.deleteExperimentTag(trx, experimentId, key);
        if (!deleted) throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
        await audit.record(trx, ctx, {
          action: "experiment.delete_tag",
          targetType: "experiment",
          targetId: experimentId,
          before: { key },
        });
      });
    },
  };
}

/**
 * A given artifact_location, checked to lie in this server's store; a file: or s3: URI under the artifact root
 * clients write stays one (artifactUriPath refused every other).
 */
function artifactLocationOf(location: string): string {
  const storePath = artifactUriPath(location, "artifact_location");
  return (
    (/^(?:file|s3):/i.test(location) ? artifactRootChild(storePath) : undefined) ?? artifactUri(storePath)
  );
}
