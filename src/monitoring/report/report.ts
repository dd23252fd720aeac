// What a monitoring report says about one deployment over a time range, as JSON (the API, `flowgate monitor
// report --format json`, the UI's Monitoring tab) and as the source of the self-contained HTML report. Per
// version served in the range: its stored windows with every drift decision, and per column the baseline's
// histogram beside the histogram of everything logged in the range (counted on the baseline's bin edges), and
// the column's drift score window after window.
import type {
  Alert,
  ColumnDrift,
  DatasetDrift,
  DriftLevel,
  DriftMethod,
  MonitoringWindow,
  ProfileSource,
} from "../monitoring.js";

/** One column's distribution, drawn as bars: numeric on bin edges, categorical per category. */
export type Histogram =
  | { kind: "numeric"; binEdges: number[]; counts: number[]; missing: number }
  | {
      kind: "categorical";
      categories: string[];
      counts: number[];
      /** Values in categories not listed (beyond the categories kept). */
      other: number;
      missing: number;
    };

/** A column's decision in one window: the points of its drift-over-time line. */
export interface DriftPoint {
  start: number;
  end: number;
  method: DriftMethod;
  score: number;
  threshold: number;
  warnThreshold: number;
  level: DriftLevel;
  drifted: boolean;
}

export interface ColumnReport {
  column: string;
  role: ColumnDrift["role"];
  kind: "numeric" | "categorical";
  /** The baseline's histogram; absent when the baseline has no such column. */
  reference?: Histogram;
  /** Everything logged for the version in the range, on the reference's bins; absent when nothing was logged. */
  current?: Histogram;
  /** The decision on the whole range (everything logged in it against the baseline). */
  range?: ColumnDrift;
  /** One point per window that tested the column, oldest first. */
  overTime: DriftPoint[];
  /** The worst level the column reached in any window. */
  worstLevel: DriftLevel;
}

export interface ReportWindow {
  start: number;
  end: number;
  rows: number;
  drift?: DatasetDrift;
  quality?: MonitoringWindow["quality"];
  expectedQuality?: MonitoringWindow["expectedQuality"];
}

export interface VersionReport {
  version: string;
  /** Absent when the version has no baseline: nothing to compare with, so no drift. */
  baseline?: { rows: number; source: ProfileSource; createdAt: number };
  /** The whole range tested as one window against the baseline; absent without a baseline or logged rows. */
  rangeDrift?: DatasetDrift;
  /** Rows logged in the range (the windows' sum). */
  rows: number;
  windows: ReportWindow[];
  /** Input columns first, then prediction columns, each by name. */
  columns: ColumnReport[];
}

export interface ReportSummary {
  windows: number;
  rows: number;
  /** Windows whose dataset drifted (share of drifting input columns ≥ the drift share). */
  driftedWindows: number;
  /** Windows whose prediction drift reached "alert". */
  predictionDriftWindows: number;
  alerts: number;
  firingAlerts: number;
  /** The worst level of any decision (dataset, prediction or column) in any window. */
  worstLevel: DriftLevel;
}

export interface MonitoringReport {
  deployment: string;
  model: string;
  /** [from, to) epoch ms. */
  from: number;
  to: number;
  /** Only this version when the report was asked for one. */
  version?: string;
  generatedAt: number;
  summary: ReportSummary;
  versions: VersionReport[];
  /** Alerts of the deployment whose window overlaps the range, newest first. */
  alerts: Alert[];
}

/** A step of a long report, for a progress line. */
export interface ReportProgress {
  /** What is being done ("windows", "profile v3", …). */
  stage: string;
  done: number;
  total: number;
}

const ORDER: Record<DriftLevel, number> = { ok: 0, warn: 1, alert: 2 };

export function worstOf(levels: Iterable<DriftLevel>): DriftLevel {
  let worst: DriftLevel = "ok";
  for (const l of levels) if (ORDER[l] > ORDER[worst]) worst = l;
  return worst;
}
