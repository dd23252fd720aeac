// Applies a deployment version's alert rules after its windows were (re)computed: a rule fires when its last
// `forWindows` judgeable windows all cross the threshold and it is not firing yet; a firing alert resolves when
// the latest judgeable window is back under. Each change is one transaction with its audit and webhook records.
// A rule with rollbackCanary firing on the canary of a running canary rollout then aborts it through the
// controller's abort (as a person's abort: the canary loses its traffic at once), the reason naming the alert.
import { randomUUID } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { systemContext } from "../../core/request-context.js";
import type { DeploymentActions } from "../../delivery/controller/deployment-actions.js";
import type { DeploymentStore } from "../../delivery/deployment-store.js";
import type { Database } from "../../store/database.js";
import type { WindowStore } from "../monitor/window-store.js";
import type { Alert, AlertRule, MonitoringWindow } from "../monitoring.js";
import type { AlertNotices } from "./alert-notices.js";
import type { AlertStore } from "./alert-store.js";
import { judge, type Judgement, type ServingSummary } from "./rule-evaluation.js";

/** How far back a rule looks for judgeable windows (labels arrive late; some windows have none). */
const LOOKBACK_WINDOWS = 48;

export interface AlertingDeps {
  database: Database;
  alerts: AlertStore;
  windows: WindowStore;
  deployments: DeploymentStore;
  notices: AlertNotices;
  /** The controller's rollout actions: an alert on a canary aborts through them. */
  actions: Pick<DeploymentActions, "apply">;
  clock: Clock;
  logger: Logger;
}

export interface AlertChange {
  alert: Alert;
  change: "fired" | "resolved";
}

export interface Alerting {
  /** Judges every enabled rule of the deployment (its own and its model's) on the version's latest windows. */
  evaluate(deployment: { name: string; model: string }, version: string): Promise<AlertChange[]>;
}

export function createAlerting(deps: AlertingDeps): Alerting {
  const { database, alerts, windows, clock } = deps;

  async function serving(name: string, version: string, w: MonitoringWindow): Promise<ServingSummary> {
    const observed = await deps.deployments.observations(database.db, name, w.start, w.end);
    const s: ServingSummary = { requests: 0, errors: 0, p99: 0 };
    for (const o of observed)
      for (const v of o.versions) {
        if (v.version !== version) continue;
        s.requests += v.requests;
        s.errors += v.errors;
        s.p99 = Math.max(s.p99, v.latencyMs.p99);
      }
    return s;
  }

  async function judgements(
    rule: AlertRule,
    name: string,
    version: string,
    recent: MonitoringWindow[],
  ): Promise<{ window: MonitoringWindow; j: Judgement }[]> {
    const wanted = rule.forWindows ?? 1;
    const out: { window: MonitoringWindow; j: Judgement }[] = [];
    for (const w of recent) {
      const s =
        rule.kind === "latency_p99_ms" || rule.kind === "error_rate"
          ? await serving(name, version, w)
          : undefined;
      const j = judge(rule, w, s);
      if (j !== undefined) out.push({ window: w, j });
      if (out.length === wanted) break;
    }
    return out;
  }

  async function abortCanary(
    d: { name: string; model: string },
    version: string,
    alert: Alert,
  ): Promise<boolean> {
    const db = database.db;
    const state = await deps.deployments.getState(db, d.name);
    if (state === undefined || (state.phase !== "Progressing" && state.phase !== "Paused")) return false;
    const spec = (await deps.deployments.revision(db, d.name, state.revision))?.spec;
    const s = spec?.strategy;
    if (s === undefined || !("canary" in s) || s.canary.version !== version) return false;
    await deps.actions.apply(systemContext(), d.name, {
      kind: "abort",
      reason: `alert '${alert.ruleName}' fired on canary version ${version}: ${alert.message}`,
    });
    await alerts.markRolledBack(db, alert.id);
    return true;
  }

  return {
    async evaluate(d, version) {
      const rules = await alerts.rulesFor(database.db, d.name, d.model);
      if (rules.length === 0) return [];
      const recent = await windows.recent(
        database.db,
        d.name,
        version,
        Number.MAX_SAFE_INTEGER,
        LOOKBACK_WINDOWS,
      );
      const changes: AlertChange[] = [];
      for (const rule of rules) {
        const judged = await judgements(rule, d.name, version, recent);
        const latest = judged[0];
        if (latest === undefined) continue;
        const firing = await alerts.firing(database.db, rule.id, d.name, version);
        const now = clock.now();
        if (
          firing === undefined &&
          judged.length === (rule.forWindows ?? 1) &&
          judged.every((x) => x.j.over)
        ) {
          const alert: Alert = {
            id: randomUUID(),
            ruleId: rule.id,
            ruleName: rule.name,
            deployment: d.name,
            version,
            kind: rule.kind,
            severity: rule.severity,
            state: "firing",
            value: latest.j.value,
            threshold: latest.j.threshold,
            message: `${rule.name} on ${d.name} version ${version}: ${latest.j.message}`,
            windowStart: latest.window.start,
            windowEnd: latest.window.end,
            firedAt: now,
          };
          await database.transaction(async (trx) => {
            await alerts.insertAlert(trx, alert);
            await deps.notices.record(trx, alert, d.model);
          });
          changes.push({ alert, change: "fired" });
          if (rule.rollbackCanary) {
            try {
              if (await abortCanary(d, version, alert)) alert.rolledBack = true;
            } catch (err) {
              deps.logger.error(
                { err, deployment: d.name, alert: alert.id },
                "aborting the canary for an alert failed",
              );
            }
          }
        } else if (firing !== undefined && !latest.j.over) {
          const resolved: Alert = { ...firing, state: "resolved", resolvedAt: now };
          const done = await database.transaction(async (trx) => {
            if (!(await alerts.resolve(trx, firing.id, now))) return false;
            await deps.notices.record(trx, resolved, d.model);
            return true;
          });
          if (done) changes.push({ alert: resolved, change: "resolved" });
        }
      }
      return changes;
    },
  };
}
