// The Deployment: a named, revisioned spec of which model versions serve live traffic and how traffic moves
// between them (canary ramp, sticky A/B, blue/green), plus what serving needs to route a request (the routing
// snapshot). The spec uses Argo Rollouts' names (setWeight, maxWeight, failureLimit…) so that people who run
// rollouts for pods read it without a glossary. This file holds the types only; parsing is deployment-spec.ts.

import type { DatasetDriftOptions } from "../monitoring/monitoring.js";

/** How long, written like Argo: "30s", "5m", "1h", "2d" (or a number of seconds). */
export type Duration = string | number;

/** One step of a canary ramp. A pause without a duration waits until promoted. */
export type CanaryStep =
  { setWeight: number } | { pause: { duration?: Duration } } | { analysis: { templates: string[] } };

export interface CanaryStrategy {
  /** The version being ramped up (the stable one is `primary`). */
  version: string;
  steps: CanaryStep[];
  /** The most traffic the canary gets before the final promotion (percent, default 100). */
  maxWeight?: number;
  /** Analysis that runs for the whole rollout, from `startingStep` (default 0). */
  analysis?: { templates: string[]; startingStep?: number };
  /** On success, also move this alias to the promoted version (through governance). */
  promoteAlias?: string;
}

/** Where a request's stickiness key comes from; hashed, never stored. */
export type StickyKey = { header: string } | { query: string } | { jsonField: string } | { cookie: string };

export interface AbTestStrategy {
  split: { version: string; weight: number }[];
  sticky?: StickyKey;
  /** The test ends after this many requests in total… */
  iterations?: number;
  /** …or after this long, whichever comes first. */
  duration?: Duration;
}

export interface BlueGreenStrategy {
  /** The new (green) version, reachable only by the preview header until promoted. */
  previewVersion: string;
  /** Header that routes a request to the preview version (default x-flowgate-preview: true). */
  previewHeader?: string;
  autoPromotion?: boolean;
  /** With autoPromotion, promote after this many seconds of healthy preview (default 0 = at once). */
  autoPromotionSeconds?: number;
  /** How long the old version stays loaded after the switch (default 30). */
  scaleDownDelaySeconds?: number;
}

export type Strategy =
  { canary: CanaryStrategy } | { abTest: AbTestStrategy } | { blueGreen: BlueGreenStrategy };

/** Where an analysis measurement comes from. */
export type MetricProvider =
  | {
      /** Flowgate's own serving observations, aggregated over the interval across every serving replica. */
      serving: {
        metric:
          | "error_rate"
          | "p99_latency_ms"
          | "p50_latency_ms"
          | "divergence"
          | "shadow_agreement"
          | "request_rate";
        /** Whose metric: the canary (default) or the primary. */
        of?: "canary" | "primary";
      };
    }
  | {
      /** A PromQL instant query; {{canary}}, {{primary}}, {{deployment}} and {{model}} are substituted. */
      prometheus: { address: string; query: string; timeoutSeconds?: number };
    }
  | {
      /** A web check answering JSON; `jsonPath` like "$.data.value" picks the number. */
      web: { url: string; jsonPath?: string; timeoutSeconds?: number; headers?: Record<string, string> };
    };

/** Argo's AnalysisTemplate, one metric per template. */
export interface AnalysisTemplate {
  name: string;
  /** Time between measurements (default "30s"). */
  interval?: Duration;
  /** Measurements to take (default: 1 for a step analysis, unbounded for background analysis). */
  count?: number;
  /** `result < 0.01`, `result >= 0.9 && result <= 1` … (no code is evaluated). */
  successCondition?: string;
  failureCondition?: string;
  /** Failed measurements tolerated before the analysis fails (default 0). */
  failureLimit?: number;
  /** Inconclusive measurements tolerated before the rollout pauses (default 0). */
  inconclusiveLimit?: number;
  /** Provider errors in a row tolerated before the analysis errors out (default 4, as Argo). */
  consecutiveErrorLimit?: number;
  provider: MetricProvider;
}

/**
 * Business rules outside the model: validated values, hot-reloaded. `values` are passed to a pyfunc model as
 * `params` when its signature declares params; otherwise `decision` tells serving how to apply them.
 */
export interface DeploymentPolicy {
  /** JSON Schema the values must satisfy (checked at write time). */
  schema?: Record<string, unknown>;
  values: Record<string, unknown>;
  /** E.g. { threshold: "threshold", positiveLabel: 1, negativeLabel: 0 }: label = p[class] >= values[threshold]. */
  decision?: { threshold: string; classIndex?: number; positiveLabel?: unknown; negativeLabel?: unknown };
}

/** The document a user writes (and the server stores, resolved: every version a pinned number). */
export interface DeploymentSpec {
  name: string;
  model: string;
  /** A pinned version; at write time "@alias" or "stage:Production" is resolved to its number once. */
  primary: string;
  /** With this, moving the alias starts a rollout of the new version through `strategy`. */
  track?: { alias: string };
  shadow?: { version: string; percent: number };
  strategy?: Strategy;
  analysisTemplates?: AnalysisTemplate[];
  /** How many former primaries stay loaded for instant rollback (default 2). */
  warm?: number;
  policy?: DeploymentPolicy;
  /** Prediction logging and drift monitoring (on by default: every deployment logs and is monitored). */
  monitoring?: MonitoringSpec;
}

