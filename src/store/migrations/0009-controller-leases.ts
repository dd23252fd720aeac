// The rollout controller's leases: one row per deployment naming the server process that may act on it until
// `expires_at`. Taken and renewed by one conditional upsert, so two servers over one database never both hold
// it. Frozen once shipped.
import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  await db.schema
    .createTable("controller_leases")
    .addColumn("deployment", "text", (c) => c.primaryKey())
    .addColumn("holder", "text", (c) => c.notNull())
    .addColumn("expires_at", d.bigint, (c) => c.notNull())
    .execute();
}
