// Storage for MLflow 3.x logged models (and the run ↔ model links `runs/outputs` writes). Entities here are
// Flowgate's own camelCase shapes; the MLflow wire JSON is made only in api/mlflow/logged-models.routes.ts.
import type { Executor } from "../store/database.js";
import type { LoggedModelFilter } from "./logged-model-filter.js";

/** Status names as they go on the wire (protobuf enum names). Stored as their numbers. */
export const LOGGED_MODEL_STATUSES = [
  "LOGGED_MODEL_STATUS_UNSPECIFIED",
  "LOGGED_MODEL_PENDING",
  "LOGGED_MODEL_READY",
  "LOGGED_MODEL_UPLOAD_FAILED",
] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

export interface LoggedModelMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  runId: string;
  modelId: string;
  datasetName?: string;
  datasetDigest?: string;
}

export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  creationTimestampMs: number;
  lastUpdatedTimestampMs: number;
  status: LoggedModelStatus;
  lifecycleStage: "active" | "deleted";
  modelType?: string;
  sourceRunId?: string;
  statusMessage?: string;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: LoggedModelMetric[];
}

/** The columns of a new logged model. */
export interface NewLoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  timestampMs: number;
  modelType: string | undefined;
  sourceRunId: string | undefined;
  creatorId: string;
}

export interface LoggedModelOrder {
  /** An attribute name (`creation_timestamp`, `name`…) or `metrics.<key>`. */
  fieldName: string;
  ascending: boolean;
  datasetName?: string | undefined;
  datasetDigest?: string | undefined;
}

export interface DatasetRef {
  name: string;
  digest?: string | undefined;
}

export interface LoggedModelQuery {
  experimentIds: string[];
  filter: LoggedModelFilter;
  datasets: DatasetRef[];
  orderBy: LoggedModelOrder[];
  offset: number;
  /** Rows to fetch (the caller asks for one more than a page to know whether another follows). */
  limit: number;
}

/** A run as the registry sees it through this store (artifact root, existence, lifecycle). */
export interface RunRef {
  runId: string;
  experimentId: string;
  artifactUri: string;
  lifecycleStage: string;
}

/** Logged models, their tags/params, and run ↔ model links, on either SQL engine. */
export interface LoggedModelStore {
  /** Used by the registry (sql-registry-foreign.ts) to resolve `runs:/` sources. */
  findRun(ex: Executor, runId: string): Promise<RunRef | undefined>;
  insert(ex: Executor, model: NewLoggedModel): Promise<void>;
  /** Deleted models are returned too; the service decides who may see them. */
  get(ex: Executor, modelId: string): Promise<LoggedModel | undefined>;
  update(
    ex: Executor,
    modelId: string,
    changes: { status?: LoggedModelStatus; lifecycleStage?: "deleted"; timestampMs: number },
  ): Promise<void>;
  setTags(ex: Executor, modelId: string, tags: Array<{ key: string; value: string }>): Promise<void>;
  /** False when the model had no such tag. */
  deleteTag(ex: Executor, modelId: string, key: string): Promise<boolean>;
  /** Params are write-once per key, as run params: the store keeps the first value. */
  setParams(ex: Executor, modelId: string, params: Array<{ key: string; value: string }>): Promise<void>;
  search(ex: Executor, query: LoggedModelQuery): Promise<LoggedModel[]>;
  addRunOutputs(
    ex: Executor,
    runId: string,
    outputs: Array<{ modelId: string; step: number }>,
  ): Promise<void>;
}
