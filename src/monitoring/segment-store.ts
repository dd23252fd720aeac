// The index of a deployment's prediction-log segments: one row per uploaded Parquet file (the rows stay in
// the file). Every method takes the executor, as the other stores do. Implemented for SQLite and PostgreSQL
// in sql-segment-store.ts.
import type { Executor } from "../store/database.js";
import type { PredictionSegment } from "./monitoring.js";

export interface SegmentStore {
  add(x: Executor, segment: PredictionSegment): Promise<void>;
  /** Segments holding rows in [from, to) (ms), oldest first. */
  list(x: Executor, deployment: string, from: number, to: number): Promise<PredictionSegment[]>;
  /** Segments whose newest row is older than `before`, oldest first, at most `limit`. */
  expired(x: Executor, deployment: string, before: number, limit: number): Promise<PredictionSegment[]>;
  /** Deletes the index rows of these segments. */
  remove(x: Executor, ids: readonly string[]): Promise<void>;
  /** The deployments that have segments. */
  deployments(x: Executor): Promise<string[]>;
}
