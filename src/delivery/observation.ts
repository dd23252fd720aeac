// What a serving replica reports about one deployment every window: per version requests, errors, latency and a
// summary of its predictions, and the shadow comparison. The server stores the windows; the controller's
// `serving` metric provider, the shadow gate and the UI's charts read them, summed over replicas.

/** Latency summary of one window, in milliseconds. */
export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** Enough to compare two versions' outputs without keeping them: label counts and numeric moments. */
export interface PredictionSummary {
  /** Count per predicted label (string form), for classifiers. */
  labels: Record<string, number>;
  numericCount: number;
  numericSum: number;
}

export interface VersionWindow {
  version: string;
  role: "primary" | "canary" | "variant" | "preview";
  requests: number;
  /**
   * Requests the version failed: the model ran and failed, whatever the answer's status (a pyfunc raising a plain
   * exception is answered 400 BAD_REQUEST, as MLflow does, yet it is the version's failure), and any 5xx. A
   * request refused before it reached the model (body, content type, signature/schema enforcement) is the
   * client's mistake: counted in `requests`, not here.
   */
  errors: number;
  latencyMs: LatencySummary;
  predictions: PredictionSummary;
}

export interface ShadowWindow {
  version: string;
  /** Requests mirrored to the shadow that finished, answered or failed (the error rate is errors / requests). */
  requests: number;
  /** Requests not mirrored because the shadow budget was full (not in `requests`). */
  dropped: number;
  /** Of `requests`, those the shadow failed. */
  errors: number;
  latencyMs: LatencySummary;
  /** Answers compared with the primary's (requests where both succeeded). */
  compared: number;
  /** Of those, how many gave the same label(s). */
  agreed: number;
  /** Numeric outputs: mean and max absolute difference over the compared answers. */
  meanAbsDiff: number;
  maxAbsDiff: number;
}

export interface ObservationWindow {
  deployment: string;
  /** Which serving replica (host:port/pid); windows of several replicas are summed. */
  replica: string;
  revision: number;
  startedAt: number;
  endedAt: number;
  versions: VersionWindow[];
  shadow?: ShadowWindow;
}
