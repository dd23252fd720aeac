// The controller's step function, pure: (spec, state, what was observed, now) → (next state, actions). It runs
// a canary's steps (setWeight, pause, analysis), background analysis, the final promotion, an A/B test's end
// and blue/green auto-promotion. Abort beats everything: an aborted state never moves again (Argo #1152,
// #4461, #2929). Side effects (writing a revision, audit, webhooks) are actions the loop carries out.
import type { AnalysisTemplate, CanaryStrategy, DeploymentSpec, RolloutState } from "../deployment.js";
import {
  durationMs,
  intervalMs,
  judge,
  record,
  startAnalysis,
  type RunningAnalysis,
  type TakenReading,
} from "./analysis.js";
import { notice, type ControllerAction } from "./controller-action.js";

/** What the loop observed since the previous step. */
export interface Observed {
  /** Readings of the analyses that were due. */
  measurements: TakenReading[];
  /** Requests served since the previous step (A/B iterations). */
  requests?: number;
  /**
   * The latest end of a serving window, ended at or after the current step started, in which the canary
   * version took requests in its canary role for this revision; undefined when none has yet.
   */
  canaryServedUntil?: number;
}

/**
 * How long a setWeight waits for serving to route to the canary (a model slow to load on the replicas) before
 * the canary is rolled back: a version that never serves must not hold the rollout forever.
 */
export const SERVING_WAIT_LIMIT_MS = 10 * 60_000;

export interface StepResult {
  state: RolloutState;
  actions: ControllerAction[];
}

/** True while a rollout is in progress: the controller has something to do. */
export function rolloutRunning(state: RolloutState): boolean {
  return state.phase === "Progressing" || state.phase === "Paused";
}

/** The version under test: the canary, the blue/green preview, or the first A/B variant that is not primary. */
export function versionUnderTest(spec: DeploymentSpec): string | undefined {
  const s = spec.strategy;
  if (s === undefined) return undefined;
  if ("canary" in s) return s.canary.version !== spec.primary ? s.canary.version : undefined;
  if ("blueGreen" in s)
    return s.blueGreen.previewVersion !== spec.primary ? s.blueGreen.previewVersion : undefined;
  return s.abTest.split.find((v) => v.version !== spec.primary)?.version;
}

/** The state a new revision starts with: Progressing when its strategy has something to roll out. */
export function startRollout(spec: DeploymentSpec, revision: number, now: number): RolloutState {
  const running = versionUnderTest(spec) !== undefined;
  const abTest = spec.strategy !== undefined && "abTest" in spec.strategy;
  return {
    deployment: spec.name,
    revision,
    phase: running ? "Progressing" : "Healthy",
    stepIndex: 0,
    canaryWeight: 0,
    stepStartedAt: now,
    abortRequested: false,
    analyses: [],
    ...(abTest ? { requestsSeen: 0 } : {}),
    updatedAt: now,
    version: 0,
  };
}

export function step(spec: DeploymentSpec, state: RolloutState, observed: Observed, now: number): StepResult {
  if (!rolloutRunning(state)) return { state, actions: [] };
  if (state.abortRequested) return abortNow(state, now, "abort requested");
  const s = spec.strategy;
  if (s === undefined) return { state, actions: [] };
  if ("canary" in s) {
    const measured = withMeasurements(spec, state, observed, now);
    return canaryStep(spec, s.canary, measured, observed.canaryServedUntil, now);
  }
  if ("blueGreen" in s) {
    const bg = s.blueGreen;
    if (state.phase === "Paused") return { state, actions: [] };
    const due = now >= state.stepStartedAt + (bg.autoPromotionSeconds ?? 0) * 1000;
    if (state.promoteRequested !== undefined || (bg.autoPromotion === true && due)) {
      return promote({ ...state, updatedAt: now }, bg.previewVersion, undefined, now);
    }
    return { state, actions: [] };
  }
  const ab = s.abTest;
  const seen = (state.requestsSeen ?? 0) + (observed.requests ?? 0);
  const byIterations = ab.iterations !== undefined && seen >= ab.iterations;
  const byDuration = ab.duration !== undefined && now >= state.stepStartedAt + durationMs(ab.duration);
  if (!byIterations && !byDuration && state.promoteRequested === undefined) {
    return { state: { ...state, requestsSeen: seen, updatedAt: now }, actions: [] };
  }
  const message = byIterations
    ? `A/B test ended after ${seen} requests (iterations ${ab.iterations})`
    : byDuration
      ? `A/B test ended after its duration ${String(ab.duration)} (${seen} requests)`
      : `A/B test ended by promote (${seen} requests)`;
  return {
    state: { ...withoutPromotion(state), phase: "Healthy", requestsSeen: seen, message, updatedAt: now },
    actions: [notice("deployment.ab_test_end", message)],
  };
}

