// The prediction log's segment index: one row per Parquet segment a serving replica uploaded (the rows stay in
// the file, in the artifact store). The monitor lists a deployment's segments by time; retention deletes the
// file first, then the row, so a row never names a missing file. Frozen once shipped.
import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  await db.schema
    .createTable("prediction_segments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("deployment", "text", (c) => c.notNull())
    // Relative to the artifact root: monitoring/<deployment>/<yyyy-mm-dd>/<first>-<replica>-<seq>.parquet
    .addColumn("path", "text", (c) => c.notNull().unique())
    .addColumn("replica", "text", (c) => c.notNull())
    .addColumn("first_time", d.bigint, (c) => c.notNull())
    .addColumn("last_time", d.bigint, (c) => c.notNull())
    .addColumn("rows", d.bigint, (c) => c.notNull())
    .addColumn("bytes", d.bigint, (c) => c.notNull())
    // JSON array of the versions whose rows the segment holds.
    .addColumn("versions", "text", (c) => c.notNull())
    .addColumn("created_at", d.bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("prediction_segments_time")
    .on("prediction_segments")
    .columns(["deployment", "first_time"])
    .execute();
  await db.schema
    .createIndex("prediction_segments_created")
    .on("prediction_segments")
    .columns(["deployment", "created_at"])
    .execute();
}
