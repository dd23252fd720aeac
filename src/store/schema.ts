// Row types of every table, as Kysely sees them (snake_case, as stored). Rows become domain entities only in
// the sql-*-store.ts files. Booleans are stored as 0/1 integers on both engines to keep one code path.
import type { Generated } from "kysely";
import type { BaselinesLabelsSchema } from "./schema-baselines-labels.js";
import type { DeliverySchema } from "./schema-delivery.js";
import type { GovernanceSchema } from "./schema-governance.js";
import type { PredictionSegmentsSchema } from "./schema-prediction-segments.js";

export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  /** core/name-rules.ts nameKey(name), unique (migration 0007); NULL only for pre-0007 look-alikes. */
  name_key: string | null;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface ExperimentTagsTable {
  experiment_id: number;
  key: string;
  value: string;
}

export interface RunsTable {
  run_id: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
  deleted_time: number | null;
}

export interface KeyValueRunTable {
  run_id: string;
  key: string;
  value: string;
}

export interface MetricsTable {
  run_id: string;
  key: string;
  /** 0 when is_nan = 1: SQLite cannot store NaN. */
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
  model_id: string | null;
  dataset_name: string | null;
  dataset_digest: string | null;
}

/** The latest value per (run, key) by max (step, timestamp, value): what `data.metrics` and run search use. */
export interface LatestMetricsTable {
  run_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
}

export interface DatasetsTable {
  dataset_id: string;
  experiment_id: number;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

export interface RunInputsTable {
  run_id: string;
  dataset_id: string;
  /** JSON array of {key, value}: input tags such as `mlflow.data.context`. */
  tags: string;
}

export interface RunModelInputsTable {
  run_id: string;
  model_id: string;
}

export interface RunModelOutputsTable {
  run_id: string;
  model_id: string;
  step: number;
}

export interface LoggedModelsTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: number;
  lifecycle_stage: string;
  model_type: string | null;
  source_run_id: string | null;
  status_message: string | null;
  creator_id: string | null;
}

export interface LoggedModelKeyValueTable {
  model_id: string;
  key: string;
  value: string;
}

export interface RegisteredModelsTable {
  id: Generated<number>;
  name: string;
  /** core/name-rules.ts nameKey(name), unique (migration 0007); NULL only for pre-0007 look-alikes. */
  name_key: string | null;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string | null;
  user_id: string | null;
}

export interface RegisteredModelTagsTable {
  registered_model_id: number;
  key: string;
  value: string;
}

export interface ModelVersionsTable {
  registered_model_id: number;
  version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string | null;
  user_id: string | null;
  /** None | Staging | Production | Archived, or Deleted_Internal for a soft-deleted version (as MLflow). */
  current_stage: string;
  /** The source exactly as the client sent it. */
  source: string;
  /** Where the files are (differs from source for `models:/m-…` sources). */
  storage_location: string;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
  model_id: string | null;
}

export interface ModelVersionTagsTable {
  registered_model_id: number;
  version: number;
  key: string;
  value: string;
}

export interface RegisteredModelAliasesTable {
  registered_model_id: number;
  alias: string;
  version: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  time: number;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  /** JSON of the target before the change (null on create). */
  before: string | null;
  /** JSON of the target after the change (null on delete). */
  after: string | null;
  reason: string | null;
  request_id: string;
}

export interface Schema
  extends GovernanceSchema, DeliverySchema, BaselinesLabelsSchema, PredictionSegmentsSchema {
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  params: KeyValueRunTable;
  run_tags: KeyValueRunTable;
  metrics: MetricsTable;
  latest_metrics: LatestMetricsTable;
  datasets: DatasetsTable;
  run_inputs: RunInputsTable;
  run_model_inputs: RunModelInputsTable;
  run_model_outputs: RunModelOutputsTable;
  logged_models: LoggedModelsTable;
  logged_model_tags: LoggedModelKeyValueTable;
  logged_model_params: LoggedModelKeyValueTable;
  registered_models: RegisteredModelsTable;
  registered_model_tags: RegisteredModelTagsTable;
  model_versions: ModelVersionsTable;
  model_version_tags: ModelVersionTagsTable;
  registered_model_aliases: RegisteredModelAliasesTable;
  audit_events: AuditEventsTable;
}
