// The registry store on Kysely, one implementation for SQLite and PostgreSQL. Rows (snake_case) become
// entities here and nowhere else. It also reads the tracking and logged-model tables where the registry
// needs them (run artifact URIs, logged model locations, lineage joins): those reads stay in this file.
import { sql } from "kysely";
import type { Executor } from "../store/database.js";
import type { ModelVersionsTable, RegisteredModelsTable } from "../store/schema.js";
import { DELETED_STAGE, STAGES, type ModelVersion, type RegisteredModel, type Stage } from "./entities.js";
import type { RegistryStore } from "./registry-store.js";
import { modelVersionWhere, registeredModelWhere } from "./sql-registry-search.js";

type VersionRow = Omit<ModelVersionsTable, "current_stage"> & { current_stage: string; name: string };
type ModelRow = Omit<RegisteredModelsTable, "id"> & { id: number };

/** What a soft-deleted version keeps of its source (as MLflow's "REDACTED-SOURCE-PATH"). */
const REDACTED = "REDACTED-SOURCE-PATH";

function versionsQuery(ex: Executor) {
  return ex
    .selectFrom("model_versions as mv")
    .innerJoin("registered_models as rm", "rm.id", "mv.registered_model_id")
    .selectAll("mv")
    .select("rm.name as name")
    .where("mv.current_stage", "<>", DELETED_STAGE);
}

async function hydrateVersions(ex: Executor, rows: VersionRow[]): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.map((r) => Number(r.registered_model_id)))];
  const [tags, aliases] = await Promise.all([
    ex.selectFrom("model_version_tags").selectAll().where("registered_model_id", "in", ids).execute(),
    ex.selectFrom("registered_model_aliases").selectAll().where("registered_model_id", "in", ids).execute(),
  ]);
  const keyOf = (id: number, v: number): string => `${Number(id)}/${Number(v)}`;
  const tagsBy = new Map<string, Record<string, string>>();
  for (const t of tags) {
    const k = keyOf(t.registered_model_id, t.version);
    tagsBy.set(k, { ...tagsBy.get(k), [t.key]: t.value });
  }
  const aliasesBy = new Map<string, string[]>();
  for (const a of [...aliases].sort((x, y) => x.alias.localeCompare(y.alias))) {
    const k = keyOf(a.registered_model_id, a.version);
    aliasesBy.set(k, [...(aliasesBy.get(k) ?? []), a.alias]);
  }
  return rows.map((r) => {
    const k = keyOf(r.registered_model_id, r.version);
    return {
      registeredModelId: Number(r.registered_model_id),
      name: r.name,
      version: Number(r.version),
      creationTimestamp: Number(r.creation_timestamp),
      lastUpdatedTimestamp: Number(r.last_updated_timestamp),
      description: r.description,
      userId: r.user_id,
      currentStage: (STAGES as readonly string[]).includes(r.current_stage)
        ? (r.current_stage as Stage)
        : "None",
      source: r.source,
      storageLocation: r.storage_location,
      runId: r.run_id,
      runLink: r.run_link,
      status: "READY",
      statusMessage: r.status_message,
      modelId: r.model_id,
      tags: tagsBy.get(k) ?? {},
      aliases: aliasesBy.get(k) ?? [],
    };
  });
}

/** Latest live version per stage for each model: the row whose version is the max in its (model, stage). */
async function latestVersionRows(
  ex: Executor,
  modelIds: number[],
  stages?: readonly Stage[],
): Promise<VersionRow[]> {
  if (modelIds.length === 0) return [];
  let q = versionsQuery(ex)
    .where("mv.registered_model_id", "in", modelIds)
    .where(
      "mv.version",
      "=",
      sql<number>`(select max(m2.version) from model_versions m2 where m2.registered_model_id = mv.registered_model_id and m2.current_stage = mv.current_stage)`,
    );
  if (stages !== undefined) q = q.where("mv.current_stage", "in", [...stages]);
  return await q.orderBy("mv.version", "asc").execute();
}

async function hydrateModels(ex: Executor, rows: ModelRow[]): Promise<RegisteredModel[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => Number(r.id));
  const [tags, aliases, latest] = await Promise.all([
    ex.selectFrom("registered_model_tags").selectAll().where("registered_model_id", "in", ids).execute(),
    ex
      .selectFrom("registered_model_aliases")
      .selectAll()
      .where("registered_model_id", "in", ids)
      .orderBy("alias")
      .execute(),
    latestVersionRows(ex, ids).then((r) => hydrateVersions(ex, r)),
  ]);
  return rows.map((r) => {
    const id = Number(r.id);
    return {
      id,
      name: r.name,
      creationTimestamp: Number(r.creation_timestamp),
      lastUpdatedTimestamp: Number(r.last_updated_timestamp),
      description: r.description,
      userId: r.user_id,
      tags: Object.fromEntries(
        tags.filter((t) => Number(t.registered_model_id) === id).map((t) => [t.key, t.value]),
      ),
      aliases: aliases
        .filter((a) => Number(a.registered_model_id) === id)
        .map((a) => ({ alias: a.alias, version: Number(a.version) })),
      latestVersions: latest.filter((v) => v.registeredModelId === id),
    };
  });
}

export function createSqlRegistryStore(): RegistryStore {
  return {
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
        .set({ name: newName, last_updated_timestamp: now })
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
      for (const c of conditions) q = q.where(registeredModelWhere(c));
      for (const o of orderBy) q = q.orderBy(`rm.${o.field}`, o.ascending ? "asc" : "desc");
      if (!orderBy.some((o) => o.field === "name")) q = q.orderBy("rm.name", "asc");
      const rows = await q.limit(limit).offset(offset).execute();
      return hydrateModels(ex, rows);
    },

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
      const found = await hydrateVersions(ex, await latestVersionRows(ex, [registeredModelId], stages));
      return stages.flatMap((s) => found.filter((v) => v.currentStage === s));
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
      for (const c of conditions) q = q.where(modelVersionWhere(c));
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
