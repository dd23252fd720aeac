// What serving routes by, derived (purely) from the current revision's spec and the rollout state: the live
// split, the shadow, the blue/green preview and the versions to keep warm for an instant rollback. The etag
// is a hash of the content, so two server replicas answer the same etag for the same routing.
import { createHash } from "node:crypto";
import type {
  DeploymentRevision,
  DeploymentSpec,
  RolloutState,
  Route,
  RoutingSnapshot,
} from "./deployment.js";
import { DEFAULT_PREVIEW_HEADER, DEFAULT_WARM } from "./deployment-spec.js";
import { predictionLogOf } from "./monitoring-spec.js";

function clampWeight(w: number): number {
  return Math.min(100, Math.max(0, Math.round(w)));
}

function liveRoutes(
  spec: DeploymentSpec,
  state: RolloutState,
): { routes: Route[]; preview?: RoutingSnapshot["preview"] } {
  const primaryOnly: Route[] = [{ version: spec.primary, weight: 100, role: "primary" }];
  const s = spec.strategy;
  // A failed or aborted rollout leaves the primary alone at 100% until the next revision.
  if (s === undefined || state.phase === "Degraded" || state.phase === "Aborted")
    return { routes: primaryOnly };
  if ("abTest" in s) {
    return { routes: s.abTest.split.map((e) => ({ version: e.version, weight: e.weight, role: "variant" })) };
  }
  if ("canary" in s) {
    const w = clampWeight(state.canaryWeight);
    // The canary is listed from weight 0 on, so serving loads and warms it before it gets traffic.
    return {
      routes: [
        { version: spec.primary, weight: 100 - w, role: "primary" },
        { version: s.canary.version, weight: w, role: "canary" },
      ],
    };
  }
  const green = s.blueGreen.previewVersion;
  if (state.canaryWeight >= 100) return { routes: [{ version: green, weight: 100, role: "primary" }] };
  return {
    routes: primaryOnly,
    preview: { version: green, header: s.blueGreen.previewHeader ?? DEFAULT_PREVIEW_HEADER },
  };
}

function etagOf(content: Omit<RoutingSnapshot, "etag">): string {
  const hash = createHash("sha256").update(JSON.stringify(content)).digest("base64url").slice(0, 22);
  return `${content.revision}-${hash}`;
}

/**
 * The routing snapshot of a revision under its rollout state. `formerPrimaries` are the primaries of earlier
 * revisions, newest first; the last `spec.warm` (default 2) of them stay loaded. After a blue/green switch the
 * old primary stays warm too, until the controller's promotion revision makes green the primary. `hashed` are
 * the input columns the prediction log hashes (from the model's `pii` tag, pii-tag.ts).
 */
export function routingOf(
  spec: DeploymentSpec,
  state: RolloutState,
  formerPrimaries: readonly string[],
  hashed: string[] | "all" = [],
): RoutingSnapshot {
  const { routes, preview } = liveRoutes(spec, state);
  const serving = new Set([...routes.map((r) => r.version), ...(preview ? [preview.version] : [])]);
  const warm: string[] = [];
  const keep = (v: string): void => {
    if (!serving.has(v) && !warm.includes(v)) warm.push(v);
  };
  // After a blue/green switch the old side stays loaded (the scale-down delay), before the former primaries.
  if (!serving.has(spec.primary)) keep(spec.primary);
  for (const v of formerPrimaries.slice(0, spec.warm ?? DEFAULT_WARM)) keep(v);
  const sticky =
    spec.strategy !== undefined && "abTest" in spec.strategy ? spec.strategy.abTest.sticky : undefined;
  const predictionLog = predictionLogOf(spec.monitoring, hashed);
  const content: Omit<RoutingSnapshot, "etag"> = {
    deployment: spec.name,
    model: spec.model,
    revision: state.revision,
    routes,
    ...(spec.shadow !== undefined ? { shadow: spec.shadow } : {}),
    ...(sticky !== undefined && routes.length > 1 ? { sticky } : {}),
    ...(preview !== undefined ? { preview } : {}),
    warm,
    ...(spec.policy !== undefined ? { policy: spec.policy } : {}),
    phase: state.phase,
    ...(predictionLog !== undefined ? { predictionLog } : {}),
  };
  return { ...content, etag: etagOf(content) };
}

/** The distinct primaries of the revisions before `current`, newest first (revisions given newest first). */
export function formerPrimaries(revisions: readonly DeploymentRevision[], current: number): string[] {
  const out: string[] = [];
  const currentPrimary = revisions.find((r) => r.revision === current)?.spec.primary;
  for (const r of revisions) {
    if (r.revision >= current) continue;
    const p = r.spec.primary;
    if (p !== currentPrimary && !out.includes(p)) out.push(p);
  }
  return out;
}
