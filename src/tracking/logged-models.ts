// MLflow 3.x logged models: create (PENDING, files under `<experiment>/models/<id>/artifacts`), finalize,
// delete, tags, params, search. The run side of models (`runs/outputs`, `runs/log-model`) is run-models.ts.
// Registry links (`registrations`) come from the `mlflow.modelVersions` tag the registry sets.
import type { Clock } from "../core/clock.js";
import { invalidParameter, notFound } from "../core/errors.js";
import { newLoggedModelId, newRunName } from "../core/ids.js";
import { checkMaxResults, decodePageToken, pageOf, type Page } from "../core/paging.js";
import { checkSearchExperimentIds } from "../core/search-filter/search-limits.js";
import type { RequestContext } from "../core/request-context.js";
import type { AuditLog } from "../governance/audit.js";
import type { Database, Executor } from "../store/database.js";
import { parseLoggedModelFilter } from "./logged-model-filter.js";
import type { ExperimentStore, RunStore } from "./tracking-store.js";
import type {
  DatasetRef,
  LoggedModel,
  LoggedModelOrder,
  LoggedModelStatus,
  LoggedModelStore,
} from "./logged-model-store.js";

type KeyValue = { key: string; value: string };

export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string | undefined;
  modelType?: string | undefined;
  sourceRunId?: string | undefined;
  params: KeyValue[];
  tags: KeyValue[];
}