/** Weight 0 for the canary at once, analyses stopped, phase Aborted. */
export function abortNow(state: RolloutState, now: number, reason: string): StepResult {
  const message = `aborted at step ${state.stepIndex}: ${reason}`;
  return {
    state: {
      ...withoutPromotion(unpaused(state)),
      phase: "Aborted",
      abortRequested: true,
      canaryWeight: 0,
      message,
      updatedAt: now,
    },
    actions: [notice("deployment.abort", message, "ABORTED")],
  };
}

function templateOf(spec: DeploymentSpec, name: string): AnalysisTemplate | undefined {
  return spec.analysisTemplates?.find((t) => t.name === name);
}

/** Judges each reading and adds it to its running analysis. */
function withMeasurements(
  spec: DeploymentSpec,
  state: RolloutState,
  observed: Observed,
  now: number,
): RolloutState {
  let analyses = state.analyses;
  for (const taken of observed.measurements) {
    const i = analyses.findIndex((a) => a.template === taken.template && a.phase === "Running");
    const template = templateOf(spec, taken.template);
    const running = analyses[i];
    if (running === undefined || template === undefined) continue;
    analyses = analyses.map((a, j) => (j === i ? record(running, template, judge(template, taken)) : a));
  }
  return { ...state, analyses, updatedAt: now };
}

function canaryStep(
  spec: DeploymentSpec,
  canary: CanaryStrategy,
  state: RolloutState,
  servedUntil: number | undefined,
  now: number,
): StepResult {
  // Argo's promote --full skips every remaining step, pause and analysis (abort was checked before it).
  if (state.promoteRequested === "full") return promote(state, canary.version, canary.promoteAlias, now);
  const failed = state.analyses.find((a) => a.phase === "Failed" || a.phase === "Error");
  if (failed !== undefined) return rollBack(state, failed, now);
  let s = state;
  const actions: ControllerAction[] = [];
  const inconclusive = s.analyses.find((a) => a.phase === "Inconclusive");
  if (inconclusive !== undefined && (s.pausedBy === undefined || s.pausedBy === "step")) {
    const reason = `analysis ${inconclusive.template} inconclusive ${inconclusive.inconclusive} times (limit ${
      templateOf(spec, inconclusive.template)?.inconclusiveLimit ?? 0
    }): resume or abort`;
    s = { ...s, phase: "Paused", pausedBy: "inconclusive", pausedAt: now, pauseReason: reason };
    actions.push(notice("deployment.pause", reason, "PAUSED"));
  }
  if (s.pausedBy !== undefined && s.pausedBy !== "step") return { state: s, actions };
  const maxWeight = canary.maxWeight ?? 100;
  while (s.stepIndex < canary.steps.length) {
    const current = canary.steps[s.stepIndex];
    if (current === undefined) break;
    if ("setWeight" in current) {
      const weight = Math.min(current.setWeight, maxWeight);
      s = { ...s, canaryWeight: weight };
      // As Argo waits for the canary ReplicaSet: the next pause and analyses count only once serving routes
      // to the canary, so a model still loading is not judged (no data) on traffic it never got.
      const served = servedUntil !== undefined && servedUntil >= s.stepStartedAt;
      if (weight > 0 && !served) {
        if (now >= s.stepStartedAt + SERVING_WAIT_LIMIT_MS) return neverServed(s, canary.version, now);
        s = { ...s, message: waitingMessage(canary.version) };
        break;
      }
      s = advance(withoutWaitingMessage(s, canary.version), now);
      continue;
    }
    s = withBackgroundAnalysis(spec, canary, s, now);
    if (s.promoteRequested === "step") {
      s = advance(withoutPromotion(s), now);
      continue;
    }
    if ("pause" in current) {
      const d = current.pause.duration;
      if (d !== undefined && now >= s.stepStartedAt + durationMs(d)) {
        s = advance(s, now);
        continue;
      }
      if (s.pausedBy !== "step") {
        const pauseReason =
          d === undefined
            ? `pause step ${s.stepIndex}: waiting to be promoted`
            : `pause step ${s.stepIndex}: ${String(d)}`;
        s = { ...s, phase: "Paused", pausedBy: "step", pausedAt: now, pauseReason };
      }
      break;
    }
    const index = s.stepIndex;
    const mine = s.analyses.filter((a) => !a.background && a.stepIndex === index);
    if (mine.length === 0) {
      s = {
        ...s,
        analyses: [
          ...s.analyses,
          ...current.analysis.templates.map((t) => begin(spec, t, false, index, now)),
        ],
      };
      break;
    }
    if (!mine.every((a) => a.phase === "Successful")) break;
    s = advance(s, now);
  }
  if (s.stepIndex >= canary.steps.length) {
    const done = promote(s, canary.version, canary.promoteAlias, now);
    return { state: done.state, actions: [...actions, ...done.actions] };
  }
  return { state: s, actions };
}

