// Tracking entities as the domain sees them: experiments, runs and what is logged to them. Rows become these
// only in the sql-*-store.ts files; these become MLflow wire JSON only in api/mlflow/*.routes.ts.

export const LIFECYCLE_STAGES = ["active", "deleted"] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** MLflow's ViewType, by protobuf name (the order is the enum's numbering, 1-based). */
export const VIEW_TYPES = ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"] as const;
export type ViewType = (typeof VIEW_TYPES)[number];

/** MLflow's RunStatus, by protobuf name (1-based numbering in this order). */
export const RUN_STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface Tag {
  key: string;
  value: string;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Tag[];
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface Metric {
  key: string;
  /** NaN and ±Infinity are legal values. */
  value: number;
  timestamp: number;
  step: number;
  modelId?: string | null | undefined;
  datasetName?: string | null | undefined;
  datasetDigest?: string | null | undefined;
  runId?: string | undefined;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

export interface DatasetInput {
  tags: Tag[];
  dataset: Dataset;
}

export interface ModelOutput {
  modelId: string;
  step: number;
}

export interface Run {
  info: RunInfo;
  /** The latest value per key, picked by max (step, timestamp, value). */
  metrics: Metric[];
  params: Tag[];
  tags: Tag[];
  datasetInputs: DatasetInput[];
  modelInputs: string[];
  modelOutputs: ModelOutput[];
}

/** The MLflow tag that mirrors a run's name. */
export const RUN_NAME_TAG = "mlflow.runName";
