// Progressive delivery: deployments, their revisions (the spec history), the controller's rollout state per
// deployment, and the windows serving replicas report. Frozen once shipped.
import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  const s = db.schema;
  await s
    .createTable("deployments")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("strategy", "text")
    .addColumn("track_alias", "text")
    .addColumn("created_at", d.bigint, (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("updated_at", d.bigint, (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .execute();
  await s.createIndex("deployments_model").on("deployments").columns(["model", "name"]).execute();
  await s
    .createTable("deployment_revisions")
    .addColumn("deployment", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("spec", "text", (c) => c.notNull())
    .addColumn("author", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_at", d.bigint, (c) => c.notNull())
    .addColumn("diff", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("deployment_revisions_pk", ["deployment", "revision"])
    .execute();
  await s
    .createTable("rollout_states")
    .addColumn("deployment", "text", (c) => c.primaryKey())
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("phase", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .execute();
  await s
    .createTable("deployment_observations")
    .addColumn("id", d.bigint, (c) => d.identityColumn(c))
    .addColumn("deployment", "text", (c) => c.notNull())
    .addColumn("replica", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("started_at", d.bigint, (c) => c.notNull())
    .addColumn("ended_at", d.bigint, (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .execute();
  await s
    .createIndex("deployment_observations_time")
    .on("deployment_observations")
    .columns(["deployment", "ended_at"])
    .execute();
  // Pruning deletes by age over every deployment.
  await s
    .createIndex("deployment_observations_ended")
    .on("deployment_observations")
    .columns(["ended_at"])
    .execute();
}
