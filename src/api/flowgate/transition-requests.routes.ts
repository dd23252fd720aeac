// Native API for transition requests: create (with a reason), list (pending by default), get, approve,
// reject, cancel.
import { readAccessOfRequest } from "../auth-guard.js";
import { ofReadableVersions, readableOfVersion } from "../../governance/visible.js";
import { invalidParameter } from "../../core/errors.js";
import type { ApprovalService } from "../../governance/approvals.js";
import { targetLabel } from "../../governance/policies.js";
import type { RequestStatus, TransitionRequest } from "../../governance/transition-request-store.js";
import type { RoutePlugin } from "../server.js";
import { optionalBool, optionalString, requiredInt, requiredString } from "../mlflow/wire-input.js";
import { compact } from "../mlflow/wire-output.js";
import { nativeRoute } from "./native-router.js";
import { targetOf } from "./policies.routes.js";
import * as N from "./schemas/native.js";

export function requestJson(r: TransitionRequest): object {
  return compact({
    id: r.id,
    name: r.name,
    version: String(r.version),
    target_kind: r.target.kind,
    target: r.target.name,
    target_label: targetLabel(r.target),
    archive_existing_versions: r.archiveExisting,
    reason: r.reason,
    status: r.status,
    requested_by: r.requestedBy,
    requested_at: r.requestedAt,
    decided_by: r.decidedBy,
    decided_at: r.decidedAt,
    comment: r.comment,
    applied_at: r.appliedAt,
  });
}

const STATUSES: readonly RequestStatus[] = ["pending", "approved", "rejected", "cancelled"];

function idOf(raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw))
    throw invalidParameter(`Invalid transition request id '${raw ?? ""}'.`);
  return Number(raw);
}

export function transitionRequestsRoutes(deps: { approvals: ApprovalService }): RoutePlugin {
  const { approvals } = deps;
  return (app) => {
    nativeRoute(app, "POST", "transition-requests", N.createTransitionRequest, async ({ args, ctx }) => ({
      request: requestJson(
        await approvals.create(ctx, {
          name: requiredString(args, "name"),
          version: requiredInt(args, "version"),
          target: targetOf(args),
          archiveExisting: optionalBool(args, "archive_existing_versions") ?? false,
          reason: optionalString(args, "reason") ?? "",
        }),
      ),
    }));
    nativeRoute(app, "GET", "transition-requests", N.listTransitionRequests, async ({ args, request }) => {
      const status = optionalString(args, "status") ?? "pending";
      if (status !== "all" && !STATUSES.includes(status as RequestStatus)) {
        throw invalidParameter(`Invalid status '${status}': use ${STATUSES.join(", ")} or all.`);
      }
      const list = await ofReadableVersions(
        readAccessOfRequest(request),
        await approvals.list({
          status: status === "all" ? undefined : (status as RequestStatus),
          name: optionalString(args, "name"),
        }),
      );
      return { requests: list.map(requestJson) };
    });
    nativeRoute(
      app,
      "GET",
      "transition-requests/:id",
      N.getTransitionRequest,
      async ({ params, request }) => ({
        request: requestJson(
          await readableOfVersion(readAccessOfRequest(request), await approvals.get(idOf(params.id))),
        ),
      }),
    );
    nativeRoute(
      app,
      "POST",
      "transition-requests/:id/approve",
      N.approveTransitionRequest,
      async ({ args, params, ctx }) => ({
        request: requestJson(await approvals.approve(ctx, idOf(params.id), optionalString(args, "comment"))),
      }),
    );
    nativeRoute(
      app,
      "POST",
      "transition-requests/:id/reject",
      N.rejectTransitionRequest,
      async ({ args, params, ctx }) => ({
        request: requestJson(await approvals.reject(ctx, idOf(params.id), optionalString(args, "comment"))),
      }),
    );
    nativeRoute(
      app,
      "POST",
      "transition-requests/:id/cancel",
      N.cancelTransitionRequest,
      async ({ params, ctx }) => ({
        request: requestJson(await approvals.cancel(ctx, idOf(params.id))),
      }),
    );
  };
}
