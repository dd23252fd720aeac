// Serving smoke benchmarks of model versions, read by the max_latency promotion gate. A version's files never
// change, so one successful measurement per version stays valid; failed attempts are kept for the record.
// Frozen once shipped.
import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  await db.schema
    .createTable("latency_measurements")
    .addColumn("id", d.bigint, (c) => d.identityColumn(c))
    .addColumn("model_name", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    // 1: the benchmark ran and the numbers below are set; 0: it could not run, `message` says why.
    .addColumn("ok", "integer", (c) => c.notNull())
    .addColumn("requests", "integer", (c) => c.notNull())
    .addColumn("p50_ms", d.double)
    .addColumn("p99_ms", d.double)
    .addColumn("max_ms", d.double)
    .addColumn("runtime", "text")
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("measured_at", d.bigint, (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("latency_measurements_version")
    .on("latency_measurements")
    .columns(["model_name", "version"])
    .execute();
}
