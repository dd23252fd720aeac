// A deployment's policy (business rules as validated config) applied to one request: a pyfunc model whose
// signature declares params gets the policy values as `params`; any other model's answer is turned into a
// decision by serving (label = p[class] >= threshold). The policy comes with each routing snapshot, so a change
// applies to the next request without reloading any model.
import type { DeploymentPolicy } from "../delivery/deployment.js";
import { FlowgateError } from "../core/errors.js";
import type { ParamSpec } from "../models/signature.js";

/**
 * The request's params with the policy's values for every param the model declares (the policy wins: it is
 * the deployment owner's rule, not the caller's choice). Undefined when the model declares no params.
 */
export function policyParams(
  policy: DeploymentPolicy | undefined,
  declared: readonly ParamSpec[] | undefined,
  given: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (policy === undefined || declared === undefined || declared.length === 0) return given;
  const out: Record<string, unknown> = { ...given };
  for (const spec of declared) {
    if (Object.hasOwn(policy.values, spec.name)) out[spec.name] = policy.values[spec.name];
  }
  return out;
}

/** Whether serving applies the policy's decision to this model's answers (it takes no params of the policy). */
export function decidesInServing(
  policy: DeploymentPolicy | undefined,
  declared: readonly ParamSpec[] | undefined,
): policy is DeploymentPolicy & { decision: NonNullable<DeploymentPolicy["decision"]> } {
  if (policy?.decision === undefined) return false;
  return !(declared ?? []).some((spec) => Object.hasOwn(policy.values, spec.name));
}

/**
 * Turns class probabilities into labels: each row's probability of `classIndex` (default 1, the positive class
 * of a binary classifier) against `values[threshold]`. A row is a probability, a list of class probabilities,
 * or a record holding either (e.g. {"probabilities": [...]}, {"probability": 0.7}).
 */
export function applyDecision(predictions: string, policy: DeploymentPolicy): string {
  const decision = policy.decision;
  if (decision === undefined) return predictions;
  const threshold = policy.values[decision.threshold];
  if (typeof threshold !== "number") {
    throw new FlowgateError(
      "INTERNAL_ERROR",
      `The deployment policy's decision reads values.${decision.threshold}, which is not a number.`,
    );
  }
  const positive = decision.positiveLabel ?? 1;
  const negative = decision.negativeLabel ?? 0;
  const index = decision.classIndex ?? 1;
  const rows = JSON.parse(predictions) as unknown;
  if (!Array.isArray(rows)) throw undecidable("the predictions are not a list of rows");
  return JSON.stringify(rows.map((row) => (probabilityOf(row, index) >= threshold ? positive : negative)));
}

function probabilityOf(row: unknown, index: number): number {
  if (typeof row === "number") return index === 0 ? 1 - row : row;
  if (Array.isArray(row)) {
    const p: unknown = row.length === 1 && index > 0 ? row[0] : row[index];
    if (typeof p === "number") return p;
    throw undecidable(`a row has no number at class index ${index}`);
  }
  if (row !== null && typeof row === "object") {
    const record = row as Record<string, unknown>;
    for (const key of ["probabilities", "probability", "proba", "scores", "score"]) {
      if (Object.hasOwn(record, key)) return probabilityOf(record[key], index);
    }
    throw undecidable(`a row has none of the fields probabilities, probability, proba, scores, score`);
  }
  throw undecidable("a row is neither a probability nor a list of class probabilities");
}

function undecidable(why: string): FlowgateError {
  return new FlowgateError(
    "INTERNAL_ERROR",
    `The deployment policy's decision cannot be applied to this model's answer: ${why}. A decision needs class probabilities (a number or a list per row).`,
  );
}
