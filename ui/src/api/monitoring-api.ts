// The native monitoring API the Monitoring tab reads: a deployment's report over a range (windows with their
// drift decisions, per column the baseline's and the range's histograms, drift over time, quality, alerts).
// The types are the server's own (src/monitoring/), imported as types only.
import type { Alert, AlertRule } from "../../../src/monitoring/monitoring";
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

export async function listAlerts(query: {
  deployment?: string;
  state?: "firing" | "resolved";
  maxResults?: number;
}): Promise<Alert[]> {
  const res = await native.get<{ alerts?: Alert[] }>("monitoring/alerts", {
    deployment: query.deployment,
    state: query.state,
    max_results: query.maxResults,
  });
  return res.alerts ?? [];
}

export async function listAlertRules(): Promise<AlertRule[]> {
  return (await native.get<{ rules?: AlertRule[] }>("monitoring/alert-rules")).rules ?? [];
}

export async function getReport(
  deployment: string,
  range: { from: number; to: number; version?: string },
): Promise<MonitoringReport> {
  return native.get<MonitoringReport>(
    ["monitoring", "deployments", deployment, "report"].map(encodeURIComponent).join("/"),
    { from: range.from, to: range.to, version: range.version },
  );
}
