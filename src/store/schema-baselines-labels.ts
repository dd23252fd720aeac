// Row types of monitoring's baselines and labels (migration 0012), merged into `Schema`.

export interface MonitoringBaselinesTable {
  /** registered_models.id */
  model_id: number;
  version: number;
  /** JSON of the DatasetProfile. */
  profile: string;
  created_at: number;
  created_by: string;
}

export interface MonitoringLabelsTable {
  deployment: string;
  request_id: string;
  /** Set for a numeric label (regression targets, 0/1 classes sent as numbers); else NULL. */
  label_number: number | null;
  /** Set for a text label (class names); else NULL. */
  label_text: string | null;
  received_at: number;
}

export interface BaselinesLabelsSchema {
  monitoring_baselines: MonitoringBaselinesTable;
  monitoring_labels: MonitoringLabelsTable;
}
