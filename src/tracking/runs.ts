// Runs: create (run name rules, artifact URI), read, update, soft delete/restore, and everything logged to
// them — metrics, write-once params, tags, batches, dataset and model inputs — plus run search. Logged
// models and run outputs are written by the artifacts/logged-models domain; runs only read them back.
import type { Clock } from "../core/clock.js";
import { invalidParameter, notFound } from "../core/errors.js";
import { newRunId, newRunName } from "../core/ids.js";
import { checkMaxResults, decodePageToken, pageOf, type Page } from "../core/paging.js";
import { checkSearchExperimentIds } from "../core/search-filter/search-limits.js";
import { previewText } from "../core/value-preview.js";
import type { RequestContext } from "../core/request-context.js";
import type { AuditLog } from "../governance/audit.js";
import type { Database, Executor } from "../store/database.js";
import {
  RUN_NAME_TAG,
  type DatasetInput,
  type Metric,
  type Run,
  type RunInfo,
  type RunStatus,
  type Tag,
  type ViewType,
} from "./entities.js";
import type { ExperimentService } from "./experiments.js";
import { checkBatch, checkKey, checkLength, checkTag, LIMITS } from "./run-validation.js";
import type { RunStore } from "./tracking-store.js";
import { parseRunsFilter, parseRunsOrderBy } from "./search/runs-filter.js";
import { sampleMetricHistories } from "./metric-sampling.js";

const MAX_RUNS_PER_PAGE = 50000;
const MAX_RUNS_PER_BULK = 100;
const MAX_POINTS_PER_RUN = 2500;
const MAX_BULK_HISTORY = 25000;
const API_DOCS = " See the API docs for more information about request parameters.";

function missingParameter(field: string) {
  return invalidParameter(`Missing value for required parameter '${field}'.${API_DOCS}`);
}
const DEFAULT_HISTORY_PAGE = 25000;

export interface RunSearchRequest {
  experimentIds: string[];
  filter?: string | undefined;
  runViewType?: ViewType | undefined;
  maxResults?: number | undefined;
  orderBy?: string[] | undefined;
  pageToken?: string | undefined;
}

export interface CreateRunInput {
  experimentId: string;
  userId?: string | undefined;
  runName?: string | undefined;
  startTime?: number | undefined;
  tags: Tag[];
}

export interface RunService {
  createRun(ctx: RequestContext, input: CreateRunInput): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRun(
    ctx: RequestContext,
    runId: string,
    patch: { status?: RunStatus | undefined; endTime?: number | undefined; runName?: string | undefined },
  ): Promise<RunInfo>;
  deleteRun(ctx: RequestContext, runId: string): Promise<void>;
  restoreRun(ctx: RequestContext, runId: string): Promise<void>;
  logMetric(ctx: RequestContext, runId: string, metric: Metric): Promise<void>;
  logParam(ctx: RequestContext, runId: string, param: Tag): Promise<void>;
  setTag(ctx: RequestContext, runId: string, tag: Tag): Promise<void>;
  deleteTag(ctx: RequestContext, runId: string, key: string): Promise<void>;
  logBatch(
    ctx: RequestContext,
    runId: string,
    batch: { metrics: Metric[]; params: Tag[]; tags: Tag[] },
  ): Promise<void>;
  logInputs(ctx: RequestContext, runId: string, datasets: DatasetInput[], modelIds: string[]): Promise<void>;
  getMetricHistory(
    runId: string,
    key: string,
    maxResults: number | undefined,
    pageToken: string | undefined,
  ): Promise<Page<Metric>>;
  /**
   * Points of one metric for several runs (the UI's chart call), sampled at the same steps for every run
   * (metric-sampling.ts); `maxResults` defaults to 2500.
   */
  getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    startStep: number | undefined,
    endStep: number | undefined,
    maxResults: number | undefined,
  ): Promise<Metric[]>;
  /** Full histories of one metric for several runs (the UI's run comparison), at most 25000 points in all. */
  getMetricHistoryBulk(
    runIds: string[],
    key: string | undefined,
    maxResults: number | undefined,
  ): Promise<Metric[]>;
  searchRuns(request: RunSearchRequest): Promise<Page<Run>>;
  /** The experiment of each run that exists, by run id (for per-experiment read checks of bulk reads). */
  experimentsOfRuns(runIds: readonly string[]): Promise<Map<string, string>>;
}

export interface RunServiceDeps {
  database: Database;
  store: RunStore;
  experiments: Pick<ExperimentService, "getExperiment">;
  audit: AuditLog;
  clock: Clock;
}

