// The tracking store interfaces: what the experiment and run services need from persistence. Every method
// takes the executor to run on, so a service can group several calls (and its audit record) in one
// transaction. The Kysely implementation for SQLite and PostgreSQL is sql-tracking-store.ts.
import type { Executor } from "../store/database.js";
import type {
  DatasetInput,
  Experiment,
  LifecycleStage,
  Metric,
  Run,
  RunInfo,
  Tag,
  ViewType,
} from "./entities.js";
import type { ExperimentClause, ExperimentOrderBy } from "./search/experiments-filter.js";
import type { RunClause, RunOrderBy } from "./search/runs-filter.js";

export interface ExperimentSearch {
  viewType: ViewType;
  clauses: ExperimentClause[];
  orderBy: ExperimentOrderBy[];
  offset: number;
  /** Rows to fetch (the service asks for one more than a page to know whether another follows). */
  limit: number;
}

export interface RunSearch {
  experimentIds: string[];
  viewType: ViewType;
  clauses: RunClause[];
  orderBy: RunOrderBy[];
  offset: number;
  limit: number;
}

/** Experiments and their tags. Ids are the wire's decimal strings; a non-numeric id simply matches nothing. */
export interface ExperimentStore {
  /** Inserts a new experiment; `artifactLocation` receives the new id. Throws the driver's unique violation on a duplicate name. */
  createExperiment(
    ex: Executor,
    input: { name: string; artifactLocation: (id: string) => string; tags: Tag[]; time: number },
  ): Promise<Experiment>;
  /** Creates experiment "0" ("Default") unless it exists; safe when two servers start at once. True if created. */
  ensureDefaultExperiment(ex: Executor, artifactLocation: string, time: number): Promise<boolean>;
  getExperiment(ex: Executor, experimentId: string): Promise<Experiment | undefined>;
  getExperimentByName(ex: Executor, name: string): Promise<Experiment | undefined>;
  /** The name of the experiment that counts as the same name as `name` (core/name-rules.ts nameKey). */
  experimentNameLike(ex: Executor, name: string): Promise<string | undefined>;
  searchExperiments(ex: Executor, search: ExperimentSearch): Promise<Experiment[]>;
  updateExperiment(
    ex: Executor,
    experimentId: string,
    patch: { name?: string; lifecycleStage?: LifecycleStage; lastUpdateTime: number },
  ): Promise<void>;
  setExperimentTag(ex: Executor, experimentId: string, tag: Tag): Promise<void>;
  /** False when the tag did not exist. */
  deleteExperimentTag(ex: Executor, experimentId: string, key: string): Promise<boolean>;
}

/** Runs and everything logged to them. */
export interface RunStore {
  createRun(ex: Executor, info: RunInfo, tags: Tag[]): Promise<void>;
  getRunInfo(ex: Executor, runId: string): Promise<RunInfo | undefined>;
  /** Full runs (data, inputs, outputs) in the order of `runIds`; unknown ids are skipped. */
  getRuns(ex: Executor, runIds: readonly string[]): Promise<Run[]>;
  updateRunInfo(
    ex: Executor,
    runId: string,
    patch: Partial<Pick<RunInfo, "status" | "endTime" | "runName" | "lifecycleStage">> & {
      deletedTime?: number | null;
    },
  ): Promise<void>;
  /** Soft-deletes or restores every run of an experiment (MLflow does so with the experiment). */
  setExperimentRunsLifecycle(
    ex: Executor,
    experimentId: string,
    stage: LifecycleStage,
    deletedTime: number | null,
  ): Promise<void>;
  /** The stored values of those param keys that already exist. */
  getParams(ex: Executor, runId: string, keys: readonly string[]): Promise<Map<string, string>>;
  /** Inserts params; existing keys are left untouched (params are write-once). */
  insertParams(ex: Executor, runId: string, params: readonly Tag[]): Promise<void>;
  setTags(ex: Executor, runId: string, tags: readonly Tag[]): Promise<void>;
  /** False when the tag did not exist. */
  deleteTag(ex: Executor, runId: string, key: string): Promise<boolean>;
  /** Appends metric points and moves `latest_metrics` forward where a point is newer (step, timestamp, value). */
  logMetrics(ex: Executor, runId: string, metrics: readonly Metric[]): Promise<void>;
  /** Metric points of one key in (step, timestamp) order. */
  getMetricHistory(
    ex: Executor,
    runId: string,
    key: string,
    offset: number,
    limit: number,
  ): Promise<Metric[]>;
  /** Points of one key for several runs, steps in [startStep, endStep]. */
  getMetricHistoryForRuns(
    ex: Executor,
    runIds: readonly string[],
    key: string,
    startStep: number | undefined,
    endStep: number | undefined,
  ): Promise<Metric[]>;
  /** Links datasets (created once per experiment, name and digest) and model inputs to a run. */
  logInputs(
    ex: Executor,
    experimentId: string,
    runId: string,
    datasets: readonly DatasetInput[],
    modelIds: readonly string[],
  ): Promise<void>;
  /** Run ids matching a search, in result order. */
  searchRunIds(ex: Executor, search: RunSearch): Promise<string[]>;
}
