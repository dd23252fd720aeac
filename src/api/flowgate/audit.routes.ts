// Native API for the audit log: filtered search (newest first, paged) and JSON-lines export.
import { Readable } from "node:stream";
import { checkMaxResults } from "../../core/paging.js";
import type { AuditFilter, AuditQuery, AuditRecord } from "../../governance/audit-query.js";
import type { Database } from "../../store/database.js";
import type { RoutePlugin } from "../server.js";
import { optionalInt, optionalString, type WireArgs } from "../mlflow/wire-input.js";
import { nativeRoute } from "./native-router.js";
import * as N from "./schemas/native.js";

export function auditJson(r: AuditRecord): object {
  return {
    id: r.id,
    time: r.time,
    actor: r.actor,
    action: r.action,
    target_type: r.targetType,
    target_id: r.targetId,
    before: r.before,
    after: r.after,
    reason: r.reason,
    request_id: r.requestId,
  };
}

function filterOf(args: WireArgs): AuditFilter {
  return {
    actor: optionalString(args, "actor"),
    action: optionalString(args, "action"),
    targetType: optionalString(args, "target_type"),
    targetId: optionalString(args, "target_id"),
    since: optionalInt(args, "since"),
    until: optionalInt(args, "until"),
  };
}

export function auditRoutes(deps: { database: Database; auditQuery: AuditQuery }): RoutePlugin {
  return (app) => {
    nativeRoute(app, "GET", "audit", N.listAudit, async ({ args }) => {
      const page = await deps.auditQuery.search(deps.database.db, filterOf(args), {
        maxResults: checkMaxResults(optionalInt(args, "max_results"), 100, 1000),
        pageToken: optionalString(args, "page_token"),
      });
      return { events: page.records.map(auditJson), next_page_token: page.nextPageToken };
    });
    nativeRoute(app, "GET", "audit/export", N.exportAudit, async ({ args, reply }) => {
      const filter = filterOf(args);
      const records = deps.auditQuery.exportAll(deps.database.db, filter);
      // Streamed: an export of years of history never sits in memory whole.
      const lines = Readable.from(
        (async function* () {
          for await (const r of records) yield `${JSON.stringify(auditJson(r))}\n`;
        })(),
      );
      return reply.type("application/x-ndjson; charset=utf-8").send(lines);
    });
  };
}
