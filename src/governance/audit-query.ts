// Reading the audit log: filtered, newest first, paged by a cursor on the append-only id; and the JSON-lines
// export, which walks the same filter oldest first in batches so any size streams in bounded memory.
import type { Selectable } from "kysely";
import { invalidParameter } from "../core/errors.js";
import type { AuditEventsTable } from "../store/schema.js";
import type { Executor } from "../store/database.js";

export interface AuditRecord {
  id: number;
  time: number;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  reason: string | undefined;
  requestId: string;
}

export interface AuditFilter {
  actor?: string | undefined;
  /** Exact action, or a prefix ending in "." (e.g. `model_version.`). */
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  /** Inclusive, ms since the epoch. */
  since?: number | undefined;
  /** Exclusive, ms since the epoch. */
  until?: number | undefined;
}

export interface AuditQuery {
  search(
    x: Executor,
    filter: AuditFilter,
    page: { maxResults: number; pageToken?: string | undefined },
  ): Promise<{ records: AuditRecord[]; nextPageToken: string | undefined }>;
  /** Oldest first, `batchSize` at a time. */
  exportAll(x: Executor, filter: AuditFilter, batchSize?: number): AsyncGenerator<AuditRecord>;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function decodeCursor(token: string | undefined): number | undefined {
  if (token === undefined || token === "") return undefined;
  const id = Number(Buffer.from(token, "base64").toString("utf8"));
  if (!Number.isInteger(id) || id < 0) {
    throw invalidParameter(`Invalid page_token '${token}': use a token returned by a previous call.`);
  }
  return id;
}

export function createAuditQuery(): AuditQuery {
  function base(x: Executor, f: AuditFilter) {
    let q = x.selectFrom("audit_events").selectAll();
    if (f.actor !== undefined) q = q.where("actor", "=", f.actor);
    if (f.action !== undefined) {
      q = f.action.endsWith(".")
        ? q.where("action", "like", `${f.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
        : q.where("action", "=", f.action);
    }
    if (f.targetType !== undefined) q = q.where("target_type", "=", f.targetType);
    if (f.targetId !== undefined) q = q.where("target_id", "=", f.targetId);
    if (f.since !== undefined) q = q.where("time", ">=", f.since);
    if (f.until !== undefined) q = q.where("time", "<", f.until);
    return q;
  }
  const toRecord = (r: Selectable<AuditEventsTable>): AuditRecord => ({
    id: Number(r.id),
    time: Number(r.time),
    actor: r.actor,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    before: parseJson(r.before),
    after: parseJson(r.after),
    reason: r.reason ?? undefined,
    requestId: r.request_id,
  });
  return {
    async search(x, filter, page) {
      const before = decodeCursor(page.pageToken);
      let q = base(x, filter);
      if (before !== undefined) q = q.where("id", "<", before);
      const rows = await q
        .orderBy("id", "desc")
        .limit(page.maxResults + 1)
        .execute();
      const records = rows.slice(0, page.maxResults).map(toRecord);
      const last = records[records.length - 1];
      return {
        records,
        nextPageToken:
          rows.length > page.maxResults && last !== undefined
            ? Buffer.from(String(last.id), "utf8").toString("base64")
            : undefined,
      };
    },
    async *exportAll(x, filter, batchSize = 500) {
      let after = 0;
      for (;;) {
        const rows = await base(x, filter)
          .where("id", ">", after)
          .orderBy("id", "asc")
          .limit(batchSize)
          .execute();
        for (const r of rows) yield toRecord(r);
        const last = rows[rows.length - 1];
        if (last === undefined || rows.length < batchSize) return;
        after = Number(last.id);
      }
    },
  };
}
