// Monitoring's shared vocabulary: what a baseline profile is, what a drift decision says, what one monitoring
// window stores, alert rules and their events, and the prediction log's segment layout. Types only; each
// concept's code lives in its own module (profile/, stats/, drift/, segments/, monitor/, alerts/).
// The profile format is documented in docs/monitoring.md: other tools (DuckDB, Spark jobs) may read it.

/** Bump when a field changes meaning; readers refuse a format they do not know. */
export const PROFILE_FORMAT = 1;

/** Values kept per numeric column for the sample-based tests (KS, Wasserstein): every value up to this many. */
export const SAMPLE_LIMIT = 10_000;

/** Categories kept per categorical column; the rest are counted together as `other`. */
export const CATEGORY_LIMIT = 1_000;

export interface NumericProfile {
  kind: "numeric";
  /** Non-missing values seen. */
  n: number;
  /** Missing (null, NaN, absent) values seen. */
  missing: number;
  min: number;
  max: number;
  mean: number;
  /** Sample standard deviation (ddof = 1, as pandas and Evidently's normed Wasserstein). */
  std: number;
  /** Quantiles at p = 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 (linear interpolation on the sample). */
  quantiles: { p: number; value: number }[];
  /** k+1 ascending edges; a current window is counted on the reference's edges (values outside go to the end bins). */
  binEdges: number[];
  binCounts: number[];
  /** Sorted. Every value when n ≤ SAMPLE_LIMIT, else a uniform reservoir sample of SAMPLE_LIMIT values. */
  sample: number[];
  /** Distinct values, counted up to 6 (Evidently picks its test by "more than 5 unique values"); 6 means "more". */
  distinct: number;
  /** The distinct values themselves while there are at most 5 (so a few-valued column can be tested as categories). */
  values?: number[];
}

export interface CategoricalProfile {
  kind: "categorical";
  n: number;
  missing: number;
  /** Count per category (strings; booleans and numbers as their JSON text), the CATEGORY_LIMIT most frequent. */
  frequencies: Record<string, number>;
  /** Values of categories beyond CATEGORY_LIMIT. */
  other: number;
}

export type ColumnProfile = NumericProfile | CategoricalProfile;

/** Where a baseline came from. */
export type ProfileSource =
  | { kind: "file"; name: string }
  | { kind: "dataset"; name: string; digest?: string; runId: string }
  | { kind: "input_example"; runId?: string }
  | { kind: "window"; deployment: string; from: number; to: number };

/** A baseline (reference) or a current window, summarized in bounded size. */
export interface DatasetProfile {
  format: typeof PROFILE_FORMAT;
  rows: number;
  /** Model inputs by column name. */
  columns: Record<string, ColumnProfile>;
  /** Model outputs: "prediction", and "confidence" / "proba.<class>" when the model gives them. */
  predictions: Record<string, ColumnProfile>;
  source: ProfileSource;
  createdAt: number;
}

/** A version's stored baseline. */
export interface Baseline {
  model: string;
  version: string;
  profile: DatasetProfile;
  createdAt: number;
  createdBy: string;
}

/** Statistical tests and distances, named as Evidently names them. */
export type DriftMethod =
  "ks" | "chisquare" | "z" | "psi" | "kl_div" | "jensenshannon" | "wasserstein" | "hellinger";

/** Every DriftMethod, for validating what a spec or a rule names. */
export const DRIFT_METHODS: readonly DriftMethod[] = [
  "ks",
  "chisquare",
  "z",
  "psi",
  "kl_div",
  "jensenshannon",
  "wasserstein",
  "hellinger",
];

/** p-value methods drift when p < threshold; the others when distance ≥ threshold. */
export const P_VALUE_METHODS: readonly DriftMethod[] = ["ks", "chisquare", "z"];

export type DriftLevel = "ok" | "warn" | "alert";

export interface ColumnDriftOptions {
  method?: DriftMethod;
  /** Alert threshold: p-value (p < t drifts; default 0.05) or distance (d ≥ t drifts; default 0.1). */
  threshold?: number;
  /** Warn threshold (default: p < 2·t for p-value methods, d ≥ t/2 for distances). */
  warnThreshold?: number;
}

export interface DatasetDriftOptions {
  /** Per column (input name, or "prediction" etc. for outputs). */
  columns?: Record<string, ColumnDriftOptions>;
  /** The dataset drifts when at least this share of input columns drifts (default 0.5). */
  driftShare?: number;
  /** Divide p-value thresholds by the number of columns tested (default false). */
  bonferroni?: boolean;
}

export interface ColumnDrift {
  column: string;
  /** "input" columns count toward dataset drift; "prediction" columns are prediction drift. */
  role: "input" | "prediction";
  kind: "numeric" | "categorical";
  method: DriftMethod;
  /** p-value for p-value methods, else the distance. */
  score: number;
  /** The test statistic when it is not the score (KS D, chi² value, z). */
  statistic?: number;
  threshold: number;
  warnThreshold: number;
  drifted: boolean;
  level: DriftLevel;
  referenceRows: number;
  currentRows: number;
}

