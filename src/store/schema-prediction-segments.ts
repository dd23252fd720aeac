// Row type of the prediction log's segment index (migration 0011), merged into `Schema`.

export interface PredictionSegmentsTable {
  id: string;
  deployment: string;
  path: string;
  replica: string;
  first_time: number;
  last_time: number;
  rows: number;
  bytes: number;
  /** JSON array of version strings. */
  versions: string;
  created_at: number;
}

export interface PredictionSegmentsSchema {
  prediction_segments: PredictionSegmentsTable;
}
