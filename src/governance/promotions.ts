// Promotion control: the registry calls `prepare` before the transaction of a stage transition or alias move (to
// run the serving smoke benchmark a max_latency gate reads and call external gates: seconds that must not hold
// the store's write lock), `check` inside the transaction of every stage transition and alias change, and
// `changed` after the write. Entering a protected target needs the promote right (or an approved transition
// request), a reason when the policy asks for one, and passing gates; every gate evaluation is stored. `changed`
// publishes the webhook events of the change in the same transaction. The deployments service calls
// `checkDeployment` in the transaction of every revision that gives a version live traffic it had none of: the
// same rules for target `deployment:<name>` (four-eyes there is an approved transition request naming the
// deployment, used up by that revision).
import type { Clock } from "../core/clock.js";
import { FlowgateError, invalidParameter } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { RequestContext } from "../core/request-context.js";
import type { Database, Executor } from "../store/database.js";
import { deleteModelRecords, renameModelRecords } from "./model-records.js";
import type { WebhookEvent } from "../webhooks/events.js";
import type { Outbox } from "../webhooks/outbox.js";
import type { AccessControl } from "./access-control.js";
import { evaluateGate, type ExternalCheck, type GateResult } from "./gates/evaluate-gate.js";
import type { GateSpec } from "./gates/gate-spec.js";
import type { LatencyProbe } from "./gates/latency-measurements.js";
import { evaluateShadowGate, shadowLookbackMs } from "./gates/shadow-gate.js";
import { readShadowRecord, type ShadowRecordReader } from "./gates/shadow-record.js";
import type { GateEvaluationStore } from "./gates/sql-gate-evaluation-store.js";
import type { VersionFactsReader } from "./gates/version-facts.js";
import type { AuditLog } from "./audit.js";
import type { TransitionRequest, TransitionRequestStore } from "./transition-request-store.js";
import {
  gatesFor,
  isProtected,
  targetLabel,
  type PolicyService,
  type PromotionPolicy,
  type PromotionTarget,
} from "./policies.js";

/** The registry's description of a change (structurally the registry's `RegistryChange`). */
export interface GovernedChange {
  action: string;
  name: string;
  version?: number | undefined;
  alias?: string | undefined;
  key?: string | undefined;
  fromStage?: string | undefined;
  toStage?: string | undefined;
  before?: unknown;
  after?: unknown;
}

/** A transition an approver is applying right now (set by approvals.ts around the registry call). */
export interface ApprovedTransition {
  requestId: number;
  name: string;
  version: number;
  target: PromotionTarget;
  requestedBy: string;
  reason: string;
}

/** A deployment revision giving `version` live traffic (primary, canary, A/B variant, blue/green switch). */
export interface DeploymentPromotion {
  model: string;
  /** The version number, as the spec pins it ("3" or 3). */
  version: string | number;
  deployment: string;
  /** Why (the request body's reason); `ctx.reason` when absent. */
  reason?: string | undefined;
  /** The version serving the primary share now, compared against by relative metric checks. */
  current?: string | number | undefined;
}

export interface PromotionService {
  /**
   * Slow work before the transaction: the smoke benchmark a max_latency gate reads, the calls of external
   * (http) gates and the shadow record of shadow gates, whose results it returns for `check`; none may hold
   * the store's write lock.
   */
  prepare(ctx: RequestContext, change: GovernedChange): Promise<unknown>;
  check(trx: Executor, ctx: RequestContext, change: GovernedChange, prepared?: unknown): Promise<void>;
  changed(trx: Executor, ctx: RequestContext, change: GovernedChange): Promise<void>;
  /** Evaluates (and stores) the gates `target` needs for a version, without moving it. */
  evaluate(
    ctx: RequestContext,
    name: string,
    version: number,
    target: PromotionTarget,
  ): Promise<GateResult[]>;
  isProtectedAlias(name: string, alias: string): Promise<boolean>;
  /**
   * Slow work before the transaction of a deployment revision (external gates, shadow records, the smoke
   * benchmark a max_latency gate reads); pass its result to `checkDeployment`. Without it, those gates are
   * evaluated inside the transaction and a max_latency gate reads only a benchmark that already ran.
   */
  prepareDeployment(ctx: RequestContext, promotion: DeploymentPromotion): Promise<unknown>;
  /**
   * Refuses (PERMISSION_DENIED, or INVALID_STATE for a missing reason or failing gates) a revision that gives
   * `promotion.version` live traffic in a protected deployment, unless the caller may promote (or an approved
   * transition request names this version and deployment, which this uses up); stores every gate evaluation.
   */
  checkDeployment(
    trx: Executor,
    ctx: RequestContext,
    promotion: DeploymentPromotion,
    prepared?: unknown,
  ): Promise<void>;
  /** Runs `fn` with `approval` in force for the registry call it makes under `ctx`. */
  withApproval<T>(ctx: RequestContext, approval: ApprovedTransition, fn: () => Promise<T>): Promise<T>;
}