export interface DatasetDrift {
  columns: ColumnDrift[];
  /** Input columns that drift / input columns tested. */
  driftedColumns: number;
  testedColumns: number;
  share: number;
  driftShare: number;
  drifted: boolean;
  level: DriftLevel;
  /** Prediction drift: the worst level among prediction columns. */
  predictionLevel: DriftLevel;
}

/** Quality once labels arrived: classification or regression, with how many labelled rows it rests on. */
export interface QualityMetrics {
  task: "classification" | "regression";
  labelled: number;
  accuracy?: number;
  precision?: number;
  recall?: number;
  f1?: number;
  /** Binary classification with a confidence or probability logged. */
  auc?: number;
  rmse?: number;
  mae?: number;
}

/** What monitoring stored for one window of one deployment's version. */
export interface MonitoringWindow {
  deployment: string;
  version: string;
  /** [start, end) ms. */
  start: number;
  end: number;
  rows: number;
  /** Absent when the version has no baseline. */
  drift?: DatasetDrift;
  /**
   * Per-column scores by the methods alert rules name (a rule "PSI > 0.2 on any input column") when a column's
   * own drift method is another; thresholds are the rules'. Absent when no rule asks for one.
   */
  methodScores?: ColumnDrift[];
  quality?: QualityMetrics;
  /** The version's own validation metrics from its run (same names as QualityMetrics), to compare with. */
  expectedQuality?: Partial<Record<keyof Omit<QualityMetrics, "task" | "labelled">, number>>;
  computedAt: number;
}

export type AlertKind =
  /** Dataset drift (share of input columns drifting ≥ driftShare), or a column's drift when `column` is set. */
  | "data_drift"
  | "prediction_drift"
  /** Relative drop of `metric` against the version's validation value: (expected − observed) / expected. */
  | "quality_drop"
  | "latency_p99_ms"
  | "error_rate";

export interface AlertRule {
  id: string;
  name: string;
  /** Exactly one of deployment / model: a model rule applies to every deployment of the model. */
  deployment?: string;
  model?: string;
  kind: AlertKind;
  /**
   * data_drift: the share of drifting columns, or with `column`/`method` a distance or p-value threshold;
   * quality_drop: the relative drop (0.05 = 5%); latency: ms; error_rate: a fraction.
   */
  threshold: number;
  column?: string;
  method?: DriftMethod;
  metric?: "accuracy" | "precision" | "recall" | "f1" | "auc" | "rmse" | "mae";
  /** Consecutive windows over the threshold before firing (default 1). */
  forWindows?: number;
  severity: "warning" | "critical";
  /** When it fires on a canary mid-rollout, abort the rollout (default true). */
  rollbackCanary: boolean;
  enabled: boolean;
  createdAt: number;
  createdBy: string;
}

/** One firing of a rule, resolved when a later window is back under the threshold. */
export interface Alert {
  id: string;
  ruleId: string;
  ruleName: string;
  deployment: string;
  version: string;
  kind: AlertKind;
  severity: AlertRule["severity"];
  state: "firing" | "resolved";
  /** The value that crossed the threshold, and the threshold. */
  value: number;
  threshold: number;
  message: string;
  windowStart: number;
  windowEnd: number;
  firedAt: number;
  resolvedAt?: number;
  /** Set when the alert aborted a canary rollout. */
  rolledBack?: boolean;
}

/**
 * The prediction log's Parquet segment layout. Fixed columns, then one column per logged input
 * (`input.<name>`, DOUBLE or UTF8; hashed inputs are UTF8 hex) and per output (`output.prediction`,
 * `output.confidence`, `output.proba.<class>`). One row per predicted row (a request of 5 rows is 5 rows, with
 * the same request id and `row` 0…4).
 */
export const SEGMENT_COLUMNS = {
  time: "time", // INT64 ms since epoch, when the answer was sent
  requestId: "request_id", // UTF8, the id the caller saw (x-request-id)
  row: "row", // INT32, index of the row within its request
  version: "version", // UTF8
  role: "role", // UTF8: primary | canary | variant | preview
  latencyMs: "latency_ms", // DOUBLE, of the whole request
} as const;
export const INPUT_PREFIX = "input.";
export const OUTPUT_PREFIX = "output.";

/** One segment file the server knows about (the index row; the rows themselves stay in the file). */
export interface PredictionSegment {
  id: string;
  deployment: string;
  /** Artifact-store path, relative to the artifact root: monitoring/<deployment>/<yyyy-mm-dd>/<first>-<replica>-<seq>.parquet */
  path: string;
  replica: string;
  firstTime: number;
  lastTime: number;
  rows: number;
  bytes: number;
  versions: string[];
  createdAt: number;
}
