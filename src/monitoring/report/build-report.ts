// Builds a deployment's monitoring report from what monitoring stored (windows, alerts, baselines) and, per
// version, one current profile over the whole range read from the prediction-log segments on the baseline's
// bins (bounded memory: the segments are streamed, only the profile is kept). Nothing is recomputed that a
// window already decided: the drift over time is the stored windows' decisions.
import { invalidParameter } from "../../core/errors.js";
import { datasetDrift } from "../drift/dataset-drift.js";
import type {
  Alert,
  Baseline,
  ColumnDrift,
  ColumnProfile,
  DatasetDrift,
  DatasetDriftOptions,
  DatasetProfile,
  DriftLevel,
  MonitoringWindow,
} from "../monitoring.js";
import { histogramPair } from "./histograms.js";
import {
  worstOf,
  type ColumnReport,
  type DriftPoint,
  type MonitoringReport,
  type ReportProgress,
  type ReportSummary,
  type VersionReport,
} from "./report.js";

export interface ReportRange {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  version?: string;
}

/** Where a report reads from; app.ts wires the monitoring stores and the segment reader in. */
export interface ReportSources {
  /**
   * The deployment's model and its drift options (spec.monitoring.drift); throws RESOURCE_DOES_NOT_EXIST for an
   * unknown deployment.
   */
  deployment(name: string): Promise<{ model: string; drift?: DatasetDriftOptions }>;
  /** Stored windows of the deployment that overlap [from, to), of one version when given. */
  windows(deployment: string, range: ReportRange): Promise<MonitoringWindow[]>;
  /** Alerts of the deployment (any state) whose window overlaps [from, to). */
  alerts(deployment: string, range: ReportRange): Promise<Alert[]>;
  baseline(model: string, version: string): Promise<Baseline | undefined>;
  /**
   * The profile of everything the version logged in [from, to), counted on the reference's bins; undefined when
   * no segment holds a row of it.
   */
  currentProfile(
    deployment: string,
    version: string,
    reference: DatasetProfile,
    range: { from: number; to: number },
  ): Promise<DatasetProfile | undefined>;
  now(): number;
}

/** Longest range one report covers: a year of hourly windows stays a few MB of JSON. */
export const MAX_RANGE_MS = 366 * 24 * 3600_000;

export function checkRange(range: ReportRange): void {
  if (!Number.isSafeInteger(range.from) || !Number.isSafeInteger(range.to) || range.from < 0) {
    throw invalidParameter("from and to must be times in epoch milliseconds.");
  }
  if (range.to <= range.from) {
    throw invalidParameter(`to (${range.to}) must be after from (${range.from}).`);
  }
  if (range.to - range.from > MAX_RANGE_MS) {
    throw invalidParameter("A report covers at most 366 days: ask for a shorter range.");
  }
}

function driftPoint(w: MonitoringWindow, c: ColumnDrift): DriftPoint {
  return {
    start: w.start,
    end: w.end,
    method: c.method,
    score: c.score,
    threshold: c.threshold,
    warnThreshold: c.warnThreshold,
    level: c.level,
    drifted: c.drifted,
  };
}

