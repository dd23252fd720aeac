// Whether one monitoring window of a version crosses a rule's threshold, pure. A rule that cannot be judged on
// a window (no baseline, no labels yet, no requests observed) answers undefined: it neither fires nor resolves.
//   data_drift, no method: the dataset's share of drifting input columns ≥ threshold (the spec's own tests).
//   data_drift / prediction_drift with a method: the column's score by that method (rule's `column`, else the
//     worst input — or prediction — column): a distance > threshold, or a p-value < threshold.
//   prediction_drift, no method: a prediction column drifts by the spec's own test (value: its score).
//   quality_drop: relative drop of `metric` (default accuracy) against the run's validation value:
//     (expected − observed) / expected, inverted for the errors (rmse, mae) where lower is better; > threshold.
//   latency_p99_ms: the worst replica's p99 in the window's observation windows > threshold.
//   error_rate: errors / requests of the version in those windows > threshold.
import { P_VALUE_METHODS, type AlertRule, type ColumnDrift, type MonitoringWindow } from "../monitoring.js";

/** The version's serving observations summed over the window's observation windows. */
export interface ServingSummary {
  requests: number;
  errors: number;
  p99: number;
}

export interface Judgement {
  value: number;
  threshold: number;
  over: boolean;
  /** What crossed, for the alert's message: "column age psi 0.31 > 0.2". */
  message: string;
}

const LOWER_IS_BETTER = new Set(["rmse", "mae"]);

export function judge(rule: AlertRule, w: MonitoringWindow, serving?: ServingSummary): Judgement | undefined {
  switch (rule.kind) {
    case "data_drift":
      if (rule.method === undefined && rule.column === undefined) {
        if (w.drift === undefined || w.drift.testedColumns === 0) return undefined;
        const share = w.drift.share;
        return {
          value: share,
          threshold: rule.threshold,
          over: share >= rule.threshold,
          message: `${w.drift.driftedColumns} of ${w.drift.testedColumns} input columns drift (share ${round(share)}, threshold ${rule.threshold})`,
        };
      }
      return byColumn(rule, w, "input");
    case "prediction_drift":
      if (rule.method !== undefined) return byColumn(rule, w, "prediction");
      return ownDecision(w);
    case "quality_drop": {
      const metric = rule.metric ?? "accuracy";
      const observed = w.quality?.[metric];
      const expected = w.expectedQuality?.[metric];
      if (observed === undefined || expected === undefined || expected === 0) return undefined;
      const drop = LOWER_IS_BETTER.has(metric)
        ? (observed - expected) / Math.abs(expected)
        : (expected - observed) / Math.abs(expected);
      return {
        value: drop,
        threshold: rule.threshold,
        over: drop > rule.threshold,
        message: `${metric} ${round(observed)} against ${round(expected)} expected (drop ${round(drop * 100)}%, threshold ${round(rule.threshold * 100)}%) on ${w.quality?.labelled ?? 0} labelled rows`,
      };
    }
    case "latency_p99_ms":
      if (serving === undefined || serving.requests === 0) return undefined;
      return {
        value: serving.p99,
        threshold: rule.threshold,
        over: serving.p99 > rule.threshold,
        message: `p99 latency ${round(serving.p99)} ms (threshold ${rule.threshold} ms)`,
      };
    case "error_rate": {
      if (serving === undefined || serving.requests === 0) return undefined;
      const rate = serving.errors / serving.requests;
      return {
        value: rate,
        threshold: rule.threshold,
        over: rate > rule.threshold,
        message: `error rate ${round(rate * 100)}% (${serving.errors} of ${serving.requests} requests; threshold ${round(rule.threshold * 100)}%)`,
      };
    }
  }
}

/** The rule's method applied to its column, or the worst column of the role. */
function byColumn(rule: AlertRule, w: MonitoringWindow, role: ColumnDrift["role"]): Judgement | undefined {
  const scores = [...(w.drift?.columns ?? []), ...(w.methodScores ?? [])].filter(
    (c) =>
      c.role === role &&
      (rule.column === undefined || c.column === rule.column) &&
      (rule.method === undefined || c.method === rule.method),
  );
  if (scores.length === 0) return undefined;
  const pValue = rule.method !== undefined && P_VALUE_METHODS.includes(rule.method);
  const worst = scores.reduce((a, b) => (pValue ? (b.score < a.score ? b : a) : b.score > a.score ? b : a));
  const over =
    rule.method === undefined
      ? worst.drifted
      : pValue
        ? worst.score < rule.threshold
        : worst.score > rule.threshold;
  const threshold = rule.method === undefined ? worst.threshold : rule.threshold;
  return {
    value: worst.score,
    threshold,
    over,
    message: `column ${worst.column} ${worst.method} ${round(worst.score)} ${pValue ? "<" : ">"} ${threshold}${over ? "" : " not crossed"}`,
  };
}

function ownDecision(w: MonitoringWindow): Judgement | undefined {
  const columns = (w.drift?.columns ?? []).filter((c) => c.role === "prediction");
  if (columns.length === 0) return undefined;
  const drifted = columns.find((c) => c.drifted);
  const c = drifted ?? columns[0]!;
  return {
    value: c.score,
    threshold: c.threshold,
    over: drifted !== undefined,
    message: `prediction column ${c.column} ${c.method} ${round(c.score)} (threshold ${c.threshold})${drifted ? " drifts" : " does not drift"}`,
  };
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
