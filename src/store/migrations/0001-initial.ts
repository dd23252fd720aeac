// Initial schema: tracking, logged models, registry and the audit log. Frozen once shipped: change the
// schema only by adding a new numbered migration.
import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  const s = db.schema;
  await s
    .createTable("experiments")
    .addColumn("experiment_id", d.bigint, (c) => d.identityColumn(c))
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("artifact_location", "text", (c) => c.notNull())
    .addColumn("lifecycle_stage", "text", (c) => c.notNull())
    .addColumn("creation_time", d.bigint, (c) => c.notNull())
    .addColumn("last_update_time", d.bigint, (c) => c.notNull())
    .execute();
  await s
    .createTable("experiment_tags")
    .addColumn("experiment_id", d.bigint, (c) => c.notNull().references("experiments.experiment_id"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("experiment_tags_pk", ["experiment_id", "key"])
    .execute();

  await s
    .createTable("runs")
    .addColumn("run_id", "text", (c) => c.primaryKey())
    .addColumn("experiment_id", d.bigint, (c) => c.notNull().references("experiments.experiment_id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("start_time", d.bigint, (c) => c.notNull())
    .addColumn("end_time", d.bigint)
    .addColumn("lifecycle_stage", "text", (c) => c.notNull())
    .addColumn("artifact_uri", "text", (c) => c.notNull())
    .addColumn("deleted_time", d.bigint)
    .execute();
  await s.createIndex("runs_experiment_start").on("runs").columns(["experiment_id", "start_time"]).execute();
  for (const table of ["params", "run_tags"]) {
    await s
      .createTable(table)
      .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["run_id", "key"])
      .execute();
  }
  await s
    .createTable("metrics")
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", d.double, (c) => c.notNull())
    .addColumn("timestamp", d.bigint, (c) => c.notNull())
    .addColumn("step", d.bigint, (c) => c.notNull())
    .addColumn("is_nan", "integer", (c) => c.notNull())
    .addColumn("model_id", "text")
    .addColumn("dataset_name", "text")
    .addColumn("dataset_digest", "text")
    .addPrimaryKeyConstraint("metrics_pk", ["run_id", "key", "step", "timestamp", "value", "is_nan"])
    .execute();
  await s
    .createTable("latest_metrics")
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", d.double, (c) => c.notNull())
    .addColumn("timestamp", d.bigint, (c) => c.notNull())
    .addColumn("step", d.bigint, (c) => c.notNull())
    .addColumn("is_nan", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("latest_metrics_pk", ["run_id", "key"])
    .execute();
  await s.createIndex("latest_metrics_key_value").on("latest_metrics").columns(["key", "value"]).execute();

  await s
    .createTable("datasets")
    .addColumn("dataset_id", "text", (c) => c.primaryKey())
    .addColumn("experiment_id", d.bigint, (c) => c.notNull().references("experiments.experiment_id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("source_type", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("schema", "text")
    .addColumn("profile", "text")
    .addUniqueConstraint("datasets_identity", ["experiment_id", "name", "digest"])
    .execute();
  await s
    .createTable("run_inputs")
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
    .addColumn("dataset_id", "text", (c) => c.notNull().references("datasets.dataset_id"))
    .addColumn("tags", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("run_inputs_pk", ["run_id", "dataset_id"])
    .execute();

  await s
    .createTable("logged_models")
    .addColumn("model_id", "text", (c) => c.primaryKey())
    .addColumn("experiment_id", d.bigint, (c) => c.notNull().references("experiments.experiment_id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("artifact_location", "text", (c) => c.notNull())
    .addColumn("creation_timestamp_ms", d.bigint, (c) => c.notNull())
    .addColumn("last_updated_timestamp_ms", d.bigint, (c) => c.notNull())
    .addColumn("status", "integer", (c) => c.notNull())
    .addColumn("lifecycle_stage", "text", (c) => c.notNull())
    .addColumn("model_type", "text")
    .addColumn("source_run_id", "text")
    .addColumn("status_message", "text")
    .addColumn("creator_id", "text")
    .execute();
  await s.createIndex("logged_models_experiment").on("logged_models").columns(["experiment_id"]).execute();
  for (const table of ["logged_model_tags", "logged_model_params"]) {
    await s
      .createTable(table)
      .addColumn("model_id", "text", (c) => c.notNull().references("logged_models.model_id"))
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["model_id", "key"])
      .execute();
  }
  await s
    .createTable("run_model_inputs")
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
    .addColumn("model_id", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("run_model_inputs_pk", ["run_id", "model_id"])
    .execute();
  await s
    .createTable("run_model_outputs")
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
    .addColumn("model_id", "text", (c) => c.notNull())
    .addColumn("step", d.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("run_model_outputs_pk", ["run_id", "model_id"])
    .execute();

  await s
    .createTable("registered_models")
    .addColumn("id", d.bigint, (c) => d.identityColumn(c))
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("creation_timestamp", d.bigint, (c) => c.notNull())
    .addColumn("last_updated_timestamp", d.bigint, (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("user_id", "text")
    .execute();
  await s
    .createTable("registered_model_tags")
    .addColumn("registered_model_id", d.bigint, (c) => c.notNull().references("registered_models.id"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("registered_model_tags_pk", ["registered_model_id", "key"])
    .execute();
  await s
    .createTable("model_versions")
    .addColumn("registered_model_id", d.bigint, (c) => c.notNull().references("registered_models.id"))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("creation_timestamp", d.bigint, (c) => c.notNull())
    .addColumn("last_updated_timestamp", d.bigint, (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("user_id", "text")
    .addColumn("current_stage", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("storage_location", "text", (c) => c.notNull())
    .addColumn("run_id", "text")
    .addColumn("run_link", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("status_message", "text")
    .addColumn("model_id", "text")
    .addPrimaryKeyConstraint("model_versions_pk", ["registered_model_id", "version"])
    .execute();
  await s.createIndex("model_versions_run").on("model_versions").columns(["run_id"]).execute();
  await s
    .createTable("model_version_tags")
    .addColumn("registered_model_id", d.bigint, (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("model_version_tags_pk", ["registered_model_id", "version", "key"])
    .addForeignKeyConstraint(
      "model_version_tags_version",
      ["registered_model_id", "version"],
      "model_versions",
      ["registered_model_id", "version"],
    )
    .execute();
  await s
    .createTable("registered_model_aliases")
    .addColumn("registered_model_id", d.bigint, (c) => c.notNull())
    .addColumn("alias", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("registered_model_aliases_pk", ["registered_model_id", "alias"])
    .addForeignKeyConstraint(
      "registered_model_aliases_version",
      ["registered_model_id", "version"],
      "model_versions",
      ["registered_model_id", "version"],
    )
    .execute();

  await s
    .createTable("audit_events")
    .addColumn("id", d.bigint, (c) => d.identityColumn(c))
    .addColumn("time", d.bigint, (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target_id", "text", (c) => c.notNull())
    .addColumn("before", "text")
    .addColumn("after", "text")
    .addColumn("reason", "text")
    .addColumn("request_id", "text", (c) => c.notNull())
    .execute();
  await s
    .createIndex("audit_events_target")
    .on("audit_events")
    .columns(["target_type", "target_id"])
    .execute();
  await s.createIndex("audit_events_time").on("audit_events").columns(["time"]).execute();
}
