// Monitoring's Prometheus gauges on the server's /metrics, read from the database at scrape time: every server
// replica answers the same numbers whichever one holds the monitor lease. Each deployment version shows its
// latest window that ended within GAUGE_HORIZON_MS (a version no longer served drops out after it).
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { Clock } from "../../core/clock.js";
import type { Database } from "../../store/database.js";
import type { AlertStore } from "../alerts/alert-store.js";
import type { MonitorHealth } from "./monitor-loop.js";
import type { WindowStore } from "./window-store.js";

export const GAUGE_HORIZON_MS = 7 * 86_400_000;
const QUALITY_METRICS = ["accuracy", "precision", "recall", "f1", "auc", "rmse", "mae"] as const;

export interface ServerMetricsDeps {
  database: Database;
  windows: WindowStore;
  alerts: AlertStore;
  clock: Clock;
  /** The monitor loop's health (undefined: the loop is off in this server). */
  health(): MonitorHealth | undefined;
}

export interface ServerMetrics {
  registry: Registry;
  /** Reads the latest windows and firing alerts into the gauges; called before each scrape is rendered. */
  refresh(): Promise<void>;
}

export function createServerMetrics(deps: ServerMetricsDeps): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { database, windows, alerts, clock } = deps;
  const column = ["deployment", "version", "column", "method"] as const;
  const score = new Gauge({
    name: "flowgate_drift_score",
    help: "Drift score per column of the latest window: a p-value (ks, chisquare, z) or a distance",
    labelNames: column,
    registers: [registry],
  });
  const detected = new Gauge({
    name: "flowgate_drift_detected",
    help: "1 when the column drifts in the latest window (by its spec's method and threshold), else 0",
    labelNames: column,
    registers: [registry],
  });
  const share = new Gauge({
    name: "flowgate_dataset_drift_share",
    help: "Share of input columns drifting in the latest window",
    labelNames: ["deployment", "version"],
    registers: [registry],
  });
  const quality = new Gauge({
    name: "flowgate_model_quality",
    help: "Quality of the latest window with labels (accuracy, precision, recall, f1, auc, rmse, mae)",
    labelNames: ["deployment", "version", "metric"],
    registers: [registry],
  });
  const firing = new Gauge({
    name: "flowgate_alerts_firing",
    help: "Monitoring alerts firing, per deployment and rule",
    labelNames: ["deployment", "rule"],
    registers: [registry],
  });
  new Gauge({
    name: "flowgate_monitor_running",
    help: "1 when this server runs the monitor loop (--monitor on), else 0",
    registers: [registry],
    collect() {
      this.set(deps.health()?.running === true ? 1 : 0);
    },
  });
  new Gauge({
    name: "flowgate_monitor_last_tick_timestamp_seconds",
    help: "When this server's monitor loop last finished a tick (unix seconds; 0 before the first)",
    registers: [registry],
    collect() {
      this.set((deps.health()?.lastTickAt ?? 0) / 1000);
    },
  });
  const failures = new Counter({
    name: "flowgate_monitor_failures_total",
    help: "Monitor ticks or deployments whose monitoring failed (see the server log)",
    registers: [registry],
  });
  let counted = 0;
  async function refresh(): Promise<void> {
    const latest = await windows.latest(database.db, clock.now() - GAUGE_HORIZON_MS);
    for (const g of [score, detected, share, quality, firing]) g.reset();
    for (const w of latest) {
      const v = { deployment: w.deployment, version: w.version };
      if (w.drift !== undefined) {
        share.set(v, w.drift.share);
        for (const c of w.drift.columns) {
          const labels = { ...v, column: c.column, method: c.method };
          score.set(labels, c.score);
          detected.set(labels, c.drifted ? 1 : 0);
        }
      }
      for (const c of w.methodScores ?? []) score.set({ ...v, column: c.column, method: c.method }, c.score);
    }
    const labelled = await latestQuality(latest);
    for (const w of labelled)
      for (const m of QUALITY_METRICS) {
        const value = w.quality?.[m];
        if (value !== undefined)
          quality.set({ deployment: w.deployment, version: w.version, metric: m }, value);
      }
    for (const f of await alerts.firingCounts(database.db))
      firing.set({ deployment: f.deployment, rule: f.rule }, f.count);
    const total = deps.health()?.failures ?? 0;
    if (total > counted) failures.inc(total - counted);
    counted = total;
  }

  /** Quality lags drift (labels come later): each version's latest window that has quality. */
  async function latestQuality(latest: Awaited<ReturnType<WindowStore["latest"]>>) {
    const out = latest.filter((w) => w.quality !== undefined);
    for (const w of latest) {
      if (w.quality !== undefined) continue;
      const recent = await windows.recent(database.db, w.deployment, w.version, w.end, 48);
      const found = recent.find((r) => r.quality !== undefined);
      if (found !== undefined) out.push(found);
    }
    return out;
  }

  return { registry, refresh };
}
