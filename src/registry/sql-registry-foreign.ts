// What the registry needs from tracking and logged models: run artifact URIs and logged model locations
// (through the logged-model store, which owns those tables), the `mlflow.modelVersions` tag MLflow's server
// sets on a logged model, and the lineage joins — which read run_tags/params/logged_model_params directly,
// because one SQL join is the point of lineage in one call.
import { sql } from "kysely";
import type { LoggedModelStore } from "../tracking/logged-model-store.js";
import type { RegistryStore } from "./registry-store.js";
import { hydrateVersions, versionsQuery } from "./sql-registry-rows.js";

type ForeignMethods = Pick<
  RegistryStore,
  "lineage" | "versionsWithTag" | "findRun" | "findLoggedModel" | "setLoggedModelTag"
>;

export function sqlRegistryForeignMethods(loggedModels: LoggedModelStore): ForeignMethods {
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

    // Runs and logged models through the logged-models store, which owns those tables.
    async findRun(ex, runId) {
      const run = await loggedModels.findRun(ex, runId);
      return run === undefined ? undefined : { ...run, experimentId: Number(run.experimentId) };
    },
    async findLoggedModel(ex, modelId) {
      const model = await loggedModels.get(ex, modelId);
      if (model === undefined || model.lifecycleStage === "deleted") return undefined;
      return {
        modelId: model.modelId,
        artifactLocation: model.artifactUri,
        sourceRunId: model.sourceRunId ?? null,
        tags: model.tags,
      };
    },
    async setLoggedModelTag(ex, modelId, key, value) {
      await loggedModels.setTags(ex, modelId, [{ key, value }]);
    },
  };
}
