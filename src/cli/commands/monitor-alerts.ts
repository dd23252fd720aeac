// `flowgate monitor alerts`: the alert rules of a deployment or model (the seed's defaults in one command, or
// the rules in force) and the alerts they raised, firing or resolved. Thin: every call is the native API's.
import Table from "cli-table3";
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import type { Alert, AlertRule } from "../../monitoring/monitoring.js";
import { apiCall, serverOptions, type ServerCallOptions } from "./server-client.js";

interface ScopeFlags extends ServerCallOptions {
  deployment?: string;
  model?: string;
}

const iso = (ms: number | undefined): string =>
  ms === undefined ? "–" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A table, coloured only on a terminal: a pipe or a file gets plain text. */
function table(head: string[]): InstanceType<typeof Table> {
  return new Table(process.stdout.isTTY ? { head } : { head, style: { head: [], border: [] } });
}

function scope(flags: ScopeFlags): { deployment?: string; model?: string } {
  return {
    ...(flags.deployment !== undefined ? { deployment: flags.deployment } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
  };
}

export function rulesText(rules: AlertRule[]): string {
  if (rules.length === 0) return "No alert rules.";
  const t = table(["rule", "applies to", "kind", "threshold", "severity", "canary rollback"]);
  for (const r of rules) {
    const what = [r.kind, r.method, r.column && `on ${r.column}`, r.metric].filter(Boolean).join(" ");
    t.push([
      r.name,
      r.deployment ?? `model ${r.model ?? ""}`,
      what,
      String(r.threshold),
      r.severity,
      r.rollbackCanary ? "yes" : "no",
    ]);
  }
  return t.toString();
}

export function alertsText(alerts: Alert[]): string {
  if (alerts.length === 0) return "No alerts.";
  const t = table(["state", "deployment", "version", "rule", "value / threshold", "fired", "resolved"]);
  for (const a of alerts) {
    t.push([
      a.rolledBack === true ? `${a.state} (canary rolled back)` : a.state,
      a.deployment,
      a.version,
      a.ruleName,
      `${Number(a.value.toPrecision(4))} / ${a.threshold}`,
      iso(a.firedAt),
      iso(a.resolvedAt),
    ]);
  }
  return t.toString();
}

export function registerMonitorAlertsCommand(monitor: Command): void {
  const alerts = monitor.command("alerts").description("Alert rules and the alerts they raised");
  serverOptions(
    alerts
      .command("preset")
      .description(
        "Add the default rules to a deployment or to every deployment of a model: PSI > 0.2 and KL > 0.1 on " +
          "an input column, prediction drift, accuracy drop > 5%, p99 latency > 500 ms, error rate > 1%",
      )
      .option("--deployment <name>", "the deployment the rules watch")
      .option("--model <name>", "…or a registered model: the rules watch each of its deployments"),
  ).action(async (flags: ScopeFlags) => {
    if ((flags.deployment === undefined) === (flags.model === undefined)) {
      throw invalidParameter("Give exactly one of --deployment <name> or --model <name>.");
    }
    const res = await apiCall(flags, "POST", "monitoring/alert-rules/preset", scope(flags));
    const { rules } = (await res.json()) as { rules: AlertRule[] };
    process.stdout.write(flags.json === true ? `${JSON.stringify(rules)}\n` : `${rulesText(rules)}\n`);
  });
  serverOptions(
    alerts
      .command("rules")
      .description("List the alert rules (of one deployment or model)")
      .option("--deployment <name>", "only this deployment's rules")
      .option("--model <name>", "only this model's rules"),
  ).action(async (flags: ScopeFlags) => {
    const res = await apiCall(flags, "GET", "monitoring/alert-rules", scope(flags));
    const { rules } = (await res.json()) as { rules: AlertRule[] };
    process.stdout.write(flags.json === true ? `${JSON.stringify(rules)}\n` : `${rulesText(rules)}\n`);
  });
  serverOptions(
    alerts
      .command("list")
      .description("List alerts, newest first")
      .option("--deployment <name>", "only this deployment's alerts")
      .option("--state <state>", "firing or resolved"),
  ).action(async (flags: ServerCallOptions & { deployment?: string; state?: string }) => {
    if (flags.state !== undefined && flags.state !== "firing" && flags.state !== "resolved") {
      throw invalidParameter(`--state must be firing or resolved, not '${flags.state}'.`);
    }
    const res = await apiCall(flags, "GET", "monitoring/alerts", {
      ...(flags.deployment !== undefined ? { deployment: flags.deployment } : {}),
      ...(flags.state !== undefined ? { state: flags.state } : {}),
    });
    const body = (await res.json()) as { alerts: Alert[] };
    process.stdout.write(
      flags.json === true ? `${JSON.stringify(body.alerts)}\n` : `${alertsText(body.alerts)}\n`,
    );
  });
}
