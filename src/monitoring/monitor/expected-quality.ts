// What quality the version promised: its run's validation metrics, by name. For each quality metric the first
// run metric found (case-insensitive) wins, trying the validation prefixes before the bare name —
// `val_`, `validation_`, `eval_`, `test_`, then none — and for each prefix the metric's names as MLflow and
// sklearn autologging and mlflow.evaluate write them: accuracy | accuracy_score; precision | precision_score;
// recall | recall_score; f1 | f1_score; auc | roc_auc | roc_auc_score; rmse | root_mean_squared_error;
// mae | mean_absolute_error. Training metrics (`training_…`) are never taken: they are not what to expect.
import type { MonitoringWindow } from "../monitoring.js";

export type ExpectedQuality = NonNullable<MonitoringWindow["expectedQuality"]>;

const NAMES: Record<keyof ExpectedQuality, readonly string[]> = {
  accuracy: ["accuracy", "accuracy_score"],
  precision: ["precision", "precision_score"],
  recall: ["recall", "recall_score"],
  f1: ["f1", "f1_score"],
  auc: ["auc", "roc_auc", "roc_auc_score"],
  rmse: ["rmse", "root_mean_squared_error"],
  mae: ["mae", "mean_absolute_error"],
};

const PREFIXES = ["val_", "validation_", "eval_", "test_", ""] as const;

/** Undefined when the run logged none of them. */
export function expectedQuality(runMetrics: Record<string, number>): ExpectedQuality | undefined {
  const byKey = new Map(Object.entries(runMetrics).map(([k, v]) => [k.toLowerCase(), v]));
  const expected: ExpectedQuality = {};
  for (const [metric, names] of Object.entries(NAMES) as [keyof ExpectedQuality, readonly string[]][]) {
    found: for (const prefix of PREFIXES) {
      for (const name of names) {
        const v = byKey.get(prefix + name);
        if (v !== undefined && Number.isFinite(v)) {
          expected[metric] = v;
          break found;
        }
      }
    }
  }
  return Object.keys(expected).length === 0 ? undefined : expected;
}
