// A transition request may name a deployment (target_kind "deployment"). Such a request is approved first and
// used later, by the deployment revision that gives the version traffic; `applied_at` says when. Stage and
// alias requests are applied when they are approved, so theirs is their decision time. Frozen once shipped.
import { sql, type Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  await db.schema.alterTable("transition_requests").addColumn("applied_at", d.bigint).execute();
  await sql`UPDATE transition_requests SET applied_at = decided_at WHERE status = 'approved'`.execute(db);
}
