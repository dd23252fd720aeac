// Monitoring's computed windows (one row per deployment, version and window start: recomputing a window when
// late labels arrive overwrites it), alert rules, and alerts (firing and resolved: the history). Frozen once
// shipped.
import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  const s = db.schema;
  await s
    .createTable("monitoring_windows")
    .addColumn("deployment", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("start_ms", d.bigint, (c) => c.notNull())
    .addColumn("end_ms", d.bigint, (c) => c.notNull())
    .addColumn("rows", "integer", (c) => c.notNull())
    .addColumn("drift", "text")
    .addColumn("method_scores", "text")
    .addColumn("quality", "text")
    .addColumn("expected_quality", "text")
    .addColumn("computed_at", d.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("monitoring_windows_pk", ["deployment", "version", "start_ms"])
    .execute();
  await s
    .createIndex("monitoring_windows_end")
    .on("monitoring_windows")
    .columns(["deployment", "end_ms"])
    .execute();
  await s
    .createTable("monitoring_alert_rules")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("deployment", "text")
    .addColumn("model", "text")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("threshold", d.double, (c) => c.notNull())
    .addColumn("column_name", "text")
    .addColumn("method", "text")
    .addColumn("metric", "text")
    .addColumn("for_windows", "integer", (c) => c.notNull())
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("rollback_canary", "integer", (c) => c.notNull())
    .addColumn("enabled", "integer", (c) => c.notNull())
    .addColumn("created_at", d.bigint, (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .execute();
  await s
    .createTable("monitoring_alerts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("rule_id", "text", (c) => c.notNull())
    .addColumn("rule_name", "text", (c) => c.notNull())
    .addColumn("deployment", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("value", d.double, (c) => c.notNull())
    .addColumn("threshold", d.double, (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("window_start", d.bigint, (c) => c.notNull())
    .addColumn("window_end", d.bigint, (c) => c.notNull())
    .addColumn("fired_at", d.bigint, (c) => c.notNull())
    .addColumn("resolved_at", d.bigint)
    .addColumn("rolled_back", "integer", (c) => c.notNull())
    .execute();
  await s
    .createIndex("monitoring_alerts_deployment")
    .on("monitoring_alerts")
    .columns(["deployment", "fired_at"])
    .execute();
  await s
    .createIndex("monitoring_alerts_rule")
    .on("monitoring_alerts")
    .columns(["rule_id", "deployment", "version", "state"])
    .execute();
}