export interface SearchLoggedModelsInput {
  experimentIds: string[];
  filter?: string | undefined;
  datasets: DatasetRef[];
  orderBy: LoggedModelOrder[];
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

export interface LoggedModelService {
  create(ctx: RequestContext, input: CreateLoggedModelInput): Promise<LoggedModel>;
  get(modelId: string, options?: { allowDeleted?: boolean }): Promise<LoggedModel>;
  finalize(ctx: RequestContext, modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  delete(ctx: RequestContext, modelId: string): Promise<void>;
  setTags(ctx: RequestContext, modelId: string, tags: KeyValue[]): Promise<void>;
  deleteTag(ctx: RequestContext, modelId: string, key: string): Promise<void>;
  logParams(ctx: RequestContext, modelId: string, params: KeyValue[]): Promise<void>;
  search(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>>;
}

export interface LoggedModelServiceDeps {
  database: Database;
  store: LoggedModelStore;
  /** Experiments and runs are read through the tracking store, inside this service's transactions. */
  tracking: Pick<ExperimentStore, "getExperiment"> & Pick<RunStore, "getRunInfo">;
  audit: AuditLog;
  clock: Clock;
}

const MAX_KEY = 250;
const MAX_PARAM_VALUE = 6000;
const MAX_TAG_VALUE = 8000;
const MAX_PARAMS_PER_CALL = 100;

function checkEntries(kind: "param" | "tag", entries: KeyValue[], maxValue: number): void {
  for (const { key, value } of entries) {
    if (key.length > MAX_KEY) {
      throw invalidParameter(
        `Invalid ${kind} key '${key.slice(0, 40)}…': it must be at most ${MAX_KEY} characters.`,
      );
    }
    if (value.length > maxValue) {
      throw invalidParameter(
        `Invalid ${kind} value for key '${key}': it has ${value.length} characters; the limit is ${maxValue}.`,
      );
    }
  }
}

function joinUri(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ""), ...parts].join("/");
}

export function createLoggedModelService(deps: LoggedModelServiceDeps): LoggedModelService {
  const { database, store, tracking, audit, clock } = deps;

  async function load(ex: Executor, modelId: string, allowDeleted = false): Promise<LoggedModel> {
    const model = await store.get(ex, modelId);
    if (model === undefined || (model.lifecycleStage === "deleted" && !allowDeleted)) {
      throw notFound(`Logged model with ID '${modelId}' not found.`);
    }
    return model;
  }

  /**
   * One change to an existing (not deleted) model: loads it, applies `change`, writes the audit record, all in
   * one transaction, and returns the model as it is afterwards.
   */
  async function changeModel(
    ctx: RequestContext,
    modelId: string,
    verb: string,
    change: (trx: Executor, before: LoggedModel) => Promise<{ before?: unknown; after?: unknown }>,
  ): Promise<LoggedModel> {
    return database.transaction(async (trx) => {
      const before = await load(trx, modelId);
      const diff = await change(trx, before);
      await audit.record(trx, ctx, {
        action: `logged_model.${verb}`,
        targetType: "logged_model",
        targetId: modelId,
        ...diff,
      });
      return load(trx, modelId, true);
    });
  }

  return {
    async create(ctx, input) {
      if (input.params.length > MAX_PARAMS_PER_CALL) {
        throw invalidParameter(`A logged model accepts at most ${MAX_PARAMS_PER_CALL} params per request.`);
      }
      checkEntries("param", input.params, MAX_PARAM_VALUE);
      checkEntries("tag", input.tags, MAX_TAG_VALUE);
      return database.transaction(async (trx) => {
        const experiment = await tracking.getExperiment(trx, input.experimentId);
        if (experiment === undefined) throw notFound(`No Experiment with id=${input.experimentId} exists.`);
        if (experiment.lifecycleStage !== "active") {
          throw invalidParameter(
            `Experiment ${input.experimentId} is deleted; restore it before logging models.`,
          );
        }
        // source_run_id is lineage, recorded as given (MLflow does not look the run up either).
        const modelId = newLoggedModelId();
        await store.insert(trx, {
          modelId,
          experimentId: experiment.experimentId,
          name: input.name === undefined || input.name === "" ? newRunName() : input.name,
          artifactUri: joinUri(experiment.artifactLocation, "models", modelId, "artifacts"),
          timestampMs: clock.now(),
          modelType: input.modelType,
          sourceRunId: input.sourceRunId,
          creatorId: ctx.actor,
        });
        await store.setParams(trx, modelId, input.params);
        await store.setTags(trx, modelId, input.tags);
        const model = await load(trx, modelId);
        await audit.record(trx, ctx, {
          action: "logged_model.create",
          targetType: "logged_model",
          targetId: modelId,
          after: { name: model.name, experimentId: model.experimentId, sourceRunId: model.sourceRunId },
        });
        return model;
      });
    },

    get: (modelId, options) => load(database.db, modelId, options?.allowDeleted === true),

    async finalize(ctx, modelId, status) {
      if (status !== "LOGGED_MODEL_READY" && status !== "LOGGED_MODEL_UPLOAD_FAILED") {
        throw invalidParameter(
          `Invalid status '${status}': a logged model is finalized as LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.`,
        );
      }
      return changeModel(ctx, modelId, "finalize", async (trx, before) => {
        await store.update(trx, modelId, { status, timestampMs: clock.now() });
        return { before: { status: before.status }, after: { status } };
      });
    },

    async delete(ctx, modelId) {
      await changeModel(ctx, modelId, "delete", async (trx, before) => {
        await store.update(trx, modelId, { lifecycleStage: "deleted", timestampMs: clock.now() });
        return { before: { name: before.name, status: before.status } };
      });
    },

    async setTags(ctx, modelId, tags) {
      checkEntries("tag", tags, MAX_TAG_VALUE);
      await changeModel(ctx, modelId, "set_tags", async (trx) => {
        await store.setTags(trx, modelId, tags);
        await store.update(trx, modelId, { timestampMs: clock.now() });
        return { after: tags };
      });
    },

    async deleteTag(ctx, modelId, key) {
      await changeModel(ctx, modelId, "delete_tag", async (trx) => {
        if (!(await store.deleteTag(trx, modelId, key))) {
          throw notFound(`No tag with key '${key}' found for model with ID '${modelId}'.`);
        }
        return { before: { key } };
      });
    },

    async logParams(ctx, modelId, params) {
      if (params.length > MAX_PARAMS_PER_CALL) {
        throw invalidParameter(`At most ${MAX_PARAMS_PER_CALL} params may be logged per request.`);
      }
      checkEntries("param", params, MAX_PARAM_VALUE);
      await changeModel(ctx, modelId, "log_params", async (trx) => {
        await store.setParams(trx, modelId, params);
        return { after: params };
      });
    },

    async search(input) {
      if (input.experimentIds.length === 0) {
        throw invalidParameter("Missing value for required parameter 'experiment_ids'.");
      }
      checkSearchExperimentIds(input.experimentIds);
      if (input.datasets.some((d) => d.name === "")) {
        throw invalidParameter("`dataset_name` in the `datasets` clause must be specified.");
      }
      const maxResults = checkMaxResults(input.maxResults, 50, 10000);
      const offset = decodePageToken(input.pageToken);
      const rows = await store.search(database.searchDb, {
        experimentIds: input.experimentIds,
        filter: parseLoggedModelFilter(input.filter),
        datasets: input.datasets,
        orderBy: input.orderBy,
        offset,
        limit: maxResults + 1,
      });
      return pageOf(rows, offset, maxResults);
    },
  };
}
