// Transition requests (four-eyes promotion): create with a reason, approve, reject, cancel, list. Neither the
// requester nor the version's creator may approve. Approving applies the transition through the registry, and
// the request is marked approved inside that same transaction (promotions.ts), so either both happen or neither.
// A request for a deployment cannot be applied by approving it (it names no revision): approved, it waits for
// the next revision that gives the version traffic there, which uses it up (promotions.checkDeployment).
import type { Clock } from "../core/clock.js";
import { FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { Database, Executor } from "../store/database.js";
import type { Outbox } from "../webhooks/outbox.js";
import type { AccessControl } from "./access-control.js";
import type { AuditLog } from "./audit.js";
import type { VersionFactsReader } from "./gates/version-facts.js";
import { targetLabel, type PromotionTarget } from "./policies.js";
import type { PromotionService } from "./promotions.js";
import type { TransitionRequestStore, TransitionRequest, RequestStatus } from "./transition-request-store.js";

/** How an approved request is applied: the registry's own stage transition and alias set. */
export interface TransitionApplier {
  transitionStage(
    ctx: RequestContext,
    req: { name: string; version: number; stage: string; archiveExistingVersions: boolean },
  ): Promise<void>;
  setAlias(ctx: RequestContext, req: { name: string; alias: string; version: number }): Promise<void>;
}

export interface ApprovalService {
  create(
    ctx: RequestContext,
    input: {
      name: string;
      version: number;
      target: PromotionTarget;
      archiveExisting: boolean;
      reason: string;
    },
  ): Promise<TransitionRequest>;
  get(id: number): Promise<TransitionRequest>;
  list(filter: {
    status?: RequestStatus | undefined;
    name?: string | undefined;
  }): Promise<TransitionRequest[]>;
  approve(ctx: RequestContext, id: number, comment: string | undefined): Promise<TransitionRequest>;
  reject(ctx: RequestContext, id: number, comment: string | undefined): Promise<TransitionRequest>;
  cancel(ctx: RequestContext, id: number): Promise<TransitionRequest>;
}

const STAGES = ["None", "Staging", "Production", "Archived"];

export function createApprovalService(deps: {
  database: Database;
  store: TransitionRequestStore;
  audit: AuditLog;
  access: AccessControl;
  facts: VersionFactsReader;
  promotions: PromotionService;
  outbox: Outbox;
  clock: Clock;
  /** The model a deployment serves; undefined when there is no such deployment. */
  modelOfDeployment(x: Executor, name: string): Promise<string | undefined>;
  /** Unset until the registry is wired: approving then answers NOT_IMPLEMENTED. */
  applier: () => TransitionApplier | undefined;
}): ApprovalService {
  const { database, store, audit, access, facts, promotions, outbox, clock } = deps;

  async function load(id: number): Promise<TransitionRequest> {
    const r = await store.get(database.db, id);
    if (r === undefined) throw notFound(`Transition request ${id} does not exist.`);
    return r;
  }

  function pending(r: TransitionRequest): void {
    if (r.status !== "pending") {
      throw new FlowgateError(
        "INVALID_STATE",
        `Transition request ${r.id} is already ${r.status}; only pending requests can be decided.`,
      );
    }
  }

  async function decide(
    ctx: RequestContext,
    r: TransitionRequest,
    status: "rejected" | "cancelled",
    comment: string | undefined,
  ): Promise<TransitionRequest> {
    await database.transaction(async (trx) => {
      if (!(await store.decide(trx, r.id, status, ctx.actor, clock.now(), comment))) {
        throw new FlowgateError(
          "ABORTED",
          `Transition request ${r.id} was decided by someone else meanwhile.`,
        );
      }
      await audit.record(trx, ctx, {
        action: `transition_request.${status === "rejected" ? "reject" : "cancel"}`,
        targetType: "transition_request",
        targetId: String(r.id),
        before: { status: "pending" },
        after: { status, comment },
        reason: comment,
      });
      await outbox.publish(trx, {
        entity: "TRANSITION_REQUEST",
        action: status === "rejected" ? "REJECTED" : "CANCELLED",
        orderingKey: r.name,
        data: {
          id: String(r.id),
          name: r.name,
          version: String(r.version),
          target: targetLabel(r.target),
          by: ctx.actor,
          comment,
        },
      });
    });
    return load(r.id);
  }

  /** Approves a deployment request: recorded now, used by the next revision giving the version traffic. */
  async function approveForLater(
    ctx: RequestContext,
    r: TransitionRequest,
    comment: string | undefined,
  ): Promise<TransitionRequest> {
    await database.transaction(async (trx) => {
      if (!(await store.decide(trx, r.id, "approved", ctx.actor, clock.now(), comment))) {
        throw new FlowgateError(
          "ABORTED",
          `Transition request ${r.id} was decided by someone else meanwhile.`,
        );
      }
      await audit.record(trx, ctx, {
        action: "transition_request.approve",
        targetType: "transition_request",
        targetId: String(r.id),
        before: { status: "pending" },
        after: { status: "approved", target: targetLabel(r.target), comment },
        reason: comment ?? r.reason,
      });
      await outbox.publish(trx, {
        entity: "TRANSITION_REQUEST",
        action: "APPROVED",
        orderingKey: r.name,
        data: {
          id: String(r.id),
          name: r.name,
          version: String(r.version),
          target: targetLabel(r.target),
          approved_by: ctx.actor,
        },
      });
    });
    return load(r.id);
  }

  return {
    async create(ctx, input) {
      const reason = input.reason.trim();
      if (reason === "")
        throw invalidParameter(
          "Missing value for required parameter 'reason': say why this version should move.",
        );
      if (reason.length > 2000) throw invalidParameter("Invalid reason: at most 2000 characters.");
      let target = input.target;
      if (target.kind === "stage") {
        const stage = STAGES.find((s) => s.toLowerCase() === target.name.toLowerCase());
        if (stage === undefined)
          throw invalidParameter(`Invalid stage '${target.name}': use ${STAGES.join(", ")}.`);
        target = { kind: "stage", name: stage };
      }
      if (target.kind === "deployment") {
        if (input.archiveExisting) {
          throw invalidParameter(
            "Invalid archive_existing_versions for a deployment: it applies to stage transitions only.",
          );
        }
        // A deployment not created yet may be asked for (its first primary is a promotion too).
        const serves = await deps.modelOfDeployment(database.db, target.name);
        if (serves !== undefined && serves !== input.name) {
          throw invalidParameter(
            `Invalid deployment '${target.name}': it serves model '${serves}', not '${input.name}'.`,
          );
        }
      }
      if ((await facts.facts(database.db, input.name, input.version)) === undefined) {
        throw notFound(`Model version '${input.name}' version ${input.version} does not exist.`);
      }
      const id = await database.transaction(async (trx) => {
        const newId = await store.insert(trx, {
          name: input.name,
          version: input.version,
          target,
          archiveExisting: input.archiveExisting,
          reason,
          requestedBy: ctx.actor,
          requestedAt: clock.now(),
        });
        await audit.record(trx, ctx, {
          action: "transition_request.create",
          targetType: "transition_request",
          targetId: String(newId),
          after: { name: input.name, version: input.version, target: targetLabel(target) },
          reason,
        });
        await outbox.publish(trx, {
          entity: "TRANSITION_REQUEST",
          action: "CREATED",
          orderingKey: input.name,
          data: {
            id: String(newId),
            name: input.name,
            version: String(input.version),
            target: targetLabel(target),
            requested_by: ctx.actor,
            reason,
          },
        });
        return newId;
      });
      return load(id);
    },
    get: load,
    list: (filter) => store.list(database.db, filter),
    async approve(ctx, id, comment) {
      const r = await load(id);
      pending(r);
      if (r.requestedBy === ctx.actor) {
        throw new FlowgateError(
          "PERMISSION_DENIED",
          `User '${ctx.actor}' requested transition request ${id} and cannot approve it: another release manager must (four-eyes).`,
        );
      }
      const subject = await facts.facts(database.db, r.name, r.version);
      if (subject?.creator !== undefined && subject.creator === ctx.actor) {
        throw new FlowgateError(
          "PERMISSION_DENIED",
          `User '${ctx.actor}' registered '${r.name}' version ${r.version} and cannot approve its promotion: another release manager must (four-eyes).`,
        );
      }
      await access.require(
        ctx,
        "model.approve",
        { type: "model_name", name: r.name },
        `Approving transition request ${id} is refused`,
      );
      if (r.target.kind === "deployment") return approveForLater(ctx, r, comment);
      const applier = deps.applier();
      if (applier === undefined) {
        throw new FlowgateError(
          "NOT_IMPLEMENTED",
          "Approving needs the model registry, which this server does not run.",
        );
      }
      const decision = { ...ctx, reason: comment ?? r.reason };
      await promotions.withApproval(
        decision,
        {
          requestId: r.id,
          name: r.name,
          version: r.version,
          target: r.target,
          requestedBy: r.requestedBy,
          reason: r.reason,
        },
        () =>
          r.target.kind === "stage"
            ? applier.transitionStage(decision, {
                name: r.name,
                version: r.version,
                stage: r.target.name,
                archiveExistingVersions: r.archiveExisting,
              })
            : applier.setAlias(decision, { name: r.name, alias: r.target.name, version: r.version }),
      );
      return load(id);
    },
    async reject(ctx, id, comment) {
      const r = await load(id);
      pending(r);
      await access.require(
        ctx,
        "model.approve",
        { type: "model_name", name: r.name },
        `Rejecting transition request ${id} is refused`,
      );
      return decide(ctx, r, "rejected", comment);
    },
    async cancel(ctx, id) {
      const r = await load(id);
      pending(r);
      if (r.requestedBy !== ctx.actor && !(await access.allows(ctx, "user.manage", { type: "global" }))) {
        throw new FlowgateError(
          "PERMISSION_DENIED",
          `Only '${r.requestedBy}', who made transition request ${id}, or an admin can cancel it.`,
        );
      }
      return decide(ctx, r, "cancelled", undefined);
    },
  };
}
