// One predicted row as the prediction log records it: serving builds these, the segment writer lays them out
// as SEGMENT_COLUMNS (monitoring.ts) plus `input.<name>` / `output.<name>` columns.

/** Which route of the deployment answered (as delivery's observations name it). */
export type PredictionRole = "primary" | "canary" | "variant" | "preview";

export interface PredictionRecord {
  /** Ms since epoch, when the answer was sent. */
  time: number;
  /** The id the caller saw (x-request-id). */
  requestId: string;
  /** Index of the row within its request (a request of 5 rows is 5 records, rows 0…4). */
  row: number;
  version: string;
  role: PredictionRole;
  /** Of the whole request. */
  latencyMs: number;
  /** Logged inputs by column name; hashed inputs are hex strings. */
  inputs: Record<string, number | string | null>;
  /** "prediction", and "confidence" / "proba.<class>" when the model gives them. */
  outputs: Record<string, number | string | null>;
}
