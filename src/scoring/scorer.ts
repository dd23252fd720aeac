// The contract between batch and stream scoring and the serving runtimes: something that scores frames of rows
// with one model version (`-m <uri>`) or through a Flowgate deployment (`--deployment <name>`), using the same
// runtimes, batcher and signature checks as `models serve`. Implemented by open-scorer.ts.
import type { Frame } from "../serving/frame.js";
import type { ModelMetadata } from "../serving/model-metadata.js";
import type { PredictionResult } from "../serving/runtime.js";

/** What to score with. */
export type ScorerTarget =
  | { kind: "model"; modelUri: string }
  /**
   * A deployment: `primary` scores with its current primary version only (batch); `policy` routes every
   * request by the deployment's policy — split, shadow, A/B — and feeds its prediction log, as served
   * requests are (streams).
   */
  | { kind: "deployment"; deployment: string; route: "primary" | "policy" };

export interface Scorer {
  /** The version scoring (for a deployment: its primary when opened). */
  readonly name: string;
  readonly version: string;
  /** Its MLmodel: the signature batch checks a file's columns against before scoring anything. */
  readonly meta: ModelMetadata;
  /** How many batches may run at once: callers keep this many requests in flight for full parallelism. */
  readonly slots: number;
  /**
   * Scores one request of rows. Signature errors and model errors come back as `{ ok: false }`, never thrown.
   * `requestId` (e.g. the event id) become the prediction log's `request_id`, so labels
   * join by it.
   */
  score(frame: Frame, requestId?: string): Promise<PredictionResult>;
  close(): Promise<void>;
}
