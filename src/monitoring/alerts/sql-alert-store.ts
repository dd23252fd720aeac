// Kysely implementation of AlertStore (SQLite and PostgreSQL); rows become rules and alerts only here.
import type { Executor } from "../../store/database.js";
import type { Alert, AlertRule } from "../monitoring.js";
import type { AlertStore } from "./alert-store.js";

interface RulesTable {
  id: string;
  name: string;
  deployment: string | null;
  model: string | null;
  kind: string;
  threshold: number;
  column_name: string | null;
  method: string | null;
  metric: string | null;
  for_windows: number;
  severity: string;
  /** 0/1 */
  rollback_canary: number;
  /** 0/1 */
  enabled: number;
  created_at: number;
  created_by: string;
}

interface AlertsTable {
  id: string;
  rule_id: string;
  rule_name: string;
  deployment: string;
  version: string;
  kind: string;
  severity: string;
  state: string;
  value: number;
  threshold: number;
  message: string;
  window_start: number;
  window_end: number;
  fired_at: number;
  resolved_at: number | null;
  /** 0/1 */
  rolled_back: number;
}

function tables(x: Executor) {
  return x.withTables<{ monitoring_alert_rules: RulesTable; monitoring_alerts: AlertsTable }>();
}

function toRule(r: RulesTable): AlertRule {
  return {
    id: r.id,
    name: r.name,
    ...(r.deployment !== null ? { deployment: r.deployment } : {}),
    ...(r.model !== null ? { model: r.model } : {}),
    kind: r.kind as AlertRule["kind"],
    threshold: Number(r.threshold),
    ...(r.column_name !== null ? { column: r.column_name } : {}),
    ...(r.method !== null ? { method: r.method as NonNullable<AlertRule["method"]> } : {}),
    ...(r.metric !== null ? { metric: r.metric as NonNullable<AlertRule["metric"]> } : {}),
    forWindows: Number(r.for_windows),
    severity: r.severity as AlertRule["severity"],
    rollbackCanary: Number(r.rollback_canary) === 1,
    enabled: Number(r.enabled) === 1,
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
  };
}

function ruleRow(r: AlertRule): RulesTable {
  return {
    id: r.id,
    name: r.name,
    deployment: r.deployment ?? null,
    model: r.model ?? null,
    kind: r.kind,
    threshold: r.threshold,
    column_name: r.column ?? null,
    method: r.method ?? null,
    metric: r.metric ?? null,
    for_windows: r.forWindows ?? 1,
    severity: r.severity,
    rollback_canary: r.rollbackCanary ? 1 : 0,
    enabled: r.enabled ? 1 : 0,
    created_at: r.createdAt,
    created_by: r.createdBy,
  };
}

function toAlert(r: AlertsTable): Alert {
  return {
    id: r.id,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    deployment: r.deployment,
    version: r.version,
    kind: r.kind as Alert["kind"],
    severity: r.severity as Alert["severity"],
    state: r.state as Alert["state"],
    value: Number(r.value),
    threshold: Number(r.threshold),
    message: r.message,
    windowStart: Number(r.window_start),
    windowEnd: Number(r.window_end),
    firedAt: Number(r.fired_at),
    ...(r.resolved_at !== null ? { resolvedAt: Number(r.resolved_at) } : {}),
    ...(Number(r.rolled_back) === 1 ? { rolledBack: true } : {}),
  };
}

export function createSqlAlertStore(): AlertStore {
  return {
    async insertRule(x, r) {
      await tables(x).insertInto("monitoring_alert_rules").values(ruleRow(r)).execute();
    },
    async rule(x, id) {
      const r = await tables(x)
        .selectFrom("monitoring_alert_rules")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return r === undefined ? undefined : toRule(r);
    },
    async rules(x, q = {}) {
      let query = tables(x).selectFrom("monitoring_alert_rules").selectAll();
      if (q.deployment !== undefined) query = query.where("deployment", "=", q.deployment);
      if (q.model !== undefined) query = query.where("model", "=", q.model);
      const rows = await query.orderBy("created_at").orderBy("id").execute();
      return rows.map(toRule);
    },
    async rulesFor(x, deployment, model) {
      const rows = await tables(x)
        .selectFrom("monitoring_alert_rules")
        .selectAll()
        .where("enabled", "=", 1)
        .where((eb) => eb.or([eb("deployment", "=", deployment), eb("model", "=", model)]))
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toRule);
    },
    async deleteRule(x, id) {
      const res = await tables(x)
        .deleteFrom("monitoring_alert_rules")
        .where("id", "=", id)
        .executeTakeFirst();
      return Number(res.numDeletedRows) === 1;
    },
    async insertAlert(x, a) {
      await tables(x)
        .insertInto("monitoring_alerts")
        .values({
          id: a.id,
          rule_id: a.ruleId,
          rule_name: a.ruleName,
          deployment: a.deployment,
          version: a.version,
          kind: a.kind,
          severity: a.severity,
          state: a.state,
          value: a.value,
          threshold: a.threshold,
          message: a.message,
          window_start: a.windowStart,
          window_end: a.windowEnd,
          fired_at: a.firedAt,
          resolved_at: a.resolvedAt ?? null,
          rolled_back: a.rolledBack === true ? 1 : 0,
        })
        .execute();
    },
    async firing(x, ruleId, deployment, version) {
      const r = await tables(x)
        .selectFrom("monitoring_alerts")
        .selectAll()
        .where("rule_id", "=", ruleId)
        .where("deployment", "=", deployment)
        .where("version", "=", version)
        .where("state", "=", "firing")
        .executeTakeFirst();
      return r === undefined ? undefined : toAlert(r);
    },
    async firingOf(x, ruleId) {
      const rows = await tables(x)
        .selectFrom("monitoring_alerts")
        .selectAll()
        .where("rule_id", "=", ruleId)
        .where("state", "=", "firing")
        .orderBy("fired_at")
        .execute();
      return rows.map(toAlert);
    },
    async resolve(x, id, resolvedAt) {
      const res = await tables(x)
        .updateTable("monitoring_alerts")
        .set({ state: "resolved", resolved_at: resolvedAt })
        .where("id", "=", id)
        .where("state", "=", "firing")
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async markRolledBack(x, id) {
      await tables(x).updateTable("monitoring_alerts").set({ rolled_back: 1 }).where("id", "=", id).execute();
    },
    async alerts(x, q) {
      let query = tables(x).selectFrom("monitoring_alerts").selectAll();
      if (q.deployment !== undefined) query = query.where("deployment", "=", q.deployment);
      if (q.state !== undefined) query = query.where("state", "=", q.state);
      if (q.overlapping !== undefined) {
        query = query
          .where("window_end", ">", q.overlapping.from)
          .where("window_start", "<", q.overlapping.to);
      }
      const rows = await query.orderBy("fired_at", "desc").orderBy("id").limit(q.limit).execute();
      return rows.map(toAlert);
    },
    async firingCounts(x) {
      const rows = await tables(x)
        .selectFrom("monitoring_alerts")
        .select((eb) => ["deployment", "rule_name", eb.fn.countAll<number>().as("n")])
        .where("state", "=", "firing")
        .groupBy(["deployment", "rule_name"])
        .execute();
      return rows.map((r) => ({ deployment: r.deployment, rule: r.rule_name, count: Number(r.n) }));
    },
  };
}
