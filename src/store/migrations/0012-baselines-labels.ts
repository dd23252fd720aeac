// Monitoring's baselines and labels. A baseline is one profile per model version, keyed by the registered
// model's id (a renamed model keeps its baselines; a deleted and re-created name does not inherit them).
// A label is the ground truth for one prediction, keyed by (deployment, request id) as the caller saw it;
// a number or a text, exactly one of the two columns set. `received_at` lets the monitor find windows
// whose labels arrived after they were computed. Frozen once shipped.
import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  const s = db.schema;
  await s
    .createTable("monitoring_baselines")
    .addColumn("model_id", "integer", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("profile", "text", (c) => c.notNull())
    .addColumn("created_at", d.bigint, (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("monitoring_baselines_pk", ["model_id", "version"])
    .execute();
  await s
    .createTable("monitoring_labels")
    .addColumn("deployment", "text", (c) => c.notNull())
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("label_number", d.double)
    .addColumn("label_text", "text")
    .addColumn("received_at", d.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("monitoring_labels_pk", ["deployment", "request_id"])
    .execute();
  await s
    .createIndex("monitoring_labels_received")
    .on("monitoring_labels")
    .columns(["deployment", "received_at"])
    .execute();
}