function columnsOf(
  windows: MonitoringWindow[],
  baseline: Baseline | undefined,
  current: DatasetProfile | undefined,
  rangeDrift: DatasetDrift | undefined,
): ColumnReport[] {
  const columns = new Map<string, ColumnReport>();
  const key = (role: string, name: string) => `${role === "input" ? 0 : 1}\u0000${name}`;
  const add = (role: ColumnReport["role"], name: string, ref?: ColumnProfile, cur?: ColumnProfile) => {
    const kind = ref?.kind ?? cur?.kind ?? "numeric";
    columns.set(key(role, name), {
      column: name,
      role,
      kind,
      ...histogramPair(ref, cur),
      overTime: [],
      worstLevel: "ok",
    });
  };
  const ref = baseline?.profile;
  for (const [name, p] of Object.entries(ref?.columns ?? {})) add("input", name, p, current?.columns[name]);
  for (const [name, p] of Object.entries(ref?.predictions ?? {}))
    add("prediction", name, p, current?.predictions[name]);
  for (const w of windows) {
    for (const c of w.drift?.columns ?? []) {
      const k = key(c.role, c.column);
      if (!columns.has(k)) add(c.role, c.column);
      const report = columns.get(k);
      if (report) report.overTime.push(driftPoint(w, c));
    }
  }
  for (const d of rangeDrift?.columns ?? []) {
    const report = columns.get(key(d.role, d.column));
    if (report) report.range = d;
  }
  for (const c of columns.values()) c.worstLevel = worstOf(c.overTime.map((p) => p.level));
  return [...columns.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}

function summaryOf(versions: VersionReport[], alerts: Alert[]): ReportSummary {
  const windows = versions.flatMap((v) => v.windows);
  // Any decision counts: a column that warns makes the report warn even when the dataset does not drift.
  const levels: DriftLevel[] = windows.flatMap((w) =>
    w.drift ? [w.drift.level, w.drift.predictionLevel, ...w.drift.columns.map((c) => c.level)] : [],
  );
  return {
    windows: windows.length,
    rows: windows.reduce((n, w) => n + w.rows, 0),
    driftedWindows: windows.filter((w) => w.drift?.drifted === true).length,
    predictionDriftWindows: windows.filter((w) => w.drift?.predictionLevel === "alert").length,
    alerts: alerts.length,
    firingAlerts: alerts.filter((a) => a.state === "firing").length,
    worstLevel: worstOf(levels),
  };
}

/**
 * The report of `deployment` over [from, to). `onProgress` hears each step (a version's profile from its
 * segments is the slow one), so a long report can say where it is.
 */
export async function buildReport(
  sources: ReportSources,
  deployment: string,
  range: ReportRange,
  onProgress: (p: ReportProgress) => void = () => {},
): Promise<MonitoringReport> {
  checkRange(range);
  const { model, drift: driftOptions } = await sources.deployment(deployment);
  onProgress({ stage: "windows", done: 0, total: 1 });
  const [windows, alerts] = await Promise.all([
    sources.windows(deployment, range),
    sources.alerts(deployment, range),
  ]);
  const inRange = windows
    .filter((w) => w.end > range.from && w.start < range.to)
    .filter((w) => range.version === undefined || w.version === range.version)
    .sort((a, b) => a.start - b.start || a.end - b.end);
  onProgress({ stage: "windows", done: 1, total: 1 });
  const versionNames = [...new Set(inRange.map((w) => w.version))];
  if (range.version !== undefined && !versionNames.includes(range.version)) versionNames.push(range.version);
  versionNames.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));

  const versions: VersionReport[] = [];
  for (const [i, version] of versionNames.entries()) {
    onProgress({ stage: `profile of version ${version}`, done: i, total: versionNames.length });
    const own = inRange.filter((w) => w.version === version);
    const baseline = await sources.baseline(model, version);
    const current = baseline
      ? await sources.currentProfile(deployment, version, baseline.profile, range)
      : undefined;
    // The range as one window, decided as the monitor decides a window (the deployment's own options).
    const rangeDrift =
      baseline && current ? datasetDrift(baseline.profile, current, driftOptions) : undefined;
    versions.push({
      version,
      ...(baseline
        ? {
            baseline: {
              rows: baseline.profile.rows,
              source: baseline.profile.source,
              createdAt: baseline.createdAt,
            },
          }
        : {}),
      rows: own.reduce((n, w) => n + w.rows, 0),
      windows: own.map((w) => ({
        start: w.start,
        end: w.end,
        rows: w.rows,
        ...(w.drift ? { drift: w.drift } : {}),
        ...(w.quality ? { quality: w.quality } : {}),
        ...(w.expectedQuality ? { expectedQuality: w.expectedQuality } : {}),
      })),
      ...(rangeDrift ? { rangeDrift } : {}),
      columns: columnsOf(own, baseline, current, rangeDrift),
    });
  }
  onProgress({ stage: "done", done: versionNames.length, total: versionNames.length });
  const relevant = alerts
    .filter((a) => a.windowEnd > range.from && a.windowStart < range.to)
    .filter((a) => range.version === undefined || a.version === range.version)
    .sort((a, b) => b.firedAt - a.firedAt);
  return {
    deployment,
    model,
    from: range.from,
    to: range.to,
    ...(range.version === undefined ? {} : { version: range.version }),
    generatedAt: sources.now(),
    summary: summaryOf(versions, relevant),
    versions,
    alerts: relevant,
  };
}
