// How a deployment is shown: its current revision, rollout state and routing, and what the caller may do to
// it now (with the reason when not), so a UI disables a button and says why.
import type { RequestContext } from "../core/request-context.js";
import type { AccessControl } from "../governance/access-control.js";
import type { Executor } from "../store/database.js";
import type {
  ActionAllowed as Allowed,
  DeploymentRevision,
  DeploymentSpec,
  DeploymentView,
  RolloutState,
  RoutingSnapshot,
} from "./deployment.js";
import type { DeploymentRecord, DeploymentStore } from "./deployment-store.js";
import { actionAllowed } from "./controller/user-actions.js";
import { startRollout } from "./controller/rollout-step.js";
import { formerPrimaries, routingOf } from "./routing.js";
import { piiColumns } from "./pii-tag.js";

/** The current revision of a deployment with the primaries before it, newest first. */
export interface CurrentRevision {
  spec: DeploymentSpec;
  formerPrimaries: string[];
}

/**
 * The version a rollback gives 100%: the primary of `toRevision`; else, while the current revision runs a
 * strategy, its own primary (the canary, variant or preview loses its traffic); else the previous primary.
 */
export function rollbackTarget(
  current: CurrentRevision,
  revisions: readonly DeploymentRevision[] | undefined,
  toRevision?: number,
): { version?: string; reason?: string } {
  if (toRevision !== undefined) {
    const r = revisions?.find((x) => x.revision === toRevision);
    return r === undefined ? { reason: `it has no revision ${toRevision}` } : { version: r.spec.primary };
  }
  if (current.spec.strategy !== undefined) return { version: current.spec.primary };
  const previous = current.formerPrimaries[0];
  return previous === undefined
    ? { reason: "no earlier revision had another primary" }
    : { version: previous };
}

export interface DeploymentViews {
  /** The current revision's spec and former primaries (kept per revision: they never change). */
  current(x: Executor, d: DeploymentRecord): Promise<CurrentRevision>;
  state(x: Executor, d: DeploymentRecord, spec: DeploymentSpec): Promise<RolloutState>;
  routing(x: Executor, d: DeploymentRecord): Promise<RoutingSnapshot>;
  view(x: Executor, ctx: RequestContext, d: DeploymentRecord): Promise<DeploymentView>;
  forget(name: string): void;
}

export function createDeploymentViews(deps: {
  store: DeploymentStore;
  access: Pick<AccessControl, "allows">;
}): DeploymentViews {
  const { store, access } = deps;
  const cache = new Map<string, { key: string; value: CurrentRevision }>();
  const keyOf = (d: DeploymentRecord): string => `${d.createdAt}:${d.revision}`;

  async function current(x: Executor, d: DeploymentRecord): Promise<CurrentRevision> {
    const hit = cache.get(d.name);
    if (hit !== undefined && hit.key === keyOf(d)) return hit.value;
    const revisions = await store.revisions(x, d.name);
    const spec = revisions.find((r) => r.revision === d.revision)?.spec;
    if (spec === undefined) throw new Error(`deployment '${d.name}' has no revision ${d.revision}`);
    const value = { spec, formerPrimaries: formerPrimaries(revisions, d.revision) };
    cache.set(d.name, { key: keyOf(d), value });
    return value;
  }

  async function state(x: Executor, d: DeploymentRecord, spec: DeploymentSpec): Promise<RolloutState> {
    // Every revision is written with its state; this fallback only covers a state row removed by hand.
    return (await store.getState(x, d.name)) ?? startRollout(spec, d.revision, d.updatedAt);
  }

  /** The pii columns of the versions the routing names; read each time, so a tag change changes the etag. */
  async function hashedOf(
    x: Executor,
    spec: DeploymentSpec,
    status: RolloutState,
  ): Promise<string[] | "all"> {
    if (spec.monitoring?.enabled === false) return [];
    const r = routingOf(spec, status, []);
    const versions = [...r.routes.map((v) => v.version), ...(r.preview ? [r.preview.version] : [])];
    return piiColumns(x, spec.model, versions);
  }

  return {
    current,
    state,
    async routing(x, d) {
      const c = await current(x, d);
      const status = await state(x, d, c.spec);
      return routingOf(c.spec, status, c.formerPrimaries, await hashedOf(x, c.spec, status));
    },
    async view(x, ctx, d) {
      const c = await current(x, d);
      const status = await state(x, d, c.spec);
      const may = await access.allows(ctx, "model.transition", { type: "model_name", name: d.model }, x);
      const denied: Allowed = {
        ok: false,
        reason: `user '${ctx.actor}' lacks permission model.transition on model '${d.model}'`,
      };
      const action = (kind: "pause" | "resume" | "promote" | "abort"): Allowed =>
        may ? actionAllowed(status, kind) : denied;
      const target = rollbackTarget(c, undefined);
      const rollback: Allowed = !may
        ? denied
        : target.version !== undefined
          ? { ok: true }
          : { ok: false, reason: `Cannot roll back deployment '${d.name}': ${target.reason ?? "no target"}` };
      return {
        name: d.name,
        model: d.model,
        revision: d.revision,
        spec: c.spec,
        status,
        routing: routingOf(c.spec, status, c.formerPrimaries, await hashedOf(x, c.spec, status)),
        createdAt: d.createdAt,
        createdBy: d.createdBy,
        updatedAt: d.updatedAt,
        updatedBy: d.updatedBy,
        allowed: {
          pause: action("pause"),
          resume: action("resume"),
          promote: action("promote"),
          abort: action("abort"),
          rollback,
        },
      };
    },
    forget(name) {
      cache.delete(name);
    },
  };
}