/** How a deployment's predictions are logged and its windows monitored (src/monitoring/). */
export interface MonitoringSpec {
  /** Log predictions at all (default true). */
  enabled?: boolean;
  /** Share of requests logged, 0–1 (default 1); chosen by request id, so replicas agree. */
  sampleRate?: number;
  /** Input columns logged (default: all). */
  inputs?: string[];
  /** Days segments are kept (default 30). */
  retentionDays?: number;
  /** Monitoring windows: by time (default one hour) or by chunks of N logged rows. */
  window?: { seconds: number } | { rows: number };
  /** Per-column drift methods and thresholds, dataset drift share, Bonferroni. */
  drift?: DatasetDriftOptions;
  /** classification (default when predictions are labels) or regression: which quality metrics apply. */
  task?: "classification" | "regression";
}

export interface DeploymentRevision {
  deployment: string;
  revision: number;
  spec: DeploymentSpec;
  author: string;
  reason: string;
  createdAt: number;
  /** What changed against the previous revision (JSON-pointer paths with before/after). */
  diff: { path: string; before?: unknown; after?: unknown }[];
}

/** Argo's measurement phases. */
export type MeasurementPhase = "Successful" | "Failed" | "Inconclusive" | "Error";

export interface Measurement {
  template: string;
  phase: MeasurementPhase;
  /** The number measured (absent when there was none: no data, provider error). */
  value?: number;
  /** The conditions it was judged against, as written (shown next to the value). */
  successCondition?: string;
  failureCondition?: string;
  message?: string;
  startedAt: number;
  finishedAt: number;
}

export type RolloutPhase =
  /** Nothing in progress; primary takes all non-shadow traffic (or the A/B split is running). */
  | "Healthy"
  | "Progressing"
  | "Paused"
  /** Rolled back after a failed analysis (or an abort): primary at 100% until the next change. */
  | "Degraded"
  | "Aborted";

/** The controller's state for the deployment's current revision. */
export interface RolloutState {
  deployment: string;
  /** The spec revision this rollout runs. */
  revision: number;
  phase: RolloutPhase;
  /** Index into the canary steps (steps.length = all done). */
  stepIndex: number;
  /** Current canary weight (percent), or the blue/green switch (0 or 100). */
  canaryWeight: number;
  stepStartedAt: number;
  pausedAt?: number;
  pauseReason?: string;
  /**
   * Who paused: a pause step, a person (pause action), an Inconclusive analysis, or a refused final promotion
   * (governance said no; resume tries again).
   */
  pausedBy?: "step" | "user" | "inconclusive" | "promotion";
  /** Set by abort; beats every other transition (Argo #1152, #4461, #2929, #1292). */
  abortRequested: boolean;
  /** Set by promote (full: skip every remaining step). */
  promoteRequested?: "step" | "full";
  /** Per running analysis: counters as Argo keeps them, and every measurement with its thresholds. */
  analyses: {
    template: string;
    background: boolean;
    stepIndex?: number;
    measurements: Measurement[];
    successful: number;
    failed: number;
    inconclusive: number;
    error: number;
    consecutiveErrors: number;
    nextAt: number;
    phase: "Running" | MeasurementPhase;
  }[];
  /** A/B: requests seen since the test started (from observations). */
  requestsSeen?: number;
  message?: string;
  updatedAt: number;
  /** Optimistic concurrency: bumped on every write; a write with a stale value is refused. */
  version: number;
}

/** One route of a routing snapshot. */
export interface Route {
  version: string;
  /** Percent of live (non-preview) traffic, 0–100, summing to 100 over the routes. */
  weight: number;
  role: "primary" | "canary" | "variant";
}

/**
 * What serving needs to route requests, derived from the current revision and the rollout state; changes
 * whenever either changes. `etag` identifies it (serving long-polls with If-None-Match).
 */
export interface RoutingSnapshot {
  deployment: string;
  model: string;
  revision: number;
  etag: string;
  routes: Route[];
  shadow?: { version: string; percent: number };
  sticky?: StickyKey;
  preview?: { version: string; header: string };
  /** Versions to keep loaded though they take no traffic (former primaries, the blue/green old side). */
  warm: string[];
  policy?: DeploymentPolicy;
  phase: RolloutPhase;
  /**
   * What serving logs (absent: logging off). `hashed` are the input columns logged as hashes, from the model's
   * `pii` tag ("true" = every input, else comma-separated column names), resolved when the snapshot is built.
   */
  predictionLog?: { sampleRate: number; inputs?: string[]; hashed: string[] | "all" };
}

/** Whether the caller may take an action now, and if not, why (rollout state or governance). */
export interface ActionAllowed {
  ok: boolean;
  reason?: string;
}

/** A deployment as the API answers it: its current revision, rollout state and routing, and what the caller may do. */
export interface DeploymentView {
  name: string;
  model: string;
  revision: number;
  spec: DeploymentSpec;
  status: RolloutState;
  routing: RoutingSnapshot;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
  allowed: Record<"pause" | "resume" | "promote" | "abort" | "rollback", ActionAllowed>;
}
