// Quality from labelled rows: the numbers sklearn gives for the same labels and predictions (values worked out
// by hand below, and checked with sklearn.metrics), binary vs macro averaging, AUC from logged probabilities or
// confidences, regression errors, and the task chosen from the values when the spec does not say.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { QualityAccumulator, type QualityRow } from "../../../src/monitoring/monitor/quality.js";

function quality(rows: QualityRow[], task?: "classification" | "regression") {
  const q = new QualityAccumulator(task);
  for (const r of rows) q.add(r);
  return q.result();
}

const close = (a: number | undefined, b: number) =>
  assert.ok(Math.abs((a ?? NaN) - b) < 1e-12, `${a} ≈ ${b}`);

describe("classification quality", () => {
  it("binary 0/1 classes: accuracy, and precision, recall, F1 of class 1 (sklearn's average='binary')", () => {
    // y = 1 1 1 0 0 0, p = 1 1 0 1 0 0: tp 2, fp 1, fn 1.
    const y = [1, 1, 1, 0, 0, 0];
    const p = [1, 1, 0, 1, 0, 0];
    const q = quality(y.map((label, i) => ({ label, prediction: p[i]! })));
    assert.equal(q?.task, "classification");
    assert.equal(q?.labelled, 6);
    close(q?.accuracy, 4 / 6);
    close(q?.precision, 2 / 3);
    close(q?.recall, 2 / 3);
    close(q?.f1, 2 / 3);
    assert.equal(q?.auc, undefined, "no AUC without a logged probability or confidence");
  });

  it("labels sent as text and predictions as numbers are the same classes ('1' = 1)", () => {
    const q = quality([
      { label: "1", prediction: 1 },
      { label: "0", prediction: 0 },
    ]);
    assert.equal(q?.accuracy, 1);
  });

  it("other class sets: the unweighted mean over every class seen (average='macro', zero_division=0)", () => {
    // y = a a b c, p = a b b b: a P1 R.5 F2/3; b P1/3 R1 F.5; c P0 R0 F0.
    const y = ["a", "a", "b", "c"];
    const p = ["a", "b", "b", "b"];
    const q = quality(y.map((label, i) => ({ label, prediction: p[i]! })));
    close(q?.accuracy, 0.5);
    close(q?.precision, (1 + 1 / 3 + 0) / 3);
    close(q?.recall, (0.5 + 1 + 0) / 3);
    close(q?.f1, (2 / 3 + 0.5 + 0) / 3);
  });

  it("AUC from the positive class' probability, ties counting half (sklearn's roc_auc_score)", () => {
    // y = 0 0 1 1, scores .1 .4 .35 .8 → 0.75 (sklearn's example); a tie .4/.4 adds half a pair.
    const rows = [0, 0, 1, 1].map((label, i) => ({
      label,
      prediction: [0, 0, 0, 1][i]!,
      proba: { "1": [0.1, 0.4, 0.35, 0.8][i]! },
    }));
    close(quality(rows)?.auc, 0.75);
    const tied = rows.map((r, i) => (i === 2 ? { ...r, proba: { "1": 0.4 } } : r));
    close(quality(tied)?.auc, 0.875);
  });

  it("AUC from the predicted class' confidence: P(1) is 1 − confidence when 0 was predicted", () => {
    const q = quality([
      { label: 0, prediction: 0, confidence: 0.9 }, // P(1) .1
      { label: 0, prediction: 1, confidence: 0.6 }, // .6
      { label: 1, prediction: 0, confidence: 0.65 }, // .35
      { label: 1, prediction: 1, confidence: 0.8 }, // .8
    ]);
    close(q?.auc, 0.75);
  });
});

describe("regression quality", () => {
  it("RMSE and MAE", () => {
    const q = quality(
      [
        { label: 3, prediction: 2.5 },
        { label: -0.5, prediction: 0 },
        { label: 2, prediction: 2 },
        { label: 7, prediction: 8 },
      ],
      "regression",
    );
    close(q?.mae, 0.5);
    close(q?.rmse, Math.sqrt(0.375));
  });

  it("is the task chosen without a spec when values are not whole numbers", () => {
    assert.equal(quality([{ label: 1.5, prediction: 1.25 }])?.task, "regression");
    assert.equal(quality([{ label: 2, prediction: 1 }])?.task, "classification");
  });
});

it("is undefined before any labelled row", () => {
  assert.equal(quality([]), undefined);
});