/**
 * Gates evaluated before the transaction when the caller prepares: external calls, and the shadow record
 * (up to days of observation windows to read and sum, which must not hold the store's write lock).
 */
function slowGate(g: GateSpec): boolean {
  return g.type === "http" || g.type === "shadow";
}

function preparedResults(prepared: unknown): ReadonlyMap<string, GateResult> {
  return prepared instanceof Map ? (prepared as Map<string, GateResult>) : new Map();
}

/** Version tag read as the reason of a direct protected promotion from clients that cannot send a header. */
export const REASON_TAG = "flowgate.reason";

function requestHint(name: string, version: number, target: PromotionTarget): string {
  const to = `--${target.kind} ${target.name}`;
  return (
    `request approval with \`flowgate requests create ${name} ${version} ${to} --reason "…"\`` +
    " (POST /api/flowgate/v1/transition-requests)"
  );
}

function targetOf(change: GovernedChange): PromotionTarget | undefined {
  if (change.action === "model_version.transition_stage" && change.toStage !== undefined) {
    return { kind: "stage", name: change.toStage };
  }
  if (change.action === "registered_model_alias.set" && change.alias !== undefined) {
    return { kind: "alias", name: change.alias };
  }
  return undefined;
}

export function createPromotionService(deps: {
  database: Database;
  policies: PolicyService;
  access: AccessControl;
  facts: VersionFactsReader;
  evaluations: GateEvaluationStore;
  outbox: Outbox;
  requests: TransitionRequestStore;
  audit: AuditLog;
  external: ExternalCheck;
  latency: LatencyProbe;
  /** The deployments' recorded shadow comparisons, which `shadow` gates read. */
  shadow: ShadowRecordReader;
  /** The primary version of a deployment's current revision: what relative metric checks compare with. */
  deploymentPrimary(x: Executor, deployment: string): Promise<number | undefined>;
  /** Drops the grants on a registered model that is being deleted, in the delete's transaction. */
  forgetModel(trx: Executor, name: string): Promise<void>;
  clock: Clock;
  logger: Logger;
}): PromotionService {
  const { database, policies, access, facts, evaluations, outbox, clock, logger } = deps;
  const approvals = new Map<string, ApprovedTransition>();

  function approvalFor(
    ctx: RequestContext,
    name: string,
    version: number,
    target: PromotionTarget,
  ): ApprovedTransition | undefined {
    const approval = approvals.get(ctx.requestId);
    const matches =
      approval !== undefined &&
      approval.name === name &&
      approval.version === version &&
      approval.target.kind === target.kind &&
      approval.target.name.toLowerCase() === target.name.toLowerCase();
    return matches ? approval : undefined;
  }

  async function shadowGate(
    x: Executor,
    gate: Extract<GateSpec, { type: "shadow" }>,
    name: string,
    version: number,
  ): Promise<GateResult> {
    const record = await readShadowRecord(deps.shadow, x, {
      model: name,
      version,
      deployment: gate.deployment,
      now: clock.now(),
      lookbackMs: shadowLookbackMs(gate),
    });
    return evaluateShadowGate(gate, record);
  }

  /** Measures the version's serving latency first when the target's gates include max_latency. */
  async function measureIfGated(
    ctx: RequestContext,
    policy: PromotionPolicy,
    name: string,
    version: number,
    target: PromotionTarget,
  ): Promise<void> {
    if (gatesFor(policy, target).some((g) => g.type === "max_latency")) {
      await deps.latency.ensure(ctx, name, version);
    }
  }

  /**
   * Evaluates the gates `target` needs. `done` holds results already reached outside the transaction (external
   * checks, see `prepare`); `only` limits which gates run; `holder` is the version a relative metric check
   * compares with when the caller knows it (a deployment's primary before the change), else the one holding
   * the target now.
   */
  async function runGates(
    x: Executor,
    policy: PromotionPolicy,
    name: string,
    version: number,
    target: PromotionTarget,
    opts: {
      done?: ReadonlyMap<string, GateResult>;
      only?: (g: GateSpec) => boolean;
      holder?: number | undefined;
    } = {},
  ): Promise<GateResult[]> {
    const gates = gatesFor(policy, target).filter(opts.only ?? (() => true));
    if (gates.length === 0) return [];
    const subject = await facts.facts(x, name, version);
    if (subject === undefined) {
      throw new FlowgateError(
        "RESOURCE_DOES_NOT_EXIST",
        `Model version '${name}' version ${version} does not exist.`,
      );
    }
    const holderVersion =
      target.kind === "deployment"
        ? (opts.holder ?? (await deps.deploymentPrimary(x, target.name)))
        : await facts.holder(x, name, target, version);
    const holder =
      holderVersion === undefined || holderVersion === version
        ? undefined
        : await facts.facts(x, name, holderVersion);
    const results: GateResult[] = [];
    for (const g of gates) {
      const done = opts.done?.get(g.name);
      if (done !== undefined) results.push(done);
      else if (g.type === "shadow") results.push(await shadowGate(x, g, name, version));
      else results.push(await evaluateGate(g, subject, target, holder, deps.external));
    }
    return results;
  }

  async function store(
    x: Executor,
    ctx: RequestContext,
    name: string,
    version: number,
    target: PromotionTarget,
    results: GateResult[],
  ): Promise<void> {
    const now = clock.now();
    for (const r of results) {
      await evaluations.insert(x, {
        ...r,
        modelName: name,
        version,
        target: targetLabel(target),
        time: now,
        actor: ctx.actor,
        requestId: ctx.requestId,
      });
      await outbox.publish(x, {
        entity: "GATE",
        action: "EVALUATED",
        orderingKey: name,
        data: {
          name,
          version: String(version),
          target: targetLabel(target),
          gate: r.gate,
          passed: r.passed,
          message: r.message,
        },
      });
    }
  }

  function refusal(
    name: string,
    version: number,
    target: PromotionTarget,
    failed: GateResult[],
  ): FlowgateError {
    const lines = failed.map((r) => `gate '${r.gate}': ${r.message}`).join("; ");
    return new FlowgateError(
      "INVALID_STATE",
      `Model '${name}' version ${version} cannot enter ${targetLabel(target)}: ${lines}. ` +
        "Every gate evaluation is recorded (GET /api/flowgate/v1/models/<name>/versions/<version>/gate-evaluations).",
    );
  }

  /** Whether the caller may give a version traffic in a protected deployment without a request. */
  async function mayPromoteDirectly(
    x: Executor,
    ctx: RequestContext,
    policy: PromotionPolicy,
    name: string,
  ): Promise<boolean> {
    return (
      !policy.requireApproval && (await access.allows(ctx, "model.promote", { type: "model_name", name }, x))
    );
  }

  /** An approved deployment request is used up by the revision it let through, and says so in the audit log. */
  async function useRequest(
    trx: Executor,
    ctx: RequestContext,
    request: TransitionRequest,
    target: PromotionTarget,
  ): Promise<void> {
    if (!(await deps.requests.markApplied(trx, request.id, clock.now()))) {
      throw new FlowgateError(
        "ABORTED",
        `Transition request ${request.id} was used by another change meanwhile; try again.`,
      );
    }
    await deps.audit.record(trx, ctx, {
      action: "transition_request.apply",
      targetType: "transition_request",
      targetId: String(request.id),
      after: { name: request.name, version: request.version, target: targetLabel(target) },
      reason: `approved transition request ${request.id} (requested by ${request.requestedBy}: ${request.reason})`,
    });
  }

  return {
    async prepare(ctx, change) {
      const target = targetOf(change);
      if (target === undefined || change.version === undefined) return undefined;
      const { policy } = await policies.policyFor(database.db, change.name);
      if (!isProtected(policy, target)) return undefined;
      // Only a promotion `check` would let through is worth a benchmark or an external call: it is approved, or
      // the caller may promote.
      const mayPromote =
        approvalFor(ctx, change.name, change.version, target) !== undefined ||
        (!policy.requireApproval &&
          (await access.allows(ctx, "model.promote", { type: "model_name", name: change.name })));
      if (!mayPromote) return undefined;
      await measureIfGated(ctx, policy, change.name, change.version, target);
      const external = await runGates(database.db, policy, change.name, change.version, target, {
        only: slowGate,
      });
      return new Map(external.map((r) => [r.gate, r]));
    },

    async check(trx, ctx, change, prepared) {
      // Here, not in `changed`: the model's id (what its grants hold) is gone once the delete ran.
      if (change.action === "registered_model.delete") {
        await deps.forgetModel(trx, change.name);
        await deleteModelRecords(trx, change.name, clock.now());
      }
      if (change.action === "registered_model.rename") {
        const to = (change.after as { name?: unknown } | undefined)?.name;
        if (typeof to === "string") await renameModelRecords(trx, change.name, to, clock.now());
      }
      const target = targetOf(change);
      if (target === undefined || change.version === undefined) {
        if (change.action === "registered_model_alias.delete" && change.alias !== undefined) {
          const { policy } = await policies.policyFor(trx, change.name);
          if (isProtected(policy, { kind: "alias", name: change.alias })) {
            await access.require(
              ctx,
              "model.promote",
              { type: "model_name", name: change.name },
              `Deleting protected alias '${change.alias}' of model '${change.name}' is refused`,
              trx,
            );
          }
        }
        return;
      }
      const version = change.version;
      const { policy } = await policies.policyFor(trx, change.name);
      if (!isProtected(policy, target)) return;
      const approved = approvalFor(ctx, change.name, version, target) !== undefined;
      if (!approved) {
        const what = `Moving model '${change.name}' version ${version} into protected ${targetLabel(target)}`;
        if (policy.requireApproval) {
          throw new FlowgateError(
            "PERMISSION_DENIED",
            `${what} needs an approved transition request: the policy of '${change.name}' requires a second person's approval; ` +
              `${requestHint(change.name, version, target)}.`,
          );
        }
        if (!(await access.allows(ctx, "model.promote", { type: "model_name", name: change.name }, trx))) {
          throw new FlowgateError(
            "PERMISSION_DENIED",
            `${what} is refused: user '${ctx.actor}' lacks permission model.promote (role release-manager); ` +
              `${requestHint(change.name, version, target)}.`,
          );
        }
      }
      const results = await runGates(trx, policy, change.name, version, target, {
        done: preparedResults(prepared),
      });
      const failed = results.filter((r) => !r.passed);
      if (failed.length === 0 && !approved && policy.requireReason && ctx.reason === undefined) {
        const subject = await facts.facts(trx, change.name, version);
        if ((subject?.tags[REASON_TAG] ?? "").trim() === "") {
          throw new FlowgateError(
            "INVALID_STATE",
            `Moving model '${change.name}' version ${version} into protected ${targetLabel(target)} needs a reason: ` +
              `send the X-Flowgate-Reason header, set the version tag '${REASON_TAG}', or ${requestHint(change.name, version, target)}.`,
          );
        }
      }
      if (failed.length > 0) {
        // This transaction is about to roll back, so the evaluations are written after it, on their own:
        // a refused promotion still leaves its record.
        void database
          .transaction((t) => store(t, ctx, change.name, version, target, results))
          .catch((err: unknown) => logger.error({ err }, "could not store gate evaluations"));
        throw refusal(change.name, version, target, failed);
      }
      await store(trx, ctx, change.name, version, target, results);
    },

    async changed(trx, ctx, change) {
      const approval = approvals.get(ctx.requestId);
      const target = targetOf(change);
      if (
        approval !== undefined &&
        target !== undefined &&
        change.version === approval.version &&
        change.name === approval.name
      ) {
        if (
          !(await deps.requests.decide(
            trx,
            approval.requestId,
            "approved",
            ctx.actor,
            clock.now(),
            ctx.reason,
          ))
        ) {
          throw new FlowgateError(
            "ABORTED",
            `Transition request ${approval.requestId} was decided by someone else meanwhile.`,
          );
        }
        await deps.requests.markApplied(trx, approval.requestId, clock.now());
        await outbox.publish(trx, {
          entity: "TRANSITION_REQUEST",
          action: "APPROVED",
          orderingKey: change.name,
          data: {
            id: String(approval.requestId),
            name: change.name,
            version: String(approval.version),
            target: targetLabel(approval.target),
            approved_by: ctx.actor,
          },
        });
      }
      // Keep the why with the change: the registry's audit record of this request gets the reason.
      const reason =
        approval !== undefined
          ? `approved transition request ${approval.requestId} (requested by ${approval.requestedBy}: ${approval.reason})`
          : (ctx.reason ??
            (target !== undefined && change.version !== undefined
              ? (await facts.facts(trx, change.name, change.version))?.tags[REASON_TAG]
              : undefined));
      if (reason !== undefined && target !== undefined) {
        await trx
          .updateTable("audit_events")
          .set({ reason })
          .where("request_id", "=", ctx.requestId)
          .where("action", "=", change.action)
          .where("reason", "is", null)
          .execute();
      }
      for (const event of eventsOf(change)) await outbox.publish(trx, event);
    },

    async evaluate(ctx, name, version, target) {
      const { policy } = await policies.policyFor(database.db, name);
      await measureIfGated(ctx, policy, name, version, target);
      const results = await runGates(database.db, policy, name, version, target);
      await database.transaction((t) => store(t, ctx, name, version, target, results));
      return results;
    },

    async isProtectedAlias(name, alias) {
      const { policy } = await policies.policyFor(database.db, name);
      return isProtected(policy, { kind: "alias", name: alias });
    },

    async prepareDeployment(ctx, promotion) {
      const { name, version, target, holder } = deploymentPromotion(promotion);
      const { policy } = await policies.policyFor(database.db, name);
      if (!isProtected(policy, target)) return undefined;
      // Only a promotion `checkDeployment` would let through is worth a benchmark or an external call.
      const approved =
        (await deps.requests.approvedUnapplied(database.db, name, version, target)) !== undefined;
      if (!approved && !(await mayPromoteDirectly(database.db, ctx, policy, name))) return undefined;
      await measureIfGated(ctx, policy, name, version, target);
      const external = await runGates(database.db, policy, name, version, target, {
        only: slowGate,
        holder,
      });
      return new Map(external.map((r) => [r.gate, r]));
    },

    async checkDeployment(trx, ctx, promotion, prepared) {
      const { name, version, target, holder } = deploymentPromotion(promotion);
      const { policy } = await policies.policyFor(trx, name);
      if (!isProtected(policy, target)) return;
      const what = `Giving model '${name}' version ${version} traffic in protected ${targetLabel(target)}`;
      const request = await deps.requests.approvedUnapplied(trx, name, version, target);
      if (request === undefined) {
        if (policy.requireApproval) {
          throw new FlowgateError(
            "PERMISSION_DENIED",
            `${what} needs an approved transition request: the policy of '${name}' requires a second person's approval; ` +
              `${requestHint(name, version, target)}.`,
          );
        }
        if (!(await mayPromoteDirectly(trx, ctx, policy, name))) {
          throw new FlowgateError(
            "PERMISSION_DENIED",
            `${what} is refused: user '${ctx.actor}' lacks permission model.promote (role release-manager); ` +
              `${requestHint(name, version, target)}.`,
          );
        }
      }
      const results = await runGates(trx, policy, name, version, target, {
        done: preparedResults(prepared),
        holder,
      });
      const failed = results.filter((r) => !r.passed);
      const reason = (promotion.reason ?? ctx.reason ?? "").trim();
      if (failed.length === 0 && request === undefined && policy.requireReason && reason === "") {
        throw new FlowgateError(
          "INVALID_STATE",
          `${what} needs a reason: send "reason" with the change, or ${requestHint(name, version, target)}.`,
        );
      }
      if (failed.length > 0) {
        // As for a stage: the refused revision's transaction rolls back, its gate record must not.
        void database
          .transaction((t) => store(t, ctx, name, version, target, results))
          .catch((err: unknown) => logger.error({ err }, "could not store gate evaluations"));
        throw refusal(name, version, target, failed);
      }
      await store(trx, ctx, name, version, target, results);
      if (request !== undefined) await useRequest(trx, ctx, request, target);
    },

    async withApproval(ctx, approval, fn) {
      approvals.set(ctx.requestId, approval);
      try {
        return await fn();
      } finally {
        approvals.delete(ctx.requestId);
      }
    },
  };
}