/** Background analysis runs from `startingStep` until the rollout ends. */
function withBackgroundAnalysis(
  spec: DeploymentSpec,
  canary: CanaryStrategy,
  s: RolloutState,
  now: number,
): RolloutState {
  const bg = canary.analysis;
  if (bg === undefined || s.stepIndex < (bg.startingStep ?? 0) || s.analyses.some((a) => a.background))
    return s;
  return {
    ...s,
    analyses: [...s.analyses, ...bg.templates.map((t) => begin(spec, t, true, undefined, now))],
  };
}

/**
 * Starts an analysis whose first measurement comes one interval later, so the version under test has served
 * a whole interval under its new weight before it is judged (analyses start only once serving routes to it);
 * measuring at once would judge the traffic of the previous weight, or none.
 */
function begin(
  spec: DeploymentSpec,
  name: string,
  background: boolean,
  stepIndex: number | undefined,
  now: number,
): RunningAnalysis {
  const template = templateOf(spec, name);
  return startAnalysis(
    name,
    background,
    stepIndex,
    now + (template !== undefined ? intervalMs(template) : 0),
  );
}

function waitingMessage(version: string): string {
  return `waiting for serving to route to version ${version}`;
}

function withoutWaitingMessage(s: RolloutState, version: string): RolloutState {
  if (s.message !== waitingMessage(version)) return s;
  const next = { ...s };
  delete next.message;
  return next;
}

/** Serving never routed to the canary within the limit: rolled back like a failed analysis. */
function neverServed(s: RolloutState, version: string, now: number): StepResult {
  const message = `rolled back: serving did not route to version ${version} within ${
    SERVING_WAIT_LIMIT_MS / 60_000
  } minutes of setWeight ${s.canaryWeight} (the version never served; check that it loads on the replicas)`;
  return {
    state: { ...withoutPromotion(unpaused(s)), phase: "Degraded", canaryWeight: 0, message, updatedAt: now },
    actions: [notice("deployment.rollback_automatic", message, "ROLLED_BACK")],
  };
}

function advance(s: RolloutState, now: number): RolloutState {
  return { ...unpaused(s), phase: "Progressing", stepIndex: s.stepIndex + 1, stepStartedAt: now };
}

/**
 * Every step done: the canary takes all traffic and the loop writes the revision making it primary. Emitted on
 * every step until that revision exists, so a crash between the two writes only delays the promotion.
 */
function promote(
  s: RolloutState,
  version: string,
  promoteAlias: string | undefined,
  now: number,
): StepResult {
  const message = `promoting version ${version}`;
  return {
    state: { ...unpaused(s), phase: "Progressing", canaryWeight: 100, message, updatedAt: now },
    actions: [{ kind: "promote", version, ...(promoteAlias !== undefined ? { promoteAlias } : {}), message }],
  };
}

/** An analysis Failed or Errored: the canary loses its traffic at once and the rollout is Degraded. */
function rollBack(s: RolloutState, failed: RunningAnalysis, now: number): StepResult {
  const last = failed.measurements[failed.measurements.length - 1];
  const why =
    failed.phase === "Error"
      ? `${failed.consecutiveErrors} provider errors in a row${last?.message !== undefined ? ` (${last.message})` : ""}`
      : `${failed.failed} failed measurements${last?.value !== undefined ? `, last value ${last.value}` : ""}${
          last?.message !== undefined ? ` (${last.message})` : ""
        }`;
  const message = `rolled back: analysis ${failed.template} ${failed.phase} after ${why}`;
  return {
    state: { ...withoutPromotion(unpaused(s)), phase: "Degraded", canaryWeight: 0, message, updatedAt: now },
    actions: [notice("deployment.rollback_automatic", message, "ROLLED_BACK")],
  };
}

/** The state without its pause. */
export function unpaused(s: RolloutState): RolloutState {
  const next = { ...s };
  delete next.pausedAt;
  delete next.pauseReason;
  delete next.pausedBy;
  return next;
}

function withoutPromotion(s: RolloutState): RolloutState {
  const next = { ...s };
  delete next.promoteRequested;
  return next;
}

/** The final promotion was refused (governance, a stale revision): hold, saying why, until resumed. */
export function promotionRefused(state: RolloutState, why: string, now: number): StepResult {
  const pauseReason = `promotion refused: ${why}`;
  return {
    state: {
      ...state,
      phase: "Paused",
      pausedBy: "promotion",
      pausedAt: now,
      pauseReason,
      message: pauseReason,
      updatedAt: now,
    },
    actions: [notice("deployment.promote_refused", pauseReason, "PAUSED")],
  };
}
