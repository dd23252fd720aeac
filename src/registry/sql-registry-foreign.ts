// Reads of tables owned by tracking and logged models that the registry needs (run artifact URIs, logged
// model locations, lineage joins), plus the `mlflow.modelVersions` tag MLflow's server sets on a logged
// model. Read directly until those domains expose store interfaces to call instead.
import { sql } from "kysely";
import type { RegistryStore } from "./registry-store.js";
import { hydrateVersions, versionsQuery } from "./sql-registry-rows.js";

type ForeignMethods = Pick<
  RegistryStore,
  "lineage" | "versionsWithTag" | "findRun" | "findLoggedModel" | "setLoggedModelTag"
>;

export function sqlRegistryForeignMethods(): ForeignMethods {
  return {
    async lineage(ex, query, limit) {
      // Runs carry the tag/param; 3.x logged models copy the run's params, so they are matched too.
      const runIds =
        query.kind === "tag"
          ? ex
              .selectFrom("run_tags")
              .select("run_id")
              .where("key", "=", query.key)
              .where("value", "=", query.value)
          : ex
              .selectFrom("params")
              .select("run_id")
              .where("key", "=", query.key)
              .where("value", "=", query.value);
      const modelIds = ex
        .selectFrom(query.kind === "tag" ? "logged_model_tags" : "logged_model_params")
        .select("model_id")
        .where("key", "=", query.key)
        .where("value", "=", query.value);
      const rows = await versionsQuery(ex)
        .where((eb) => eb.or([eb("mv.run_id", "in", runIds), eb("mv.model_id", "in", modelIds)]))
        .orderBy("mv.creation_timestamp", "desc")
        .orderBy("rm.name")
        .orderBy("mv.version", "desc")
        .limit(limit)
        .execute();
      return hydrateVersions(ex, rows);
    },
    async versionsWithTag(ex, key) {
      const modelTag = ex
        .selectFrom("registered_model_tags")
        .select("registered_model_id")
        .where("key", "=", key);
      const versionTag = sql<boolean>`exists (select 1 from model_version_tags t where t.registered_model_id = mv.registered_model_id and t.version = mv.version and t.key = ${key})`;
      const rows = await versionsQuery(ex)
        .where((eb) => eb.or([eb("mv.registered_model_id", "in", modelTag), versionTag]))
        .orderBy("rm.name")
        .orderBy("mv.version")
        .execute();
      const versions = await hydrateVersions(ex, rows);
      const ids = [...new Set(versions.map((v) => v.registeredModelId))];
      const tags =
        ids.length === 0
          ? []
          : await ex
              .selectFrom("registered_model_tags")
              .selectAll()
              .where("registered_model_id", "in", ids)
              .execute();
      return versions.map((version) => ({
        version,
        modelTags: Object.fromEntries(
          tags
            .filter((t) => Number(t.registered_model_id) === version.registeredModelId)
            .map((t) => [t.key, t.value]),
        ),
      }));
    },

    // Tracking's tables, read directly until a tracking store interface exists to call instead.
    async findRun(ex, runId) {
      const row = await ex
        .selectFrom("runs")
        .select(["run_id", "experiment_id", "artifact_uri", "lifecycle_stage"])
        .where("run_id", "=", runId)
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : {
            runId: row.run_id,
            experimentId: Number(row.experiment_id),
            artifactUri: row.artifact_uri,
            lifecycleStage: row.lifecycle_stage,
          };
    },
    // Logged models' tables (owned by the logged-models domain), read and tagged directly for the same reason.
    async findLoggedModel(ex, modelId) {
      const row = await ex
        .selectFrom("logged_models")
        .select(["model_id", "artifact_location", "source_run_id"])
        .where("model_id", "=", modelId)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const tags = await ex
        .selectFrom("logged_model_tags")
        .selectAll()
        .where("model_id", "=", modelId)
        .execute();
      return {
        modelId: row.model_id,
        artifactLocation: row.artifact_location,
        sourceRunId: row.source_run_id,
        tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
      };
    },
    async setLoggedModelTag(ex, modelId, key, value) {
      await ex
        .insertInto("logged_model_tags")
        .values({ model_id: modelId, key, value })
        .onConflict((oc) => oc.columns(["model_id", "key"]).doUpdateSet({ value }))
        .execute();
    },
  };
}
