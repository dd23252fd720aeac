// The native monitoring API the Monitoring tab reads: a deployment's report over a range (windows with their
// drift decisions, per column the baseline's and the range's histograms, drift over time, quality, alerts).
// The types are the server's own (src/monitoring/), imported as types only.
import type { MonitoringReport } from "../../../src/monitoring/report/report";
import { native } from "./client";

export type {
  ColumnReport,
  DriftPoint,
  Histogram,
  MonitoringReport,
  ReportWindow,
  VersionReport,
} from "../../../src/monitoring/report/report";
export type { Alert, DriftLevel, QualityMetrics } from "../../../src/monitoring/monitoring";

export async function getReport(
  deployment: string,
  range: { from: number; to: number; version?: string },
): Promise<MonitoringReport> {
  return native.get<MonitoringReport>(
    ["monitoring", "deployments", deployment, "report"].map(encodeURIComponent).join("/"),
    { from: range.from, to: range.to, version: range.version },
  );
}
