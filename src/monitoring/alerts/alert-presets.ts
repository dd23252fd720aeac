// The seed's default alert rules, as `POST …/alert-rules/preset` creates them for a deployment or a model:
// PSI > 0.2 and KL > 0.1 on any input column (seed 002's table), prediction drift (the spec's own test on the
// prediction columns), an accuracy drop of more than 5% against the run's validation accuracy, and Flagger's
// built-in checks: p99 latency over 500 ms and an error rate over 1%.
import type { AlertRule } from "../monitoring.js";

export type PresetRule = Pick<
  AlertRule,
  "name" | "kind" | "threshold" | "method" | "metric" | "severity" | "rollbackCanary"
>;

export const PRESET_RULES: readonly PresetRule[] = [
  {
    name: "input drift (PSI)",
    kind: "data_drift",
    method: "psi",
    threshold: 0.2,
    severity: "warning",
    rollbackCanary: true,
  },
  {
    name: "input drift (KL)",
    kind: "data_drift",
    method: "kl_div",
    threshold: 0.1,
    severity: "warning",
    rollbackCanary: true,
  },
  {
    name: "prediction drift",
    kind: "prediction_drift",
    threshold: 0,
    severity: "warning",
    rollbackCanary: true,
  },
  {
    name: "accuracy drop",
    kind: "quality_drop",
    metric: "accuracy",
    threshold: 0.05,
    severity: "critical",
    rollbackCanary: true,
  },
  { name: "p99 latency", kind: "latency_p99_ms", threshold: 500, severity: "critical", rollbackCanary: true },
  { name: "error rate", kind: "error_rate", threshold: 0.01, severity: "critical", rollbackCanary: true },
];