function versionNumber(raw: string | number, field: string, deployment: string): number {
  const text = String(raw);
  if (!/^\d+$/.test(text)) {
    throw invalidParameter(
      `Invalid ${field} '${text}' of deployment '${deployment}': a pinned version number (resolve aliases and stages first).`,
    );
  }
  return Number(text);
}

function deploymentPromotion(p: DeploymentPromotion): {
  name: string;
  version: number;
  target: PromotionTarget;
  holder: number | undefined;
} {
  return {
    name: p.model,
    version: versionNumber(p.version, "version", p.deployment),
    target: { kind: "deployment", name: p.deployment },
    holder: p.current === undefined ? undefined : versionNumber(p.current, "current", p.deployment),
  };
}

/** Webhook events of a registry change: MLflow's own, plus stage transitions and alias moves. */
function eventsOf(change: GovernedChange): WebhookEvent[] {
  const after =
    typeof change.after === "object" && change.after !== null
      ? (change.after as Record<string, unknown>)
      : {};
  const base = { orderingKey: change.name };
  const version = change.version === undefined ? undefined : String(change.version);
  switch (change.action) {
    case "registered_model.create":
      return [
        {
          ...base,
          entity: "REGISTERED_MODEL",
          action: "CREATED",
          data: { name: change.name, ...pick(after, ["tags", "description"]) },
        },
      ];
    case "model_version.create":
      return [
        {
          ...base,
          entity: "MODEL_VERSION",
          action: "CREATED",
          data: { name: change.name, version, ...pick(after, ["source", "run_id", "tags", "description"]) },
        },
      ];
    case "model_version.set_tag":
      return [
        {
          ...base,
          entity: "MODEL_VERSION_TAG",
          action: "SET",
          data: { name: change.name, version, key: change.key, ...pick(after, ["value"]) },
        },
      ];
    case "model_version.delete_tag":
      return [
        {
          ...base,
          entity: "MODEL_VERSION_TAG",
          action: "DELETED",
          data: { name: change.name, version, key: change.key },
        },
      ];
    case "registered_model_alias.set": {
      const events: WebhookEvent[] = [
        {
          ...base,
          entity: "MODEL_VERSION_ALIAS",
          action: "CREATED",
          data: { name: change.name, alias: change.alias, version },
        },
      ];
      const before = change.before as { version?: number | string } | undefined;
      if (before?.version !== undefined && String(before.version) !== version) {
        events.push({
          ...base,
          entity: "MODEL_VERSION_ALIAS",
          action: "MOVED",
          data: { name: change.name, alias: change.alias, version, from_version: String(before.version) },
        });
      }
      return events;
    }
    case "registered_model_alias.delete":
      return [
        {
          ...base,
          entity: "MODEL_VERSION_ALIAS",
          action: "DELETED",
          data: { name: change.name, alias: change.alias },
        },
      ];
    case "model_version.transition_stage":
      if (change.toStage === undefined) return [];
      return [
        {
          ...base,
          entity: "MODEL_VERSION_STAGE",
          action: `TRANSITIONED_TO_${change.toStage.toUpperCase()}`,
          data: { name: change.name, version, from_stage: change.fromStage, to_stage: change.toStage },
        },
      ];
    default:
      return [];
  }
}

function pick(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]));
}
