// Row → entity mapping for the registry store: versions with their tags and aliases, models with tags,
// aliases and latest version per stage, each loaded in a few batched queries (never one per row).
import { sql } from "kysely";
import type { Executor } from "../store/database.js";
import type { ModelVersionsTable, RegisteredModelsTable } from "../store/schema.js";
import { DELETED_STAGE, STAGES, type ModelVersion, type RegisteredModel, type Stage } from "./entities.js";

export type VersionRow = Omit<ModelVersionsTable, "current_stage"> & { current_stage: string; name: string };
export type ModelRow = Omit<RegisteredModelsTable, "id"> & { id: number };

export function versionsQuery(ex: Executor) {
  return ex
    .selectFrom("model_versions as mv")
    .innerJoin("registered_models as rm", "rm.id", "mv.registered_model_id")
    .selectAll("mv")
    .select("rm.name as name")
    .where("mv.current_stage", "<>", DELETED_STAGE);
}

export async function hydrateVersions(ex: Executor, rows: VersionRow[]): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.map((r) => Number(r.registered_model_id)))];
  // For a handful of versions (a get, an alias, latest per stage) also narrow by version number, so a read
  // of one version never scans the tags of all its siblings; big pages stay under the bind-parameter limit.
  const versions = rows.length <= 100 ? [...new Set(rows.map((r) => Number(r.version)))] : undefined;
  const tagsQuery = ex.selectFrom("model_version_tags").selectAll().where("registered_model_id", "in", ids);
  const aliasesQuery = ex
    .selectFrom("registered_model_aliases")
    .selectAll()
    .where("registered_model_id", "in", ids);
  const [tags, aliases] = await Promise.all([
    (versions === undefined ? tagsQuery : tagsQuery.where("version", "in", versions)).execute(),
    (versions === undefined ? aliasesQuery : aliasesQuery.where("version", "in", versions)).execute(),
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
export async function latestVersionRows(
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
  // MLflow's order: the stages as first met walking the versions upwards, i.e. by each stage's lowest version.
  return await q
    .orderBy(
      sql`(select min(m3.version) from model_versions m3 where m3.registered_model_id = mv.registered_model_id and m3.current_stage = mv.current_stage)`,
    )
    .orderBy("mv.version", "asc")
    .execute();
}

export async function hydrateModels(ex: Executor, rows: ModelRow[]): Promise<RegisteredModel[]> {
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
