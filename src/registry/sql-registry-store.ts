// The registry store on Kysely, one implementation for SQLite and PostgreSQL: registered models here,
// versions and aliases in sql-version-store.ts, reads of tracking/logged-model tables in
// sql-registry-foreign.ts. Rows (snake_case) become entities only in these files (sql-registry-rows.ts).
import { sql } from "kysely";
import { nameKey } from "../core/name-rules.js";
import type { LoggedModelStore } from "../tracking/logged-model-store.js";
import type { RegistryStore } from "./registry-store.js";
import { hydrateModels } from "./sql-registry-rows.js";
import { registeredModelConditions } from "./sql-registry-search.js";
import { sqlRegistryForeignMethods } from "./sql-registry-foreign.js";
import { sqlVersionMethods } from "./sql-version-store.js";

/** `loggedModels` answers the registry's questions about runs and logged models (source checks). */
export function createSqlRegistryStore(loggedModels: LoggedModelStore): RegistryStore {
  return {
    ...sqlVersionMethods(),
    ...sqlRegistryForeignMethods(loggedModels),
    async findModel(ex, name) {
      const row = await ex
        .selectFrom("registered_models")
        .selectAll()
        .where("name", "=", name)
        .executeTakeFirst();
      return row === undefined ? undefined : (await hydrateModels(ex, [row]))[0];
    },
    async modelId(ex, name) {
      const row = await ex
        .selectFrom("registered_models")
        .select("id")
        .where("name", "=", name)
        .executeTakeFirst();
      return row === undefined ? undefined : Number(row.id);
    },
    async modelNameLike(ex, name) {
      const row = await ex
        .selectFrom("registered_models")
        .select("name")
        .where("name_key", "=", nameKey(name))
        .executeTakeFirst();
      return row?.name;
    },
    async lockModel(ex, name) {
      const row = await ex
        .updateTable("registered_models")
        .set({ last_updated_timestamp: sql`last_updated_timestamp` })
        .where("name", "=", name)
        .returning("id")
        .executeTakeFirst();
      return row === undefined ? undefined : Number(row.id);
    },
    async insertModel(ex, m) {
      const row = await ex
        .insertInto("registered_models")
        .values({
          name: m.name,
          name_key: nameKey(m.name),
          creation_timestamp: m.now,
          last_updated_timestamp: m.now,
          description: m.description,
          user_id: m.userId,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const id = Number(row.id);
      const tags = Object.entries(m.tags);
      if (tags.length > 0) {
        await ex
          .insertInto("registered_model_tags")
          .values(tags.map(([key, value]) => ({ registered_model_id: id, key, value })))
          .execute();
      }
      return id;
    },
    async renameModel(ex, id, newName, now) {
      await ex
        .updateTable("registered_models")
        .set({ name: newName, name_key: nameKey(newName), last_updated_timestamp: now })
        .where("id", "=", id)
        .execute();
    },
    async updateModelDescription(ex, id, description, now) {
      await ex
        .updateTable("registered_models")
        .set({ description, last_updated_timestamp: now })
        .where("id", "=", id)
        .execute();
    },
    async touchModel(ex, id, now) {
      await ex
        .updateTable("registered_models")
        .set({ last_updated_timestamp: now })
        .where("id", "=", id)
        .execute();
    },
    async deleteModel(ex, id) {
      await ex.deleteFrom("registered_model_aliases").where("registered_model_id", "=", id).execute();
      await ex.deleteFrom("model_version_tags").where("registered_model_id", "=", id).execute();
      await ex.deleteFrom("model_versions").where("registered_model_id", "=", id).execute();
      await ex.deleteFrom("registered_model_tags").where("registered_model_id", "=", id).execute();
      await ex.deleteFrom("registered_models").where("id", "=", id).execute();
    },
    async setModelTag(ex, id, key, value) {
      await ex
        .insertInto("registered_model_tags")
        .values({ registered_model_id: id, key, value })
        .onConflict((oc) => oc.columns(["registered_model_id", "key"]).doUpdateSet({ value }))
        .execute();
    },
    async deleteModelTag(ex, id, key) {
      const res = await ex
        .deleteFrom("registered_model_tags")
        .where("registered_model_id", "=", id)
        .where("key", "=", key)
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async searchModels(ex, conditions, orderBy, offset, limit) {
      let q = ex.selectFrom("registered_models as rm").selectAll("rm");
      for (const c of registeredModelConditions(conditions)) q = q.where(c);
      for (const o of orderBy) q = q.orderBy(`rm.${o.field}`, o.ascending ? "asc" : "desc");
      if (!orderBy.some((o) => o.field === "name")) q = q.orderBy("rm.name", "asc");
      const rows = await q.limit(limit).offset(offset).execute();
      return hydrateModels(ex, rows);
    },
  };
}
