// Argo Rollouts' analysis semantics, pure: how one reading becomes a Measurement (Successful, Failed,
// Inconclusive, Error) and how a running analysis' counters decide its phase. No data is a failure, never a
// pass: a canary that served nothing has proven nothing.
import type { AnalysisTemplate, Measurement, RolloutState } from "../deployment.js";
import { evaluateCondition } from "../condition.js";
import type { MetricReading } from "./metric-source.js";

export type RunningAnalysis = RolloutState["analyses"][number];

/** Argo's default: errors in a row tolerated before the analysis is Error. */
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;

/**
 * Measurements kept per analysis (the latest; the counters count them all). A background analysis measuring
 * every second for days would otherwise make the state, rewritten at each measurement, grow without bound.
 */
export const MAX_KEPT_MEASUREMENTS = 1000;

/** A reading taken for a template, with when it was taken. */
export interface TakenReading {
  template: string;
  reading: MetricReading;
  startedAt: number;
  finishedAt: number;
}

/** Judges one reading against the template's conditions, as Argo does. */
export function judge(template: AnalysisTemplate, taken: TakenReading): Measurement {
  const base: Measurement = {
    template: template.name,
    phase: "Error",
    ...(template.successCondition !== undefined ? { successCondition: template.successCondition } : {}),
    ...(template.failureCondition !== undefined ? { failureCondition: template.failureCondition } : {}),
    startedAt: taken.startedAt,
    finishedAt: taken.finishedAt,
  };
  const r = taken.reading;
  if ("error" in r) return { ...base, phase: "Error", message: r.error };
  if ("noData" in r) return { ...base, phase: "Failed", message: `no data: ${r.noData}` };
  const value = r.value;
  try {
    const failed =
      template.failureCondition !== undefined && evaluateCondition(template.failureCondition, value);
    const succeeded =
      template.successCondition !== undefined && evaluateCondition(template.successCondition, value);
    return { ...base, value, phase: phaseOf(template, failed, succeeded) };
  } catch (err) {
    return { ...base, value, phase: "Error", message: (err as Error).message };
  }
}

function phaseOf(template: AnalysisTemplate, failed: boolean, succeeded: boolean): Measurement["phase"] {
  if (failed) return "Failed";
  if (succeeded) return "Successful";
  const hasSuccess = template.successCondition !== undefined;
  const hasFailure = template.failureCondition !== undefined;
  // Both given and neither true: the value sits between the thresholds.
  if (hasSuccess && hasFailure) return "Inconclusive";
  if (hasSuccess) return "Failed";
  // Only a failure condition, not met; or no condition at all (a measure-only metric, as Argo).
  return "Successful";
}

/** Interval between measurements (default 30 s, as Argo). */
export function intervalMs(template: AnalysisTemplate): number {
  return durationMs(template.interval ?? "30s");
}

/** "30s", "5m", "1h", "2d", "250ms" or a number of seconds → milliseconds. */
export function durationMs(d: string | number): number {
  if (typeof d === "number") return d * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(d.trim());
  if (m === null) throw new Error(`Invalid duration '${d}': write e.g. "30s", "5m", "1h" or "2d".`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "s"] ?? 1000;
  return n * unit;
}

/** A new analysis; its first measurement is due at `firstAt`. */
export function startAnalysis(
  template: string,
  background: boolean,
  stepIndex: number | undefined,
  firstAt: number,
): RunningAnalysis {
  return {
    template,
    background,
    ...(stepIndex !== undefined ? { stepIndex } : {}),
    measurements: [],
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveErrors: 0,
    nextAt: firstAt,
    phase: "Running",
  };
}

/**
 * Adds a measurement to a running analysis and decides its phase: Failed past failureLimit, Error past
 * consecutiveErrorLimit errors in a row, Inconclusive past inconclusiveLimit, Successful once `count` judged
 * measurements are in (a step analysis takes 1 by default; a background one runs until the rollout ends).
 */
export function record(
  analysis: RunningAnalysis,
  template: AnalysisTemplate,
  m: Measurement,
): RunningAnalysis {
  const next: RunningAnalysis = {
    ...analysis,
    measurements: [...analysis.measurements, m].slice(-MAX_KEPT_MEASUREMENTS),
    nextAt: m.finishedAt + intervalMs(template),
  };
  switch (m.phase) {
    case "Successful":
      next.successful += 1;
      next.consecutiveErrors = 0;
      break;
    case "Failed":
      next.failed += 1;
      next.consecutiveErrors = 0;
      break;
    case "Inconclusive":
      next.inconclusive += 1;
      next.consecutiveErrors = 0;
      break;
    case "Error":
      next.error += 1;
      next.consecutiveErrors += 1;
      break;
  }
  const count = template.count ?? (analysis.background ? undefined : 1);
  if (next.failed > (template.failureLimit ?? 0)) next.phase = "Failed";
  else if (next.consecutiveErrors > (template.consecutiveErrorLimit ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT)) {
    next.phase = "Error";
  } else if (next.inconclusive > (template.inconclusiveLimit ?? 0)) next.phase = "Inconclusive";
  // An Error is retried, never counted as a judged measurement: a provider outage proves nothing.
  else if (count !== undefined && next.successful + next.failed + next.inconclusive >= count) {
    next.phase = "Successful";
  }
  return next;
}

/** The running analyses whose next measurement is due (none once the rollout has stopped). */
export function dueAnalyses(state: RolloutState, now: number): RunningAnalysis[] {
  if (state.phase !== "Progressing" && state.phase !== "Paused") return [];
  return state.analyses.filter((a) => a.phase === "Running" && a.nextAt <= now);
}
