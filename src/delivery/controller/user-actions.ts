// What a person can do to a running rollout, pure: pause, resume, promote (one step or full) and abort.
// Abort takes effect here, at once (canary weight 0), not at the controller's next tick; and it is harmless
// with no rollout running: the primary keeps its traffic and the attempt is recorded (Argo #1292).
import { FlowgateError } from "../../core/errors.js";
import type { DeploymentSpec, RolloutState } from "../deployment.js";
import { notice } from "./controller-action.js";
import { abortNow, rolloutRunning, unpaused, type StepResult } from "./rollout-step.js";

export type UserAction =
  | { kind: "pause"; reason: string }
  | { kind: "resume"; reason: string }
  | { kind: "promote"; reason: string; full?: boolean }
  | { kind: "abort"; reason: string };

export type UserActionKind = UserAction["kind"];

/** Whether `kind` applies to the state now, and if not why (the UI disables its button with the reason). */
export function actionAllowed(state: RolloutState, kind: UserActionKind): { ok: boolean; reason?: string } {
  try {
    refusal(state, kind);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

export function applyAction(
  _spec: DeploymentSpec,
  state: RolloutState,
  action: UserAction,
  now: number,
): StepResult {
  if (action.kind === "abort") {
    if (!rolloutRunning(state)) {
      const message = `abort with no rollout running (phase ${state.phase}): nothing changed, the primary keeps its traffic`;
      return { state: { ...state, message, updatedAt: now }, actions: [notice("deployment.abort", message)] };
    }
    return abortNow(state, now, action.reason);
  }
  refusal(state, action.kind);
  switch (action.kind) {
    case "pause": {
      const pauseReason = `paused: ${action.reason}`;
      return {
        state: { ...state, phase: "Paused", pausedBy: "user", pausedAt: now, pauseReason, updatedAt: now },
        actions: [notice("deployment.pause", pauseReason, "PAUSED")],
      };
    }
    case "resume": {
      const rest = unpaused(state);
      // After an Inconclusive pause the analysis starts over, as Argo starts a new AnalysisRun.
      const analyses = state.analyses.map((a) =>
        a.phase === "Inconclusive"
          ? {
              ...a,
              phase: "Running" as const,
              successful: 0,
              failed: 0,
              inconclusive: 0,
              consecutiveErrors: 0,
            }
          : a,
      );
      // Resuming a pause step moves past it, as Argo's resume of a paused step.
      const promoteRequested = state.pausedBy === "step" ? ("step" as const) : state.promoteRequested;
      const message = `resumed: ${action.reason}`;
      return {
        state: {
          ...rest,
          phase: "Progressing",
          analyses,
          ...(promoteRequested !== undefined ? { promoteRequested } : {}),
          message,
          updatedAt: now,
        },
        actions: [notice("deployment.resume", message, "RESUMED")],
      };
    }
    case "promote": {
      const rest = unpaused(state);
      const full = action.full === true;
      const message = `${full ? "full promotion" : "promotion of one step"} requested: ${action.reason}`;
      // Promote lifts any pause; on a pause or analysis step the controller's next step moves past it.
      return {
        state: {
          ...rest,
          phase: "Progressing",
          promoteRequested: full ? "full" : "step",
          message,
          updatedAt: now,
        },
        actions: [notice("deployment.promote_request", message)],
      };
    }
  }
}

/** Throws INVALID_STATE, saying why, when `kind` does not apply to the state. */
function refusal(state: RolloutState, kind: UserActionKind): void {
  if (kind === "abort") return;
  if (!rolloutRunning(state)) {
    const why =
      state.phase === "Healthy"
        ? "no rollout is running"
        : `the rollout is ${state.phase}; write a new revision (or roll back) to start again`;
    throw new FlowgateError("INVALID_STATE", `Cannot ${kind} deployment '${state.deployment}': ${why}.`);
  }
  if (kind === "pause" && state.pausedBy === "user") {
    throw new FlowgateError(
      "INVALID_STATE",
      `Cannot pause deployment '${state.deployment}': it is already paused.`,
    );
  }
  if (kind === "resume" && state.phase !== "Paused") {
    throw new FlowgateError(
      "INVALID_STATE",
      `Cannot resume deployment '${state.deployment}': it is not paused.`,
    );
  }
}
