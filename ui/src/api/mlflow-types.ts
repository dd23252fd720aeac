// MLflow wire entities as the server returns them (see the MLflow REST reference): snake_case, int64 may
// arrive as a number or a string, unset fields are left out.

export interface KeyValue {
  key: string;
  value: string;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  creation_time?: number | string;
  last_update_time?: number | string;
  tags?: KeyValue[];
}

export interface Metric {
  key: string;
  value: number | string;
  timestamp?: number | string;
  step?: number | string;
}

export interface RunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status?: string;
  start_time?: number | string;
  end_time?: number | string;
  artifact_uri?: string;
  lifecycle_stage?: string;
}

export interface Run {
  info: RunInfo;
  data?: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs?: {
    dataset_inputs?: {
      dataset: { name: string; digest: string; source_type?: string; source?: string };
      tags?: KeyValue[];
    }[];
  };
  outputs?: { model_outputs?: { model_id: string; step?: number | string }[] };
}

export interface FileInfo {
  path: string;
  is_dir?: boolean;
  file_size?: number | string;
}

export interface LoggedModel {
  info: {
    model_id: string;
    name?: string;
    artifact_uri?: string;
    status?: string;
    model_type?: string;
    source_run_id?: string;
  };
}

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number | string;
  last_updated_timestamp?: number | string;
  user_id?: string;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  tags?: KeyValue[];
  aliases?: string[];
  model_id?: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp?: number | string;
  last_updated_timestamp?: number | string;
  user_id?: string;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: KeyValue[];
  aliases?: { alias: string; version: string }[];
}

/** A metric or other double as a number ("NaN", "Infinity" arrive as strings). */
export function num(value: number | string | undefined): number {
  if (value === undefined) return NaN;
  return typeof value === "number" ? value : Number(value);
}

export function tagValue(tags: KeyValue[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.key === key)?.value;
}
