// Entities and SQL of transition requests; rows become entities only here.
import type { Selectable } from "kysely";
import type { Executor } from "../store/database.js";
import type { TransitionRequestsTable } from "../store/schema-governance.js";
import type { PromotionTarget } from "./policies.js";

export type RequestStatus = "pending" | "approved" | "rejected" | "cancelled";

export interface TransitionRequest {
  id: number;
  name: string;
  version: number;
  target: PromotionTarget;
  archiveExisting: boolean;
  reason: string;
  status: RequestStatus;
  requestedBy: string;
  requestedAt: number;
  decidedBy: string | undefined;
  decidedAt: number | undefined;
  comment: string | undefined;
  /**
   * When the approved change was made: at approval for a stage or alias; for a deployment, by the next
   * revision that gives the version traffic there (until then the approval waits to be used).
   */
  appliedAt: number | undefined;
}

export interface TransitionRequestStore {
  insert(
    x: Executor,
    r: Pick<
      TransitionRequest,
      "name" | "version" | "target" | "archiveExisting" | "reason" | "requestedBy" | "requestedAt"
    >,
  ): Promise<number>;
  get(x: Executor, id: number): Promise<TransitionRequest | undefined>;
  list(
    x: Executor,
    filter: { status?: RequestStatus | undefined; name?: string | undefined },
  ): Promise<TransitionRequest[]>;
  /** Pending → status; false when it was no longer pending. */
  decide(
    x: Executor,
    id: number,
    status: RequestStatus,
    by: string,
    at: number,
    comment: string | undefined,
  ): Promise<boolean>;
  /** The oldest approved, not yet applied request for this version and target. */
  approvedUnapplied(
    x: Executor,
    name: string,
    version: number,
    target: PromotionTarget,
  ): Promise<TransitionRequest | undefined>;
  /** Approved and not applied → applied at `at`; false when it was applied meanwhile. */
  markApplied(x: Executor, id: number, at: number): Promise<boolean>;
}

function toRequest(r: Selectable<TransitionRequestsTable>): TransitionRequest {
  return {
    id: Number(r.id),
    name: r.model_name,
    version: Number(r.version),
    target: { kind: targetKind(r.target_kind), name: r.target },
    archiveExisting: Number(r.archive_existing) === 1,
    reason: r.reason,
    status: r.status as RequestStatus,
    requestedBy: r.requested_by,
    requestedAt: Number(r.requested_at),
    decidedBy: r.decided_by ?? undefined,
    decidedAt: r.decided_at ?? undefined,
    comment: r.decision_comment ?? undefined,
    appliedAt: r.applied_at ?? undefined,
  };
}

function targetKind(stored: string): PromotionTarget["kind"] {
  return stored === "alias" || stored === "deployment" ? stored : "stage";
}

export function createSqlTransitionRequestStore(): TransitionRequestStore {
  return {
    async insert(x, r) {
      const row = await x
        .insertInto("transition_requests")
        .values({
          model_name: r.name,
          version: r.version,
          target_kind: r.target.kind,
          target: r.target.name,
          archive_existing: r.archiveExisting ? 1 : 0,
          reason: r.reason,
          status: "pending",
          requested_by: r.requestedBy,
          requested_at: r.requestedAt,
          decided_by: null,
          decided_at: null,
          decision_comment: null,
          applied_at: null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },
    async get(x, id) {
      const r = await x.selectFrom("transition_requests").selectAll().where("id", "=", id).executeTakeFirst();
      return r === undefined ? undefined : toRequest(r);
    },
    async list(x, filter) {
      let q = x.selectFrom("transition_requests").selectAll();
      if (filter.status !== undefined) q = q.where("status", "=", filter.status);
      if (filter.name !== undefined) q = q.where("model_name", "=", filter.name);
      return (await q.orderBy("id", "desc").limit(1000).execute()).map(toRequest);
    },
    async decide(x, id, status, by, at, comment) {
      const res = await x
        .updateTable("transition_requests")
        .set({ status, decided_by: by, decided_at: at, decision_comment: comment ?? null })
        .where("id", "=", id)
        .where("status", "=", "pending")
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async approvedUnapplied(x, name, version, target) {
      const r = await x
        .selectFrom("transition_requests")
        .selectAll()
        .where("model_name", "=", name)
        .where("version", "=", version)
        .where("target_kind", "=", target.kind)
        .where("target", "=", target.name)
        .where("status", "=", "approved")
        .where("applied_at", "is", null)
        .orderBy("id")
        .executeTakeFirst();
      return r === undefined ? undefined : toRequest(r);
    },
    async markApplied(x, id, at) {
      const res = await x
        .updateTable("transition_requests")
        .set({ applied_at: at })
        .where("id", "=", id)
        .where("status", "=", "approved")
        .where("applied_at", "is", null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
  };
}
