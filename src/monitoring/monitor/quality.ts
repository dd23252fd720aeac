// Model quality of one window from the labels that arrived, streaming: rows are added one at a time, joined to
// their label by request id before they get here. Classification: accuracy, precision, recall and F1 — of the
// positive class when the classes are 0/1 or false/true (sklearn's average="binary", pos_label=1), otherwise the
// unweighted mean over every class seen in labels or predictions (average="macro", zero_division=0) — and ROC
// AUC for binary classes when a probability or confidence was logged. Regression: RMSE and MAE.
// Without a task in the spec: classification when a label or prediction is not a number, or when every value
// is a whole number with at most 10 distinct values; regression otherwise.
import type { QualityMetrics } from "../monitoring.js";

const MAX_CLASSES = 1000;
const AUTO_MAX_CLASSES = 10;

export type Task = QualityMetrics["task"];

/** A label or a prediction as a class name: numbers as their shortest text (1.0 → "1"), booleans as true/false. */
export function classOf(value: number | string | boolean): string {
  return typeof value === "string" ? value : String(value);
}

export interface QualityRow {
  prediction: number | string | boolean;
  label: number | string;
  /** The logged confidence of the predicted class. */
  confidence?: number;
  /** The logged probability per class name (output.proba.<class>). */
  proba?: Record<string, number>;
}

export class QualityAccumulator {
  private n = 0;
  private sqErr = 0;
  private absErr = 0;
  private numeric = true;
  private wholeNumbers = true;
  /** Confusion counts by label class, then predicted class; undefined once there are too many classes. */
  private confusion: Map<string, Map<string, number>> | undefined = new Map();
  private readonly classes = new Set<string>();
  private readonly aucRows: {
    label: string;
    predicted: string;
    confidence?: number;
    proba?: Record<string, number>;
  }[] = [];

  constructor(private readonly task?: Task) {}

  add(row: QualityRow): void {
    this.n++;
    const { prediction, label } = row;
    if (typeof prediction === "number" && typeof label === "number") {
      const d = prediction - label;
      this.sqErr += d * d;
      this.absErr += Math.abs(d);
      if (!Number.isInteger(prediction) || !Number.isInteger(label)) this.wholeNumbers = false;
    } else {
      this.numeric = false;
    }
    if (this.confusion === undefined) return;
    const l = classOf(label);
    const p = classOf(prediction);
    this.classes.add(l);
    this.classes.add(p);
    if (this.classes.size > MAX_CLASSES) {
      this.confusion = undefined;
      this.aucRows.length = 0;
      return;
    }
    const byPrediction = this.confusion.get(l) ?? new Map<string, number>();
    byPrediction.set(p, (byPrediction.get(p) ?? 0) + 1);
    this.confusion.set(l, byPrediction);
    if (row.confidence !== undefined || row.proba !== undefined) {
      this.aucRows.push({
        label: l,
        predicted: p,
        ...(row.confidence !== undefined ? { confidence: row.confidence } : {}),
        ...(row.proba !== undefined ? { proba: row.proba } : {}),
      });
    }
  }

  /** Undefined before any labelled row, or when the task's metrics cannot be computed from what was added. */
  result(): QualityMetrics | undefined {
    if (this.n === 0) return undefined;
    const task = this.task ?? this.autoTask();
    if (task === "regression") {
      if (!this.numeric) return undefined;
      return {
        task,
        labelled: this.n,
        rmse: Math.sqrt(this.sqErr / this.n),
        mae: this.absErr / this.n,
      };
    }
    if (this.confusion === undefined) return undefined;
    return { task, labelled: this.n, ...this.classification(this.confusion) };
  }

  private autoTask(): Task {
    if (!this.numeric) return "classification";
    return this.wholeNumbers && this.classes.size <= AUTO_MAX_CLASSES ? "classification" : "regression";
  }

  private classification(confusion: Map<string, Map<string, number>>) {
    const count = (l: string, p: string): number => confusion.get(l)?.get(p) ?? 0;
    let correct = 0;
    for (const c of this.classes) correct += count(c, c);
    const stats = (c: string) => {
      let predicted = 0;
      let actual = 0;
      for (const l of this.classes) predicted += count(l, c);
      for (const p of this.classes) actual += count(c, p);
      const tp = count(c, c);
      const precision = predicted === 0 ? 0 : tp / predicted;
      const recall = actual === 0 ? 0 : tp / actual;
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return { precision, recall, f1 };
    };
    const accuracy = correct / this.n;
    const positive = positiveClass(this.classes);
    if (positive !== undefined) {
      const auc = this.auc(positive);
      return { accuracy, ...stats(positive), ...(auc !== undefined ? { auc } : {}) };
    }
    const per = [...this.classes].map(stats);
    const mean = (k: "precision" | "recall" | "f1") => per.reduce((s, x) => s + x[k], 0) / per.length;
    return { accuracy, precision: mean("precision"), recall: mean("recall"), f1: mean("f1") };
  }

  /**
   * ROC AUC as the Mann–Whitney statistic (ties count half), on P(positive): the logged probability of the
   * positive class, else the confidence of the predicted class (1 − it when the negative class was predicted).
   * Every labelled row needs a score; undefined otherwise, or when only one class was labelled.
   */
  private auc(positive: string): number | undefined {
    if (this.aucRows.length !== this.n) return undefined;
    const scored = this.aucRows.map((r) => {
      const p = r.proba?.[positive];
      const score =
        p !== undefined
          ? p
          : r.predicted === positive
            ? (r.confidence as number)
            : 1 - (r.confidence as number);
      return { score, positive: r.label === positive };
    });
    if (scored.some((s) => !Number.isFinite(s.score))) return undefined;
    const pos = scored.filter((s) => s.positive).length;
    const neg = scored.length - pos;
    if (pos === 0 || neg === 0) return undefined;
    scored.sort((a, b) => a.score - b.score);
    // Average ranks over ties, then U = (sum of positive ranks) − pos·(pos+1)/2.
    let rankSum = 0;
    for (let i = 0; i < scored.length;) {
      let j = i;
      while (j < scored.length && scored[j]?.score === scored[i]?.score) j++;
      const rank = (i + 1 + j) / 2;
      for (let k = i; k < j; k++) if (scored[k]?.positive) rankSum += rank;
      i = j;
    }
    return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
  }
}

/** "1" for classes within {0, 1}, "true" for classes within {false, true}; undefined for any other set. */
function positiveClass(classes: ReadonlySet<string>): string | undefined {
  const all = [...classes];
  if (all.every((c) => c === "0" || c === "1")) return "1";
  if (all.every((c) => c === "false" || c === "true")) return "true";
  return undefined;
}