function checkRunId(runId: string): void {
  if (!/^[a-zA-Z0-9][\w-]{0,255}$/.test(runId)) {
    throw invalidParameter(`Invalid value ${JSON.stringify(runId)} for parameter 'run_id' supplied.`);
  }
}

export function createRunService(deps: RunServiceDeps): RunService {
  const { database, store, audit, clock } = deps;

  async function getInfo(ex: Executor, runId: string): Promise<RunInfo> {
    checkRunId(runId);
    const info = await store.getRunInfo(ex, runId);
    if (info === undefined) throw notFound(`Run with id=${runId} not found`);
    return info;
  }

  /** Runs `write` on an active run in one transaction, with its audit record. */
  async function writeToActiveRun(
    ctx: RequestContext,
    runId: string,
    action: string,
    after: unknown,
    write: (trx: Executor, info: RunInfo) => Promise<void>,
  ): Promise<void> {
    await database.transaction(async (trx) => {
      const info = await getInfo(trx, runId);
      if (info.lifecycleStage !== "active") {
        throw invalidParameter(
          `The run ${runId} must be in the 'active' state. Current state is ${info.lifecycleStage}.`,
        );
      }
      await write(trx, info);
      await audit.record(trx, ctx, { action, targetType: "run", targetId: runId, after });
    });
  }

  async function setLifecycle(
    ctx: RequestContext,
    runId: string,
    stage: "active" | "deleted",
  ): Promise<void> {
    await database.transaction(async (trx) => {
      const info = await getInfo(trx, runId);
      await store.updateRunInfo(trx, runId, {
        lifecycleStage: stage,
        deletedTime: stage === "deleted" ? clock.now() : null,
      });
      await audit.record(trx, ctx, {
        action: stage === "deleted" ? "run.delete" : "run.restore",
        targetType: "run",
        targetId: runId,
        before: { lifecycleStage: info.lifecycleStage },
        after: { lifecycleStage: stage },
      });
    });
  }

  async function getRun(runId: string): Promise<Run> {
    checkRunId(runId);
    const [run] = await store.getRuns(database.db, [runId]);
    if (run === undefined) throw notFound(`Run with id=${runId} not found`);
    return run;
  }

  async function logBatch(
    ctx: RequestContext,
    runId: string,
    batch: { metrics: Metric[]; params: Tag[]; tags: Tag[] },
  ): Promise<void> {
    checkBatch(batch.metrics, batch.params, batch.tags);
    const firstValue = new Map<string, string>();
    for (const p of batch.params) {
      const seen = firstValue.get(p.key);
      if (seen !== undefined && seen !== p.value) {
        throw invalidParameter(
          `Duplicate parameter keys have been submitted with different values: key '${p.key}' has values '${seen}' and '${p.value}'.`,
        );
      }
      firstValue.set(p.key, p.value);
    }
    const summary = { metrics: batch.metrics.length, params: batch.params.length, tags: batch.tags.length };
    await writeToActiveRun(ctx, runId, "run.log_batch", summary, async (trx) => {
      if (batch.params.length > 0) {
        // Params are write-once: the same value again is fine, a different one is refused.
        const existing = await store.getParams(trx, runId, [...firstValue.keys()]);
        for (const [key, value] of firstValue) {
          const old = existing.get(key);
          if (old !== undefined && old !== value) {
            throw invalidParameter(
              `Changing param values is not allowed. Param with key='${key}' was already logged with ` +
                `value='${old}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
            );
          }
        }
        const fresh = [...firstValue]
          .filter(([key]) => !existing.has(key))
          .map(([key, value]) => ({ key, value }));
        await store.insertParams(trx, runId, fresh);
      }
      await store.logMetrics(trx, runId, batch.metrics);
      if (batch.tags.length > 0) {
        await store.setTags(trx, runId, batch.tags);
        const nameTag = batch.tags.findLast((t) => t.key === RUN_NAME_TAG);
        if (nameTag !== undefined) await store.updateRunInfo(trx, runId, { runName: nameTag.value });
      }
    });
  }

  return {
    async createRun(ctx, input) {
      const experiment = await deps.experiments.getExperiment(input.experimentId);
      if (experiment.lifecycleStage !== "active") {
        throw invalidParameter(
          `The experiment ${experiment.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
        );
      }
      input.tags.forEach((t, i) => checkTag(t, `tags[${i}].`));
      // The name becomes the mlflow.runName tag, so it has the tag value's limit (as runs/update checks).
      if (input.runName !== undefined) checkLength(input.runName, "run_name", LIMITS.maxTagValueLength);
      // The run name and the mlflow.runName tag are one thing: they must agree, and the tag is always set.
      const nameTag = input.tags.find((t) => t.key === RUN_NAME_TAG)?.value;
      if (
        input.runName !== undefined &&
        input.runName !== "" &&
        nameTag !== undefined &&
        nameTag !== input.runName
      ) {
        throw invalidParameter(
          `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values ` +
            `(run_name=${previewText(input.runName)}, mlflow.runName=${previewText(nameTag)}).`,
        );
      }
      const runName =
        input.runName !== undefined && input.runName !== "" ? input.runName : (nameTag ?? newRunName());
      const tags = [
        ...input.tags.filter((t) => t.key !== RUN_NAME_TAG),
        { key: RUN_NAME_TAG, value: runName },
      ];
      const runId = newRunId();
      const info: RunInfo = {
        runId,
        runName,
        experimentId: experiment.experimentId,
        userId: input.userId ?? "",
        status: "RUNNING",
        startTime: input.startTime ?? clock.now(),
        endTime: null,
        artifactUri: `${experiment.artifactLocation.replace(/\/+$/, "")}/${runId}/artifacts`,
        lifecycleStage: "active",
      };
      await database.transaction(async (trx) => {
        await store.createRun(trx, info, tags);
        await audit.record(trx, ctx, {
          action: "run.create",
          targetType: "run",
          targetId: runId,
          after: info,
        });
      });
      // A new run has nothing logged yet: no need to read it back.
      const byKey = (a: Tag, b: Tag): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
      return {
        info,
        metrics: [],
        params: [],
        tags: [...tags].sort(byKey),
        datasetInputs: [],
        modelInputs: [],
        modelOutputs: [],
      };
    },

    getRun,

    async updateRun(ctx, runId, patch) {
      if (patch.runName !== undefined) checkLength(patch.runName, "run_name", LIMITS.maxTagValueLength);
      await writeToActiveRun(ctx, runId, "run.update", patch, async (trx) => {
        const runName = patch.runName === "" ? undefined : patch.runName;
        // An update with nothing in it answers the run as it is, as MLflow's server does.
        if (patch.status === undefined && patch.endTime === undefined && runName === undefined) return;
        await store.updateRunInfo(trx, runId, { status: patch.status, endTime: patch.endTime, runName });
        if (runName !== undefined) await store.setTags(trx, runId, [{ key: RUN_NAME_TAG, value: runName }]);
      });
      return getInfo(database.db, runId);
    },

    deleteRun: (ctx, runId) => setLifecycle(ctx, runId, "deleted"),
    restoreRun: (ctx, runId) => setLifecycle(ctx, runId, "active"),

    async logMetric(ctx, runId, metric) {
      checkKey(metric.key, "key");
      await writeToActiveRun(ctx, runId, "run.log_metric", { key: metric.key, step: metric.step }, (trx) =>
        store.logMetrics(trx, runId, [metric]),
      );
    },

    logParam: (ctx, runId, param) => logBatch(ctx, runId, { metrics: [], params: [param], tags: [] }),

    async setTag(ctx, runId, tag) {
      checkTag(tag, "");
      await writeToActiveRun(ctx, runId, "run.set_tag", tag, async (trx) => {
        await store.setTags(trx, runId, [tag]);
        // MLflow keeps the run name and its tag in step.
        if (tag.key === RUN_NAME_TAG) await store.updateRunInfo(trx, runId, { runName: tag.value });
      });
    },

    async deleteTag(ctx, runId, key) {
      await writeToActiveRun(ctx, runId, "run.delete_tag", { key }, async (trx) => {
        if (!(await store.deleteTag(trx, runId, key))) {
          throw notFound(`No tag with name: ${key} in run with id ${runId}`);
        }
      });
    },

    logBatch,

    async logInputs(ctx, runId, datasets, modelIds) {
      await writeToActiveRun(
        ctx,
        runId,
        "run.log_inputs",
        { datasets: datasets.map((d) => `${d.dataset.name}@${d.dataset.digest}`), models: modelIds },
        (trx, info) => store.logInputs(trx, info.experimentId, runId, datasets, modelIds),
      );
    },

    async getMetricHistory(runId, key, maxResults, pageToken) {
      await getInfo(database.db, runId);
      const limit = checkMaxResults(maxResults, DEFAULT_HISTORY_PAGE, Number.MAX_SAFE_INTEGER - 1);
      const offset = decodePageToken(pageToken);
      const rows = await store.getMetricHistory(database.db, runId, key, offset, limit + 1);
      return pageOf(rows, offset, limit);
    },

    async getMetricHistoryBulkInterval(runIds, key, startStep, endStep, maxResults) {
      // MLflow's order: the request's own arguments first, then the runs (so a bad range is a 400, never a 404).
      if (runIds.length === 0) throw missingParameter("run_ids");
      if (runIds.length > MAX_RUNS_PER_BULK) {
        throw invalidParameter(
          `GetMetricHistoryBulkInterval request must specify at most ${MAX_RUNS_PER_BULK} run_ids. ` +
            `Received ${runIds.length} run_ids.${API_DOCS}`,
        );
      }
      if (key === "") throw missingParameter("metric_key");
      if (maxResults !== undefined && (maxResults < 1 || maxResults > MAX_POINTS_PER_RUN)) {
        throw invalidParameter(`max_results must be between 1 and ${MAX_POINTS_PER_RUN}.${API_DOCS}`);
      }
      if ((startStep === undefined) !== (endStep === undefined)) {
        throw invalidParameter("If either start step or end step are specified, both must be specified.");
      }
      if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
        throw invalidParameter(
          `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
        );
      }
      // A run that is not there has no points, as MLflow's SQL stores answer (no 404).
      const points = await store.getMetricHistoryForRuns(
        database.db,
        [...new Set(runIds)],
        key,
        undefined,
        undefined,
      );
      const histories = new Map<string, Metric[]>();
      for (const p of points) {
        const list = histories.get(p.runId ?? "") ?? [];
        list.push(p);
        histories.set(p.runId ?? "", list);
      }
      const range =
        startStep === undefined || endStep === undefined ? undefined : { start: startStep, end: endStep };
      return sampleMetricHistories(histories, runIds, maxResults ?? MAX_POINTS_PER_RUN, range);
    },

    async getMetricHistoryBulk(runIds, key, maxResults) {
      if (runIds.length === 0) {
        throw invalidParameter("GetMetricHistoryBulk request must specify at least one run_id.");
      }
      if (runIds.length > MAX_RUNS_PER_BULK) {
        throw invalidParameter(
          `GetMetricHistoryBulk request cannot specify more than ${MAX_RUNS_PER_BULK} run_ids. ` +
            `Received ${runIds.length} run_ids.`,
        );
      }
      if (key === undefined)
        throw invalidParameter("GetMetricHistoryBulk request must specify a metric_key.");
      if (maxResults !== undefined && maxResults < 0) {
        throw invalidParameter(`max_results must be a non-negative integer, got ${maxResults}.`);
      }
      const limit = Math.min(maxResults ?? MAX_BULK_HISTORY, MAX_BULK_HISTORY);
      const points = await store.getMetricHistoryForRuns(
        database.db,
        [...new Set(runIds)],
        key,
        undefined,
        undefined,
      );
      // MLflow's order: by run id, then timestamp, step and value; at most `limit` points in all.
      const byRunThenTime = (a: Metric, b: Metric): number =>
        (a.runId ?? "") < (b.runId ?? "")
          ? -1
          : (a.runId ?? "") > (b.runId ?? "")
            ? 1
            : a.timestamp - b.timestamp || a.step - b.step || a.value - b.value;
      return points.sort(byRunThenTime).slice(0, limit);
    },

    async experimentsOfRuns(runIds) {
      const found = new Map<string, string>();
      for (const id of new Set(runIds)) {
        const info = /^[a-zA-Z0-9][\w-]{0,255}$/.test(id)
          ? await store.getRunInfo(database.db, id)
          : undefined;
        if (info !== undefined) found.set(id, info.experimentId);
      }
      return found;
    },

    async searchRuns(request) {
      checkSearchExperimentIds(request.experimentIds);
      const maxResults = checkMaxResults(request.maxResults, 1000, MAX_RUNS_PER_PAGE);
      const offset = decodePageToken(request.pageToken);
      const runIds = await store.searchRunIds(database.searchDb, {
        experimentIds: request.experimentIds,
        viewType: request.runViewType ?? "ACTIVE_ONLY",
        clauses: parseRunsFilter(request.filter),
        orderBy: parseRunsOrderBy(request.orderBy ?? []),
        offset,
        limit: maxResults + 1,
      });
      const page = pageOf(runIds, offset, maxResults);
      return { items: await store.getRuns(database.searchDb, page.items), nextPageToken: page.nextPageToken };
    },
  };
}
