// `track: {alias}`: when the alias moves, the deployment rolls the new version out through its strategy. Pure:
// given the spec and where the alias points now, the spec of the revision to write (or none).
import type { DeploymentRevision, DeploymentSpec, Strategy } from "../deployment.js";
import { versionUnderTest } from "./rollout-step.js";

/**
 * The spec rolling `target` out, or undefined when it is already deployed or rolling. A promotion revision has
 * no strategy (its canary became the primary), so the ramp is the one of the newest revision that had one.
 */
export function trackedSpec(
  spec: DeploymentSpec,
  target: string,
  revisionsNewestFirst: readonly DeploymentRevision[],
): DeploymentSpec | undefined {
  if (target === (versionUnderTest(spec) ?? spec.primary)) return undefined;
  const strategy =
    spec.strategy ?? revisionsNewestFirst.find((r) => r.spec.strategy !== undefined)?.spec.strategy;
  const next = rolledOut(strategy, target);
  if (next === undefined || target === spec.primary) {
    // No ramp to reuse (or the alias went back to the primary): the version becomes the primary at once.
    const pinned = { ...spec, primary: target };
    delete pinned.strategy;
    return pinned;
  }
  return { ...spec, strategy: next };
}

function rolledOut(strategy: Strategy | undefined, target: string): Strategy | undefined {
  if (strategy === undefined) return undefined;
  if ("canary" in strategy) return { canary: { ...strategy.canary, version: target } };
  if ("blueGreen" in strategy) return { blueGreen: { ...strategy.blueGreen, previewVersion: target } };
  // An A/B split names its versions on purpose; an alias move does not rewrite it.
  return undefined;
}
