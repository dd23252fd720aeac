// Request and response schemas of monitoring's alert rules, alerts and stored windows
// (/api/flowgate/v1/monitoring/{alert-rules,alerts,deployments/{name}/windows}): the AlertRule, Alert and
// MonitoringWindow shapes of src/monitoring/monitoring.ts as JSON (camelCase, times in epoch ms). A rule's
// fields are checked by the rules service, which names the field and what is allowed.
import type { RouteSchema } from "../../openapi/route-schema.js";
import { EMPTY, bool, double, int64, message, str, type JsonSchema } from "../../openapi/wire-schema.js";

const OBJECT: JsonSchema = { type: "object", additionalProperties: true };
const RULE = { ...OBJECT, description: "An AlertRule (id, name, deployment | model, kind, threshold, …)." };
const ALERT = { ...OBJECT, description: "An Alert (id, ruleId, ruleName, deployment, version, state, …)." };
const WINDOW = {
  ...OBJECT,
  description: "A MonitoringWindow (deployment, version, start, end, rows, drift, methodScores, quality, …).",
};
const KINDS = ["data_drift", "prediction_drift", "quality_drop", "latency_p99_ms", "error_rate"];
const TARGET = {
  deployment: str("The deployment the rule watches (or give model)."),
  model: str("The registered model: the rule watches every deployment of it (or give deployment)."),
};
const MAX_RESULTS = int64("At most this many, newest first (default 1000, at most 10000).");

export const listAlertRules: RouteSchema = {
  summary: "Monitoring alert rules, optionally those of one deployment or model.",
  args: message(TARGET),
  response: message({ rules: { type: "array", items: RULE } }, ["rules"]),
};

export const createAlertRule: RouteSchema = {
  summary: "Create a monitoring alert rule on a deployment or on every deployment of a model.",
  description:
    "kind: data_drift (share of drifting input columns ≥ threshold; with method and optionally column, that " +
    "method's score: distance > threshold or p-value < threshold), prediction_drift (the spec's own test on " +
    "prediction columns, or a method's score), quality_drop (relative drop of metric against the run's " +
    "validation value, e.g. 0.05), latency_p99_ms (ms) or error_rate (a fraction). forWindows consecutive " +
    "windows fire it; rollbackCanary (default true) aborts a canary rollout it fires on.",
  args: message(
    {
      ...TARGET,
      name: str("Shown in alerts and events (default: the kind and method)."),
      kind: { type: "string", enum: KINDS },
      threshold: double("See the description per kind."),
      column: str("data_drift / prediction_drift: only this column."),
      method: str("ks, chisquare, z, psi, kl_div, jensenshannon, wasserstein or hellinger."),
      metric: str("quality_drop: accuracy (default), precision, recall, f1, auc, rmse or mae."),
      forWindows: int64("Consecutive windows over the threshold before firing (default 1)."),
      severity: str("warning (default) or critical."),
      rollbackCanary: bool("Abort a running canary rollout when it fires on the canary (default true)."),
      enabled: bool("Default true."),
    },
    ["kind"],
  ),
  response: message({ rule: RULE }, ["rule"]),
};

export const deleteAlertRule: RouteSchema = {
  summary: "Delete a monitoring alert rule (its alerts stay in the history).",
  params: message({ id: str("The rule's id.") }, ["id"]),
  response: EMPTY,
};

export const presetAlertRules: RouteSchema = {
  summary: "Create the default alert rules on a deployment or a model.",
  description:
    "PSI > 0.2 and KL > 0.1 on any input column, prediction drift, accuracy drop > 5%, p99 latency > 500 ms and " +
    "error rate > 1%. Rules of the same name already there are kept; the answer lists the rules created.",
  args: message(TARGET),
  response: message({ rules: { type: "array", items: RULE } }, ["rules"]),
};

export const listAlerts: RouteSchema = {
  summary: "Monitoring alerts (firing and resolved), newest first.",
  args: message({
    deployment: str("Only this deployment's alerts."),
    state: { type: "string", enum: ["firing", "resolved"] },
    max_results: MAX_RESULTS,
  }),
  response: message({ alerts: { type: "array", items: ALERT } }, ["alerts"]),
};

export const listWindows: RouteSchema = {
  summary: "A deployment's stored monitoring windows, oldest first.",
  params: message({ name: str("The deployment's name.") }, ["name"]),
  args: message({
    from: int64("Windows ending after this time, epoch ms."),
    to: int64("Windows starting before this time, epoch ms."),
    version: str("Only this version."),
    max_results: int64("At most this many (default 1000, at most 10000)."),
  }),
  response: message({ windows: { type: "array", items: WINDOW } }, ["windows"]),
};
