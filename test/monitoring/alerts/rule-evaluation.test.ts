// How one window is judged against a rule: drift share, a method's score on any input column, the spec's own
// prediction-drift decision, relative quality drop (inverted for errors), serving p99 and error rate; and a
// rule that cannot be judged (no baseline, no labels, no requests) says so instead of passing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { judge } from "../../../src/monitoring/alerts/rule-evaluation.js";
import type { AlertRule, ColumnDrift, MonitoringWindow } from "../../../src/monitoring/monitoring.js";

function rule(r: Partial<AlertRule> & Pick<AlertRule, "kind" | "threshold">): AlertRule {
  return {
    id: "r",
    name: "r",
    deployment: "d",
    severity: "warning",
    rollbackCanary: true,
    enabled: true,
    createdAt: 0,
    createdBy: "t",
    ...r,
  };
}

function column(c: Partial<ColumnDrift> & Pick<ColumnDrift, "column" | "method" | "score">): ColumnDrift {
  return {
    role: "input",
    kind: "numeric",
    threshold: 0.1,
    warnThreshold: 0.05,
    drifted: false,
    level: "ok",
    referenceRows: 100,
    currentRows: 100,
    ...c,
  };
}

const window: MonitoringWindow = {
  deployment: "d",
  version: "1",
  start: 0,
  end: 1,
  rows: 100,
  drift: {
    columns: [
      column({ column: "age", method: "wasserstein", score: 0.3, drifted: true }),
      column({ column: "city", method: "jensenshannon", score: 0.01, kind: "categorical" }),
      column({
        column: "prediction",
        method: "jensenshannon",
        score: 0.2,
        role: "prediction",
        drifted: true,
      }),
    ],
    driftedColumns: 1,
    testedColumns: 2,
    share: 0.5,
    driftShare: 0.5,
    drifted: true,
    level: "alert",
    predictionLevel: "alert",
  },
  methodScores: [
    column({ column: "age", method: "psi", score: 0.31 }),
    column({ column: "city", method: "psi", score: 0.05 }),
  ],
  quality: { task: "classification", labelled: 50, accuracy: 0.8, rmse: 1.2 },
  expectedQuality: { accuracy: 0.9, rmse: 1 },
  computedAt: 1,
};

describe("drift rules", () => {
  it("dataset share against the threshold", () => {
    assert.equal(judge(rule({ kind: "data_drift", threshold: 0.5 }), window)?.over, true);
    assert.equal(judge(rule({ kind: "data_drift", threshold: 0.6 }), window)?.over, false);
  });

  it("PSI > 0.2 on any input column: the worst column by that method, named in the message", () => {
    const j = judge(rule({ kind: "data_drift", method: "psi", threshold: 0.2 }), window);
    assert.equal(j?.over, true);
    assert.equal(j?.value, 0.31);
    assert.match(j?.message ?? "", /column age psi 0.31/);
    assert.equal(
      judge(rule({ kind: "data_drift", method: "psi", column: "city", threshold: 0.2 }), window)?.over,
      false,
    );
  });

  it("prediction drift without a method follows the spec's own decision on the prediction columns", () => {
    assert.equal(judge(rule({ kind: "prediction_drift", threshold: 0 }), window)?.over, true);
  });

  it("cannot be judged without a baseline (no drift in the window)", () => {
    const bare: MonitoringWindow = { ...window, drift: undefined, methodScores: undefined };
    assert.equal(judge(rule({ kind: "data_drift", threshold: 0.5 }), bare), undefined);
    assert.equal(judge(rule({ kind: "data_drift", method: "psi", threshold: 0.2 }), bare), undefined);
  });
});

describe("quality and serving rules", () => {
  it("accuracy drop relative to the run's validation accuracy; for RMSE a rise is the drop", () => {
    const acc = judge(rule({ kind: "quality_drop", metric: "accuracy", threshold: 0.05 }), window);
    assert.ok(Math.abs((acc?.value ?? 0) - 1 / 9) < 1e-12);
    assert.equal(acc?.over, true);
    const rmse = judge(rule({ kind: "quality_drop", metric: "rmse", threshold: 0.25 }), window);
    assert.ok(Math.abs((rmse?.value ?? 0) - 0.2) < 1e-12);
    assert.equal(rmse?.over, false);
    assert.equal(judge(rule({ kind: "quality_drop", metric: "auc", threshold: 0.05 }), window), undefined);
  });

  it("p99 latency and error rate from the serving observations; no requests, no judgement", () => {
    const serving = { requests: 1000, errors: 20, p99: 612 };
    assert.equal(judge(rule({ kind: "latency_p99_ms", threshold: 500 }), window, serving)?.over, true);
    assert.equal(judge(rule({ kind: "error_rate", threshold: 0.01 }), window, serving)?.value, 0.02);
    assert.equal(
      judge(rule({ kind: "error_rate", threshold: 0.01 }), window, { requests: 0, errors: 0, p99: 0 }),
      undefined,
    );
  });
});
