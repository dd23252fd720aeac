// The model-version half of the SQL registry store (see sql-registry-store.ts).
import { DELETED_STAGE } from "./entities.js";
import type { RegistryStore } from "./registry-store.js";
import { hydrateVersions, latestVersionRows, versionsQuery } from "./sql-registry-rows.js";
import { modelVersionConditions } from "./sql-registry-search.js";

/** What a soft-deleted version keeps of its source (as MLflow's "REDACTED-SOURCE-PATH"). */
const REDACTED = "REDACTED-SOURCE-PATH";

type VersionMethods = Pick<
  RegistryStore,
  | "maxVersion"
  | "insertVersion"
  | "findVersion"
  | "updateVersion"
  | "deleteVersion"
  | "versionsInStage"
  | "latestVersions"
  | "setVersionTag"
  | "deleteVersionTag"
  | "searchVersions"
  | "findAlias"
  | "findVersionByAlias"
  | "setAlias"
  | "deleteAlias"
>;

export function sqlVersionMethods(): VersionMethods {
  return {
    async maxVersion(ex, registeredModelId) {
      const row = await ex
        .selectFrom("model_versions")
        .select((eb) => eb.fn.max("version").as("max"))
        .where("registered_model_id", "=", registeredModelId)
        .executeTakeFirst();
      return Number(row?.max ?? 0);
    },
    async insertVersion(ex, v) {
      await ex
        .insertInto("model_versions")
        .values({
          registered_model_id: v.registeredModelId,
          version: v.version,
          creation_timestamp: v.now,
          last_updated_timestamp: v.now,
          description: v.description,
          user_id: v.userId,
          current_stage: "None",
          source: v.source,
          storage_location: v.storageLocation,
          run_id: v.runId,
          run_link: v.runLink,
          status: "READY",
          status_message: null,
          model_id: v.modelId,
        })
        .execute();
      const tags = Object.entries(v.tags);
      if (tags.length > 0) {
        await ex
          .insertInto("model_version_tags")
          .values(
            tags.map(([key, value]) => ({
              registered_model_id: v.registeredModelId,
              version: v.version,
              key,
              value,
            })),
          )
          .execute();
      }
    },
    async findVersion(ex, registeredModelId, version) {
      const row = await versionsQuery(ex)
        .where("mv.registered_model_id", "=", registeredModelId)
        .where("mv.version", "=", version)
        .executeTakeFirst();
      return row === undefined ? undefined : (await hydrateVersions(ex, [row]))[0];
    },
    async updateVersion(ex, registeredModelId, version, patch, now) {
      await ex
        .updateTable("model_versions")
        .set({
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.currentStage !== undefined ? { current_stage: patch.currentStage } : {}),
          last_updated_timestamp: now,
        })
        .where("registered_model_id", "=", registeredModelId)
        .where("version", "=", version)
        .execute();
    },
    async deleteVersion(ex, registeredModelId, version, now) {
      const of = { registered_model_id: registeredModelId, version };
      await ex
        .deleteFrom("registered_model_aliases")
        .where((eb) => eb.and(of))
        .execute();
      await ex
        .deleteFrom("model_version_tags")
        .where((eb) => eb.and(of))
        .execute();
      await ex
        .updateTable("model_versions")
        .set({
          current_stage: DELETED_STAGE,
          last_updated_timestamp: now,
          description: null,
          user_id: null,
          source: REDACTED,
          storage_location: REDACTED,
          run_id: null,
          run_link: null,
          status_message: null,
        })
        .where((eb) => eb.and(of))
        .execute();
    },
    async versionsInStage(ex, registeredModelId, stage) {
      const rows = await ex
        .selectFrom("model_versions")
        .select("version")
        .where("registered_model_id", "=", registeredModelId)
        .where("current_stage", "=", stage)
        .orderBy("version")
        .execute();
      return rows.map((r) => Number(r.version));
    },
    async latestVersions(ex, registeredModelId, stages) {
      // In latestVersionRows' order, MLflow's (not the order the stages were asked in).
      return hydrateVersions(ex, await latestVersionRows(ex, [registeredModelId], stages));
    },
    async setVersionTag(ex, registeredModelId, version, key, value) {
      await ex
        .insertInto("model_version_tags")
        .values({ registered_model_id: registeredModelId, version, key, value })
        .onConflict((oc) => oc.columns(["registered_model_id", "version", "key"]).doUpdateSet({ value }))
        .execute();
    },
    async deleteVersionTag(ex, registeredModelId, version, key) {
      const res = await ex
        .deleteFrom("model_version_tags")
        .where("registered_model_id", "=", registeredModelId)
        .where("version", "=", version)
        .where("key", "=", key)
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async searchVersions(ex, conditions, orderBy, offset, limit) {
      let q = versionsQuery(ex);
      for (const c of modelVersionConditions(conditions)) q = q.where(c);
      const column = { name: "rm.name", version_number: "mv.version" } as const;
      const clauses =
        orderBy.length > 0 ? [...orderBy] : [{ field: "last_updated_timestamp" as const, ascending: false }];
      if (!clauses.some((o) => o.field === "name")) clauses.push({ field: "name", ascending: true });
      if (!clauses.some((o) => o.field === "version_number"))
        clauses.push({ field: "version_number", ascending: false });
      for (const o of clauses) {
        const ref =
          o.field === "name" || o.field === "version_number" ? column[o.field] : (`mv.${o.field}` as const);
        q = q.orderBy(ref, o.ascending ? "asc" : "desc");
      }
      return hydrateVersions(ex, await q.limit(limit).offset(offset).execute());
    },

    async findAlias(ex, registeredModelId, alias) {
      const row = await ex
        .selectFrom("registered_model_aliases")
        .selectAll()
        .where("registered_model_id", "=", registeredModelId)
        .where("alias", "=", alias)
        .executeTakeFirst();
      return row === undefined ? undefined : { alias: row.alias, version: Number(row.version) };
    },
    async findVersionByAlias(ex, name, alias) {
      const row = await versionsQuery(ex)
        .innerJoin("registered_model_aliases as a", (j) =>
          j
            .onRef("a.registered_model_id", "=", "mv.registered_model_id")
            .onRef("a.version", "=", "mv.version"),
        )
        .where("rm.name", "=", name)
        .where("a.alias", "=", alias)
        .executeTakeFirst();
      return row === undefined ? undefined : (await hydrateVersions(ex, [row]))[0];
    },
    async setAlias(ex, registeredModelId, alias, version) {
      await ex
        .insertInto("registered_model_aliases")
        .values({ registered_model_id: registeredModelId, alias, version })
        .onConflict((oc) => oc.columns(["registered_model_id", "alias"]).doUpdateSet({ version }))
        .execute();
    },
    async deleteAlias(ex, registeredModelId, alias) {
      const res = await ex
        .deleteFrom("registered_model_aliases")
        .where("registered_model_id", "=", registeredModelId)
        .where("alias", "=", alias)
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}
