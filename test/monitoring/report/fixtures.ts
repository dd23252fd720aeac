// A deployment's stored monitoring as a report reads it: two versions, hourly windows, a baseline per version
// with a numeric input, a categorical input and a prediction, and one alert. Names carry HTML on purpose.
import type {
  Alert,
  Baseline,
  ColumnDrift,
  DatasetProfile,
  MonitoringWindow,
  NumericProfile,
  CategoricalProfile,
} from "../../../src/monitoring/monitoring.js";
import type { ReportRange, ReportSources } from "../../../src/monitoring/report/build-report.js";

export const HOUR = 3600_000;
export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
export const HOSTILE = `<img src=x onerror="alert(1)">&'`;

export function numeric(counts: number[], edges = [0, 1, 2, 3, 4]): NumericProfile {
  const n = counts.reduce((a, b) => a + b, 0);
  // Every value, spread evenly inside its bin, as a profile of up to SAMPLE_LIMIT rows keeps them.
  const sample = counts
    .flatMap((c, i) => Array.from({ length: c }, (_, j) => (edges[i] ?? 0) + (j + 0.5) / c))
    .sort((a, b) => a - b);
  return {
    kind: "numeric",
    n,
    missing: 1,
    min: edges[0] ?? 0,
    max: edges.at(-1) ?? 1,
    mean: 2,
    std: 1,
    quantiles: [],
    binEdges: edges,
    binCounts: counts,
    sample,
    distinct: 6,
  };
}

export function categorical(frequencies: Record<string, number>, other = 0): CategoricalProfile {
  const n = Object.values(frequencies).reduce((a, b) => a + b, 0) + other;
  return { kind: "categorical", n, missing: 0, frequencies, other };
}

export function profile(
  columns: DatasetProfile["columns"],
  predictions: DatasetProfile["predictions"],
): DatasetProfile {
  return {
    format: 1,
    rows: 100,
    columns,
    predictions,
    source: { kind: "file", name: "train.parquet" },
    createdAt: T0 - 24 * HOUR,
  };
}

export const REFERENCE = profile(
  { amount: numeric([10, 40, 40, 10]), [HOSTILE]: categorical({ a: 60, b: 40 }) },
  { prediction: categorical({ "0": 70, "1": 30 }) },
);
export const CURRENT = profile(
  { amount: numeric([5, 10, 40, 45]), [HOSTILE]: categorical({ a: 20, b: 30, c: 50 }) },
  { prediction: categorical({ "0": 40, "1": 60 }) },
);

function decision(column: string, role: ColumnDrift["role"], score: number): ColumnDrift {
  const level = score >= 0.1 ? "alert" : score >= 0.05 ? "warn" : "ok";
  return {
    column,
    role,
    kind: column === "amount" ? "numeric" : "categorical",
    method: "psi",
    score,
    threshold: 0.1,
    warnThreshold: 0.05,
    drifted: score >= 0.1,
    level,
    referenceRows: 100,
    currentRows: 50,
  };
}

export function window(version: string, hour: number, scores: [number, number, number]): MonitoringWindow {
  const columns = [
    decision("amount", "input", scores[0]),
    decision(HOSTILE, "input", scores[1]),
    decision("prediction", "prediction", scores[2]),
  ];
  const drifted = columns.filter((c) => c.role === "input" && c.drifted).length;
  return {
    deployment: "fraud",
    version,
    start: T0 + hour * HOUR,
    end: T0 + (hour + 1) * HOUR,
    rows: 50,
    drift: {
      columns,
      driftedColumns: drifted,
      testedColumns: 2,
      share: drifted / 2,
      driftShare: 0.5,
      drifted: drifted >= 1,
      level: drifted >= 1 ? "alert" : "ok",
      predictionLevel: columns[2]?.level ?? "ok",
    },
    ...(hour === 2
      ? {
          quality: { task: "classification", labelled: 40, accuracy: 0.8 },
          expectedQuality: { accuracy: 0.9 },
        }
      : {}),
    computedAt: T0 + (hour + 1) * HOUR + 10_000,
  };
}

export const WINDOWS: MonitoringWindow[] = [
  window("1", 0, [0.01, 0.02, 0.01]),
  window("1", 1, [0.06, 0.02, 0.03]),
  window("1", 2, [0.3, 0.2, 0.15]),
  // Version 2 has no baseline: windows without drift.
  {
    deployment: "fraud",
    version: "2",
    start: T0 + HOUR,
    end: T0 + 2 * HOUR,
    rows: 7,
    computedAt: T0 + 2 * HOUR,
  },
  // Outside the ranges the tests ask for.
  window("1", 30, [0.5, 0.5, 0.5]),
];

export const ALERT: Alert = {
  id: "al-1",
  ruleId: "r-1",
  ruleName: `PSI on ${HOSTILE}`,
  deployment: "fraud",
  version: "1",
  kind: "data_drift",
  severity: "critical",
  state: "firing",
  value: 0.3,
  threshold: 0.2,
  message: `column ${HOSTILE} drifted`,
  windowStart: T0 + 2 * HOUR,
  windowEnd: T0 + 3 * HOUR,
  firedAt: T0 + 3 * HOUR + 10_000,
};

/** Sources over the fixtures; `currentCalls` records what profile the report asked for. */
export function fixtureSources(): ReportSources & {
  currentCalls: { version: string; from: number; to: number }[];
} {
  const currentCalls: { version: string; from: number; to: number }[] = [];
  const baselines: Record<string, Baseline> = {
    "1": {
      model: "fraud-detector",
      version: "1",
      profile: REFERENCE,
      createdAt: T0 - HOUR,
      createdBy: "admin",
    },
  };
  const overlaps = (r: ReportRange, start: number, end: number) => end > r.from && start < r.to;
  return {
    currentCalls,
    deployment: async (name) => {
      if (name !== "fraud")
        throw Object.assign(new Error(`Deployment '${name}' not found.`), {
          code: "RESOURCE_DOES_NOT_EXIST",
        });
      return { model: "fraud-detector" };
    },
    windows: async (_d, r) => WINDOWS.filter((w) => overlaps(r, w.start, w.end)),
    alerts: async (_d, r) => [ALERT].filter((a) => overlaps(r, a.windowStart, a.windowEnd)),
    baseline: async (_m, v) => baselines[v],
    currentProfile: async (_d, version, _ref, range) => {
      currentCalls.push({ version, ...range });
      return CURRENT;
    },
    now: () => T0 + 5 * HOUR,
  };
}
