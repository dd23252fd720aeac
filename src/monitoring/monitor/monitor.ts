// Builds monitoring's server side from the server's services: the monitor loop (its lease, the window sources
// over C's segments, D's baselines and labels and the version's run metrics), alerting (with the controller's
// abort for canaries), the alert rules service and the /metrics gauges.
import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { createControllerLease } from "../../delivery/controller/controller-lease.js";
import type { DeploymentActions } from "../../delivery/controller/deployment-actions.js";
import type { DeploymentStore } from "../../delivery/deployment-store.js";
import type { AuditLog } from "../../governance/audit.js";
import type { RegistryStore } from "../../registry/registry-store.js";
import type { Database } from "../../store/database.js";
import type { RunStore } from "../../tracking/tracking-store.js";
import type { Outbox } from "../../webhooks/outbox.js";
import { createAlertNotices } from "../alerts/alert-notices.js";
import { createAlertRuleService, type AlertRuleService } from "../alerts/alert-rules.js";
import type { AlertStore } from "../alerts/alert-store.js";
import { createAlerting, type Alerting } from "../alerts/alerting.js";
import { createSqlAlertStore } from "../alerts/sql-alert-store.js";
import type { BaselineService } from "../baselines.js";
import type { LabelService } from "../labels.js";
import type { PredictionSegment } from "../monitoring.js";
import { createServerMetrics, type ServerMetrics } from "./monitoring-gauges.js";
import { MonitorLoop } from "./monitor-loop.js";
import { createSqlWindowStore } from "./sql-window-store.js";
import type { WindowStore } from "./window-store.js";

export interface Monitor {
  loop: MonitorLoop;
  alerting: Alerting;
  rules: AlertRuleService;
  windows: WindowStore;
  alerts: AlertStore;
  metrics: ServerMetrics;
}

export interface MonitorDeps {
  database: Database;
  deployments: DeploymentStore;
  registry: RegistryStore;
  tracking: Pick<RunStore, "getRuns">;
  /** The prediction log's segments (C's segment service). */
  segments: {
    list(deployment: string, from?: number, to?: number): Promise<PredictionSegment[]>;
    openSegment(segment: PredictionSegment): Promise<Uint8Array>;
    expire(now: number): Promise<number>;
  };
  baselines: Pick<BaselineService, "find">;
  labels: Pick<LabelService, "find" | "labelledSince">;
  actions: Pick<DeploymentActions, "apply">;
  audit: AuditLog;
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
  /** Whether this server runs the loop (config.monitor): the gauges say so. */
  enabled: boolean;
  /** This server in the leases it holds (default host:pid:random). */
  holder?: string;
  tickMs?: number;
  graceMs?: number;
}

export function createMonitor(deps: MonitorDeps): Monitor {
  const { database, clock } = deps;
  const windows = createSqlWindowStore();
  const alerts = createSqlAlertStore();
  const notices = createAlertNotices({ audit: deps.audit, outbox: deps.outbox });
  const alerting = createAlerting({
    database,
    alerts,
    windows,
    deployments: deps.deployments,
    notices,
    actions: deps.actions,
    clock,
    logger: deps.logger,
  });
  const loop = new MonitorLoop({
    database,
    deployments: deps.deployments,
    windows,
    alerts,
    alerting,
    sources: {
      segments: (deployment, from, to) => deps.segments.list(deployment, from, to),
      openSegment: (segment) => deps.segments.openSegment(segment),
      baseline: async (model, version) => (await deps.baselines.find(model, version))?.profile,
      labels: (deployment, ids) => deps.labels.find(deployment, ids),
      labelled: async (deployment) => (await deps.labels.labelledSince(deployment, 0)).count > 0,
      runMetrics: async (model, version) => {
        const db = database.db;
        const id = await deps.registry.modelId(db, model);
        const v =
          id === undefined || !/^\d+$/.test(version)
            ? undefined
            : await deps.registry.findVersion(db, id, Number(version));
        if (v?.runId === null || v?.runId === undefined) return {};
        const [run] = await deps.tracking.getRuns(db, [v.runId]);
        return Object.fromEntries((run?.metrics ?? []).map((m) => [m.key, m.value]));
      },
    },
    lastLabelAt: async (deployment, since) =>
      (await deps.labels.labelledSince(deployment, since)).lastReceivedAt,
    expireSegments: (now) => deps.segments.expire(now),
    lease: createControllerLease(),
    clock,
    logger: deps.logger,
    holder: deps.holder ?? `${os.hostname()}:${process.pid}:monitor:${randomUUID().slice(0, 8)}`,
    ...(deps.tickMs !== undefined ? { tickMs: deps.tickMs } : {}),
    ...(deps.graceMs !== undefined ? { graceMs: deps.graceMs } : {}),
  });
  const rules = createAlertRuleService({
    database,
    store: alerts,
    audit: deps.audit,
    clock,
    notices,
    modelOf: async (name) => (await deps.deployments.get(database.db, name))?.model,
    modelExists: async (name) => (await deps.registry.modelId(database.db, name)) !== undefined,
  });
  const metrics = createServerMetrics({
    database,
    windows,
    alerts,
    clock,
    health: () => (deps.enabled ? loop.health : undefined),
  });
  return { loop, alerting, rules, windows, alerts, metrics };
}
