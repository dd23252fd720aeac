// The deployments service: every change of a deployment is a new revision (author, reason, diff), written in
// one transaction with the revision's initial rollout state, the audit record, the webhook event and, when it
// gives a version live traffic it had none of, the promotion check of target deployment:<name>.
import type { Clock } from "../core/clock.js";
import { alreadyExists, FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import { checkMaxResults, decodePageToken, encodePageToken } from "../core/paging.js";
import { systemContext, type RequestContext } from "../core/request-context.js";
import type { AccessControl } from "../governance/access-control.js";
import type { AuditLog } from "../governance/audit.js";
import type { ReadAccess } from "../governance/read-access.js";
import type { DeploymentPromotion } from "../governance/promotions.js";
import type { Database, Executor } from "../store/database.js";
import { isUniqueViolation } from "../store/db-errors.js";
import type { Outbox } from "../webhooks/outbox.js";
import type { DeploymentRevision, DeploymentSpec, RolloutState, RoutingSnapshot } from "./deployment.js";
import type { DeploymentRecord, DeploymentStore, StrategyKind } from "./deployment-store.js";
import { liveVersions, parseDeploymentSpec } from "./deployment-spec.js";
import { resolveSpec, type VersionReader } from "./spec-resolution.js";
import { diffSpecs } from "./spec-diff.js";
import { startRollout } from "./controller/rollout-step.js";
import { createDeploymentChanges, type DeploymentChanges } from "./deployment-changes.js";
import { createDeploymentViews, rollbackTarget, type DeploymentView } from "./deployment-view.js";
import { parseObservationWindow } from "./observation-window.js";
import { metricsOf, type DeploymentMetrics } from "./deployment-metrics.js";

/** The promotion check a revision giving a version live traffic passes (governance/promotions.ts). */
export interface DeploymentGovernance {
  prepareDeployment(ctx: RequestContext, promotion: DeploymentPromotion): Promise<unknown>;
  checkDeployment(
    trx: Executor,
    ctx: RequestContext,
    promotion: DeploymentPromotion,
    prepared?: unknown,
  ): Promise<void>;
}

export type DeploymentWebhook =
  "CREATED" | "UPDATED" | "PROMOTED" | "ROLLED_BACK" | "ABORTED" | "PAUSED" | "RESUMED";

/** A revision the controller writes (the canary promoted to primary), as the system actor. */
export interface SystemRevision {
  spec: DeploymentSpec;
  reason: string;
  /** The revision the controller acted on; a revision written since makes this one stale (INVALID_STATE). */
  expectedRevision: number;
  /** Audit action (default `deployment.promote`). */
  audit?: string;
  /** Webhook event, if the caller does not publish its own. */
  webhook?: DeploymentWebhook;
}

export interface DeploymentService {
  create(ctx: RequestContext, input: { spec: unknown; reason: unknown }): Promise<DeploymentView>;
  update(
    ctx: RequestContext,
    name: string,
    input: { spec: unknown; reason: unknown; expectedRevision?: number | undefined },
  ): Promise<DeploymentView>;
  delete(ctx: RequestContext, name: string, reason?: string): Promise<void>;
  get(ctx: RequestContext, name: string): Promise<DeploymentView>;
  /** Ordered by name; with `access`, only deployments of models the caller may read. */
  list(
    ctx: RequestContext,
    q: { model?: string | undefined; maxResults?: number | undefined; pageToken?: string | undefined },
    access?: Pick<ReadAccess, "unrestricted" | "model">,
  ): Promise<{ deployments: DeploymentView[]; nextPageToken?: string }>;
  revisions(name: string): Promise<DeploymentRevision[]>;
  revision(name: string, revision: number): Promise<DeploymentRevision>;
  /** A new revision with the previous primary (or `toRevision`'s) at 100%, no strategy, Healthy at once. */
  rollback(
    ctx: RequestContext,
    name: string,
    input: { reason: unknown; toRevision?: number | undefined },
  ): Promise<DeploymentView>;
  writeRevisionAsSystem(name: string, change: SystemRevision): Promise<DeploymentView>;
  routing(name: string): Promise<RoutingSnapshot>;
  /**
   * The routing snapshot once its etag differs from `etag`, or the same snapshot after `waitMs` (undefined
   * etag: at once). Wakes on a change made through this server at once, and re-reads the store every 500 ms.
   */
  waitForRouting(
    name: string,
    etag: string | undefined,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<RoutingSnapshot>;
  recordObservation(name: string, window: unknown): Promise<void>;
  metrics(
    name: string,
    q: { since?: number | undefined; stepSeconds?: number | undefined },
  ): Promise<DeploymentMetrics>;
  /** Tell long-polls on this server that `name` changed (the controller calls it after storing a state). */
  changed(name: string): void;
}

/** Observation windows are kept this long (the shadow gate reads 24 h and more; charts a few hours). */
export const OBSERVATION_RETENTION_MS = 8 * 86_400_000;
const STATE_RETRIES = 3;
const REREAD_MS = 500;

/** A concurrent writer moved the deployment or its state between our read and our write. */
class StaleWrite extends Error {}

function reasonOf(v: unknown): string {
  if (typeof v !== "string" || v.trim() === "") {
    throw invalidParameter(
      "reason is required: say why this deployment changes (it is kept with the revision).",
    );
  }
  if (v.length > 5000) throw invalidParameter("reason must be at most 5000 characters.");
  return v.trim();
}

function strategyKind(spec: DeploymentSpec): StrategyKind | undefined {
  const s = spec.strategy;
  return s === undefined ? undefined : "canary" in s ? "canary" : "abTest" in s ? "abTest" : "blueGreen";
}

/** `spec` with `version` as its primary and no strategy: a promotion or a rollback. */
export function promotedSpec(spec: DeploymentSpec, version: string): DeploymentSpec {
  const next = { ...spec, primary: version };
  delete next.strategy;
  return next;
}

interface Write {
  kind: "create" | "update" | "rollback" | "system";
  spec: DeploymentSpec;
  reason: string;
  expectedRevision?: number | undefined;
  /** Versions this revision may give traffic without a promotion check (a rollback's former primary). */
  exempt?: ReadonlySet<string>;
  audit: string;
  webhook?: DeploymentWebhook;
}

export function createDeploymentService(deps: {
  database: Database;
  store: DeploymentStore;
  registry: VersionReader;
  governance: DeploymentGovernance;
  access: Pick<AccessControl, "allows">;
  audit: AuditLog;
  outbox: Outbox;
  clock: Clock;
  changes?: DeploymentChanges;
}): DeploymentService {
  const { database, store, registry, governance, audit, outbox, clock } = deps;
  const changes = deps.changes ?? createDeploymentChanges();
  const views = createDeploymentViews({ store, access: deps.access });

  async function record(x: Executor, name: string): Promise<DeploymentRecord> {
    const d = await store.get(x, name);
    if (d === undefined) throw notFound(`Deployment '${name}' does not exist.`);
    return d;
  }

  /** Versions `spec` gives live traffic that `before` did not (each one a promotion to deployment:<name>). */
  function newlyLive(
    before: DeploymentSpec | undefined,
    spec: DeploymentSpec,
    exempt?: ReadonlySet<string>,
  ): string[] {
    const had = new Set(before === undefined ? [] : liveVersions(before));
    return liveVersions(spec).filter((v) => !had.has(v) && exempt?.has(v) !== true);
  }

  async function writeOnce(
    ctx: RequestContext,
    name: string,
    w: Write,
    prepared: ReadonlyMap<string, unknown>,
  ): Promise<DeploymentRecord | undefined> {
    return database.transaction(async (trx) => {
      const existing = await store.get(trx, name);
      if (w.kind === "create" && existing !== undefined) {
        throw alreadyExists(`Deployment '${name}' already exists; change it with PUT (a new revision).`);
      }
      if (w.kind !== "create" && existing === undefined)
        throw notFound(`Deployment '${name}' does not exist.`);
      if (
        existing !== undefined &&
        w.expectedRevision !== undefined &&
        existing.revision !== w.expectedRevision
      ) {
        throw new FlowgateError(
          "INVALID_STATE",
          `Deployment '${name}' is at revision ${existing.revision}, not ${w.expectedRevision}: ` +
            "someone changed it meanwhile; read it again and retry.",
        );
      }
      if (existing !== undefined && existing.model !== w.spec.model) {
        throw invalidParameter(
          `spec.model cannot change: deployment '${name}' serves model '${existing.model}'; create another deployment for '${w.spec.model}'.`,
        );
      }
      const spec = await resolveSpec(trx, registry, w.spec);
      const before = existing === undefined ? undefined : (await views.current(trx, existing)).spec;
      const diff = diffSpecs(before, spec);
      if (w.kind === "update" && diff.length === 0) return existing;
      for (const version of newlyLive(before, spec, w.exempt)) {
        await governance.checkDeployment(
          trx,
          ctx,
          { model: spec.model, version, deployment: name, reason: w.reason, current: before?.primary },
          prepared.get(version),
        );
      }
      const now = clock.now();
      const revision = (existing?.revision ?? 0) + 1;
      const next: DeploymentRecord = {
        name,
        model: spec.model,
        revision,
        ...(strategyKind(spec) !== undefined ? { strategy: strategyKind(spec) } : {}),
        ...(spec.track !== undefined ? { trackAlias: spec.track.alias } : {}),
        createdAt: existing?.createdAt ?? now,
        createdBy: existing?.createdBy ?? ctx.actor,
        updatedAt: now,
        updatedBy: ctx.actor,
      };
      if (existing === undefined) {
        await store.insert(trx, next);
      } else if (!(await store.update(trx, next, existing.revision))) {
        throw new StaleWrite();
      }
      await store.insertRevision(trx, {
        deployment: name,
        revision,
        spec,
        author: ctx.actor,
        reason: w.reason,
        createdAt: now,
        diff,
      });
      const previousState = await store.getState(trx, name);
      const state: RolloutState = startRollout(spec, revision, now);
      if (!(await store.putState(trx, state, previousState?.version ?? 0))) throw new StaleWrite();
      await audit.record(trx, ctx, {
        action: w.audit,
        targetType: "deployment",
        targetId: name,
        ...(before !== undefined ? { before } : {}),
        after: { revision, spec, diff },
        reason: w.reason,
      });
      if (w.webhook !== undefined) {
        await outbox.publish(trx, {
          entity: "DEPLOYMENT",
          action: w.webhook,
          orderingKey: spec.model,
          data: {
            name,
            model: spec.model,
            revision,
            primary: spec.primary,
            author: ctx.actor,
            reason: w.reason,
          },
        });
      }
      return next;
    });
  }

  async function write(ctx: RequestContext, name: string, w: Write): Promise<DeploymentView> {
    // Slow governance work (external gates, a benchmark) happens before the transaction, on what the spec
    // resolves to now; the check inside the transaction uses it for the versions that still match.
    const resolved = await resolveSpec(database.db, registry, w.spec);
    const existing = await store.get(database.db, name);
    const before = existing === undefined ? undefined : (await views.current(database.db, existing)).spec;
    const prepared = new Map<string, unknown>();
    for (const version of newlyLive(before, resolved, w.exempt)) {
      prepared.set(
        version,
        await governance.prepareDeployment(ctx, {
          model: resolved.model,
          version,
          deployment: name,
          reason: w.reason,
          current: before?.primary,
        }),
      );
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const written = await writeOnce(ctx, name, w, prepared);
        views.forget(name);
        changes.notify(name);
        return await views.view(database.db, ctx, written ?? (await record(database.db, name)));
      } catch (err) {
        if (w.kind === "create" && isUniqueViolation(err)) {
          throw alreadyExists(`Deployment '${name}' already exists; change it with PUT (a new revision).`);
        }
        if (!(err instanceof StaleWrite)) throw err;
        if (attempt >= STATE_RETRIES || w.expectedRevision !== undefined) {
          throw new FlowgateError(
            "INVALID_STATE",
            `Deployment '${name}' changed while this revision was written; read it again and retry.`,
          );
        }
      }
    }
  }

  return {
    async create(ctx, input) {
      const spec = parseDeploymentSpec(input.spec);
      const reason = reasonOf(input.reason);
      return write(ctx, spec.name, {
        kind: "create",
        spec,
        reason,
        audit: "deployment.create",
        webhook: "CREATED",
      });
    },
    async update(ctx, name, input) {
      const spec = parseDeploymentSpec(input.spec);
      const reason = reasonOf(input.reason);
      if (spec.name !== name) {
        throw invalidParameter(
          `spec.name '${spec.name}' must be '${name}', the deployment being changed (a deployment cannot be renamed).`,
        );
      }
      return write(ctx, name, {
        kind: "update",
        spec,
        reason,
        expectedRevision: input.expectedRevision,
        audit: "deployment.update",
        webhook: "UPDATED",
      });
    },
    async delete(ctx, name, reason) {
      await database.transaction(async (trx) => {
        const d = await record(trx, name);
        const { spec } = await views.current(trx, d);
        await store.delete(trx, name);
        await audit.record(trx, ctx, {
          action: "deployment.delete",
          targetType: "deployment",
          targetId: name,
          before: { revision: d.revision, spec },
          reason,
        });
        await outbox.publish(trx, {
          entity: "DEPLOYMENT",
          action: "DELETED",
          orderingKey: d.model,
          data: { name, model: d.model, revision: d.revision, author: ctx.actor, reason: reason ?? "" },
        });
      });
      views.forget(name);
      changes.notify(name);
    },
    async get(ctx, name) {
      return views.view(database.db, ctx, await record(database.db, name));
    },
    async list(ctx, q, access) {
      const maxResults = checkMaxResults(q.maxResults, 100, 1000);
      const offset = decodePageToken(q.pageToken);
      const readable = async (d: DeploymentRecord): Promise<boolean> => {
        if (access === undefined || access.unrestricted) return true;
        const id = await registry.modelId(database.db, d.model);
        return id !== undefined && access.model(id);
      };
      // The page is filled from the readable rows; the token is the offset into all rows, so it stays valid.
      const items: DeploymentRecord[] = [];
      let at = offset;
      let more = true;
      while (items.length < maxResults && more) {
        const rows = await store.list(database.db, { model: q.model, offset: at, limit: maxResults + 1 });
        more = rows.length > maxResults;
        for (const d of rows.slice(0, maxResults)) {
          at++;
          if (await readable(d)) items.push(d);
          if (items.length === maxResults) break;
        }
      }
      const hasNext =
        more || (await store.list(database.db, { model: q.model, offset: at, limit: 1 })).length > 0;
      const deployments: DeploymentView[] = [];
      for (const d of items) deployments.push(await views.view(database.db, ctx, d));
      return { deployments, ...(hasNext ? { nextPageToken: encodePageToken(at) } : {}) };
    },
    async revisions(name) {
      await record(database.db, name);
      return store.revisions(database.db, name);
    },
    async revision(name, n) {
      await record(database.db, name);
      const r = await store.revision(database.db, name, n);
      if (r === undefined) throw notFound(`Deployment '${name}' has no revision ${n}.`);
      return r;
    },
    async rollback(ctx, name, input) {
      const reason = reasonOf(input.reason);
      const d = await record(database.db, name);
      const current = await views.current(database.db, d);
      const revisions = input.toRevision === undefined ? undefined : await store.revisions(database.db, name);
      const target = rollbackTarget(current, revisions, input.toRevision);
      if (target.version === undefined) {
        const code = input.toRevision === undefined ? "INVALID_STATE" : "RESOURCE_DOES_NOT_EXIST";
        throw new FlowgateError(
          code,
          `Cannot roll back deployment '${name}': ${target.reason ?? "no target"}.`,
        );
      }
      // A rollback returns to a version that served this deployment before (Argo's rollbackWindow): it skips
      // analysis and is not a new promotion.
      const formerlyLive = new Set([
        ...current.formerPrimaries,
        current.spec.primary,
        ...(revisions ?? []).map((r) => r.spec.primary),
      ]);
      return write(ctx, name, {
        kind: "rollback",
        spec: promotedSpec(current.spec, target.version),
        reason,
        expectedRevision: d.revision,
        exempt: formerlyLive,
        audit: "deployment.rollback",
        webhook: "ROLLED_BACK",
      });
    },
    async writeRevisionAsSystem(name, change) {
      return write(systemContext(`controller:${name}`), name, {
        kind: "system",
        spec: change.spec,
        reason: change.reason,
        expectedRevision: change.expectedRevision,
        audit: change.audit ?? "deployment.promote",
        ...(change.webhook !== undefined ? { webhook: change.webhook } : {}),
      });
    },
    async routing(name) {
      return views.routing(database.db, await record(database.db, name));
    },
    async waitForRouting(name, etag, waitMs, signal) {
      const deadline = performance.now() + waitMs;
      for (;;) {
        const snapshot = await views.routing(database.db, await record(database.db, name));
        const left = deadline - performance.now();
        if (etag === undefined || snapshot.etag !== etag || left <= 0 || signal?.aborted === true)
          return snapshot;
        await changes.wait(name, Math.min(REREAD_MS, left), signal);
      }
    },
    async recordObservation(name, raw) {
      const w = parseObservationWindow(name, raw);
      await record(database.db, name);
      await store.insertObservation(database.db, w, clock.now() - OBSERVATION_RETENTION_MS);
    },
    async metrics(name, q) {
      await record(database.db, name);
      const now = clock.now();
      const stepSeconds = q.stepSeconds ?? 10;
      if (!Number.isInteger(stepSeconds) || stepSeconds < 1 || stepSeconds > 86_400) {
        throw invalidParameter(
          `step must be a whole number of seconds from 1 to 86400 (got ${stepSeconds}).`,
        );
      }
      const since = Math.max(q.since ?? now - 15 * 60_000, now - OBSERVATION_RETENTION_MS);
      if (!Number.isInteger(since) || since < 0)
        throw invalidParameter(`since must be a time in epoch milliseconds.`);
      if ((now - since) / (stepSeconds * 1000) > 10_000) {
        throw invalidParameter(
          `since and step ask for more than 10000 points: use a larger step or a later since.`,
        );
      }
      // Replicas' clocks may run a little ahead of this server's.
      const windows = await store.observations(database.db, name, since, now + 60_000);
      return metricsOf(windows, stepSeconds * 1000);
    },
    changed(name) {
      changes.notify(name);
    },
  };
}
