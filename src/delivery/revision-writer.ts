// Writing a deployment revision: the spec pinned against the registry, the diff against the previous revision,
// the promotion check of every version it newly gives live traffic, the revision's initial rollout state, the
// audit record and the webhook event, all in one transaction (retried when the controller wrote meanwhile).
import type { Clock } from "../core/clock.js";
import { alreadyExists, FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { AuditLog } from "../governance/audit.js";
import type { DeploymentPromotion } from "../governance/promotions.js";
import type { Database, Executor } from "../store/database.js";
import { isUniqueViolation } from "../store/db-errors.js";
import type { Outbox } from "../webhooks/outbox.js";
import type { DeploymentSpec, RolloutState } from "./deployment.js";
import type { DeploymentRecord, DeploymentStore, StrategyKind } from "./deployment-store.js";
import { liveVersions } from "./deployment-spec.js";
import { resolveSpec, type VersionReader } from "./spec-resolution.js";
import { diffSpecs } from "./spec-diff.js";
import { startRollout } from "./controller/rollout-step.js";

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

export interface RevisionWrite {
  kind: "create" | "update" | "rollback" | "system";
  spec: DeploymentSpec;
  reason: string;
  expectedRevision?: number | undefined;
  /** Versions this revision may give traffic without a promotion check (a rollback's former primary). */
  exempt?: ReadonlySet<string>;
  audit: string;
  webhook?: DeploymentWebhook;
}

const STATE_RETRIES = 3;

/** A concurrent writer moved the deployment or its state between our read and our write. */
class StaleWrite extends Error {}

function strategyKind(spec: DeploymentSpec): StrategyKind | undefined {
  const s = spec.strategy;
  return s === undefined ? undefined : "canary" in s ? "canary" : "abTest" in s ? "abTest" : "blueGreen";
}

export interface RevisionWriter {
  /** Writes the revision and answers the deployment as it is after it (unchanged: no revision written). */
  write(ctx: RequestContext, name: string, w: RevisionWrite): Promise<DeploymentRecord>;
}

export function createRevisionWriter(deps: {
  database: Database;
  store: DeploymentStore;
  registry: VersionReader;
  governance: DeploymentGovernance;
  audit: AuditLog;
  outbox: Outbox;
  clock: Clock;
  /** The current revision's spec of a deployment. */
  currentSpec: (x: Executor, d: DeploymentRecord) => Promise<DeploymentSpec>;
}): RevisionWriter {
  const { database, store, registry, governance, audit, outbox, clock, currentSpec } = deps;

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
    w: RevisionWrite,
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
      const before = existing === undefined ? undefined : await currentSpec(trx, existing);
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

  async function write(ctx: RequestContext, name: string, w: RevisionWrite): Promise<DeploymentRecord> {
    // Slow governance work (external gates, a benchmark) happens before the transaction, on what the spec
    // resolves to now; the check inside the transaction uses it for the versions that still match.
    const resolved = await resolveSpec(database.db, registry, w.spec);
    const existing = await store.get(database.db, name);
    const before = existing === undefined ? undefined : await currentSpec(database.db, existing);
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
        if (written !== undefined) return written;
        throw notFound(`Deployment '${name}' does not exist.`);
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

  return { write };
}
