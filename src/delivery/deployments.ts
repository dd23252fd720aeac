// The deployments service: every change of a deployment is a new revision (author, reason, diff), written in
// one transaction with the revision's initial rollout state, the audit record, the webhook event and, when it
// gives a version live traffic it had none of, the promotion check of target deployment:<name>.
import type { Clock } from "../core/clock.js";
import { FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import { checkMaxResults, decodePageToken, encodePageToken } from "../core/paging.js";
import { systemContext, type RequestContext } from "../core/request-context.js";
import type { AccessControl } from "../governance/access-control.js";
import type { AuditLog } from "../governance/audit.js";
import type { ReadAccess } from "../governance/read-access.js";
import type { Database, Executor } from "../store/database.js";
import type { Outbox } from "../webhooks/outbox.js";
import type { DeploymentRevision, DeploymentSpec, RoutingSnapshot } from "./deployment.js";
import type { DeploymentRecord, DeploymentStore } from "./deployment-store.js";
import { parseDeploymentSpec } from "./deployment-spec.js";
import type { VersionReader } from "./spec-resolution.js";
import {
  createRevisionWriter,
  type DeploymentGovernance,
  type DeploymentWebhook,
  type RevisionWrite,
} from "./revision-writer.js";
import { createDeploymentChanges, type DeploymentChanges } from "./deployment-changes.js";
import { createDeploymentViews, rollbackTarget } from "./deployment-view.js";
import type { DeploymentView } from "./deployment.js";
import { createDeploymentObservations, type DeploymentObservations } from "./deployment-observations.js";

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

export interface DeploymentService extends DeploymentObservations {
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
  /** Tell long-polls on this server that `name` changed (the controller calls it after storing a state). */
  changed(name: string): void;
}

const REREAD_MS = 500;

function reasonOf(v: unknown): string {
  if (typeof v !== "string" || v.trim() === "") {
    throw invalidParameter(
      "reason is required: say why this deployment changes (it is kept with the revision).",
    );
  }
  if (v.length > 5000) throw invalidParameter("reason must be at most 5000 characters.");
  return v.trim();
}

/** `spec` with `version` as its primary and no strategy: a promotion or a rollback. */
export function promotedSpec(spec: DeploymentSpec, version: string): DeploymentSpec {
  const next = { ...spec, primary: version };
  delete next.strategy;
  return next;
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
  const writer = createRevisionWriter({
    database,
    store,
    registry,
    governance,
    audit,
    outbox,
    clock,
    currentSpec: async (x, d) => (await views.current(x, d)).spec,
  });

  async function record(x: Executor, name: string): Promise<DeploymentRecord> {
    const d = await store.get(x, name);
    if (d === undefined) throw notFound(`Deployment '${name}' does not exist.`);
    return d;
  }

  async function write(ctx: RequestContext, name: string, w: RevisionWrite): Promise<DeploymentView> {
    const written = await writer.write(ctx, name, w);
    views.forget(name);
    changes.notify(name);
    return views.view(database.db, ctx, written);
  }

  return {
    ...createDeploymentObservations({ database, store, clock }),
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
    changed(name) {
      changes.notify(name);
    },
  };
}
