// Experiments and experiment tags on SQLite and PostgreSQL (Kysely). Rows become Experiment entities here.
import { sql } from "kysely";
import { nameKey } from "../core/name-rules.js";
import type { Executor } from "../store/database.js";
import type { ExperimentsTable } from "../store/schema.js";
import type { Experiment, LifecycleStage, Tag, ViewType } from "./entities.js";
import type { ExperimentSearch, ExperimentStore } from "./tracking-store.js";
import { sqlComparison } from "../store/sql-comparison.js";
import { keyValueFilter, type KeyTest } from "../store/key-value-filter.js";

type ExperimentRow = {
  [K in keyof ExperimentsTable]: K extends "experiment_id" ? number : ExperimentsTable[K];
};

/** The numeric id of a wire id, or undefined when it cannot name any experiment. */
export function experimentIdNumber(experimentId: string): number | undefined {
  if (!/^\d{1,15}$/.test(experimentId)) return undefined;
  return Number(experimentId);
}

export function lifecycleStagesOf(viewType: ViewType): LifecycleStage[] {
  if (viewType === "ACTIVE_ONLY") return ["active"];
  if (viewType === "DELETED_ONLY") return ["deleted"];
  return ["active", "deleted"];
}

async function withTags(ex: Executor, rows: ExperimentRow[]): Promise<Experiment[]> {
  if (rows.length === 0) return [];
  const tags = await ex
    .selectFrom("experiment_tags")
    .selectAll()
    .where(
      "experiment_id",
      "in",
      rows.map((r) => r.experiment_id),
    )
    .orderBy("key")
    .execute();
  const byId = new Map<number, Tag[]>();
  for (const t of tags) {
    const id = Number(t.experiment_id);
    const list = byId.get(id) ?? [];
    list.push({ key: t.key, value: t.value });
    byId.set(id, list);
  }
  return rows.map((r) => ({
    experimentId: String(r.experiment_id),
    name: r.name,
    artifactLocation: r.artifact_location,
    lifecycleStage: r.lifecycle_stage as LifecycleStage,
    creationTime: Number(r.creation_time),
    lastUpdateTime: Number(r.last_update_time),
    tags: byId.get(Number(r.experiment_id)) ?? [],
  }));
}

async function getBy(ex: Executor, column: "experiment_id" | "name", value: number | string) {
  const row = await ex.selectFrom("experiments").selectAll().where(column, "=", value).executeTakeFirst();
  if (row === undefined) return undefined;
  const [experiment] = await withTags(ex, [row]);
  return experiment;
}

export function createSqlExperimentStore(): ExperimentStore {
  return {
    async createExperiment(ex, input) {
      const inserted = await ex
        .insertInto("experiments")
        .values({
          name: input.name,
          name_key: nameKey(input.name),
          artifact_location: "",
          lifecycle_stage: "active",
          creation_time: input.time,
          last_update_time: input.time,
        })
        .returning("experiment_id")
        .executeTakeFirstOrThrow();
      const id = Number(inserted.experiment_id);
      await ex
        .updateTable("experiments")
        .set({ artifact_location: input.artifactLocation(String(id)) })
        .where("experiment_id", "=", id)
        .execute();
      if (input.tags.length > 0) {
        await ex
          .insertInto("experiment_tags")
          .values(input.tags.map((t) => ({ experiment_id: id, key: t.key, value: t.value })))
          .execute();
      }
      const created = await getBy(ex, "experiment_id", id);
      if (created === undefined) throw new Error(`experiment ${id} vanished inside its own transaction`);
      return created;
    },

    async ensureDefaultExperiment(ex, artifactLocation, time) {
      // ON CONFLICT DO NOTHING: two servers starting at once both try; exactly one insert wins.
      const result = await ex
        .insertInto("experiments")
        .values({
          experiment_id: 0,
          name: "Default",
          name_key: nameKey("Default"),
          artifact_location: artifactLocation,
          lifecycle_stage: "active",
          creation_time: time,
          last_update_time: time,
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async getExperiment(ex, experimentId) {
      const id = experimentIdNumber(experimentId);
      return id === undefined ? undefined : getBy(ex, "experiment_id", id);
    },

    getExperimentByName: (ex, name) => getBy(ex, "name", name),
    async experimentNameLike(ex, name) {
      const row = await ex
        .selectFrom("experiments")
        .select("name")
        .where("name_key", "=", nameKey(name))
        .executeTakeFirst();
      return row?.name;
    },

    async searchExperiments(ex, search: ExperimentSearch) {
      let query = ex
        .selectFrom("experiments as e")
        .selectAll("e")
        .where("e.lifecycle_stage", "in", lifecycleStagesOf(search.viewType));
      const tagTests: KeyTest[] = [];
      for (const clause of search.clauses) {
        if (clause.kind === "attribute") {
          const cmp = sqlComparison(sql.ref(`e.${clause.key}`), clause.comparator, clause.value);
          query = query.where(cmp);
        } else {
          tagTests.push({
            key: clause.key,
            test: (value) => sqlComparison(value, clause.comparator, clause.value),
          });
        }
      }
      const tags = keyValueFilter(
        { table: "experiment_tags", owner: [["experiment_id", "e.experiment_id"]] },
        tagTests,
      );
      if (tags !== undefined) query = query.where(tags);
      const orderBy =
        search.orderBy.length > 0
          ? [...search.orderBy]
          : [
              { key: "creation_time" as const, ascending: false },
              { key: "experiment_id" as const, ascending: true },
            ];
      if (!orderBy.some((o) => o.key === "experiment_id"))
        orderBy.push({ key: "experiment_id", ascending: true });
      for (const o of orderBy) query = query.orderBy(`e.${o.key}`, o.ascending ? "asc" : "desc");
      const rows = await query.limit(search.limit).offset(search.offset).execute();
      return withTags(ex, rows);
    },

    async updateExperiment(ex, experimentId, patch) {
      const id = experimentIdNumber(experimentId);
      if (id === undefined) return;
      await ex
        .updateTable("experiments")
        .set({
          last_update_time: patch.lastUpdateTime,
          ...(patch.name === undefined ? {} : { name: patch.name, name_key: nameKey(patch.name) }),
          ...(patch.lifecycleStage === undefined ? {} : { lifecycle_stage: patch.lifecycleStage }),
        })
        .where("experiment_id", "=", id)
        .execute();
    },

    async setExperimentTag(ex, experimentId, tag) {
      const id = experimentIdNumber(experimentId) ?? -1;
      await ex
        .insertInto("experiment_tags")
        .values({ experiment_id: id, key: tag.key, value: tag.value })
        .onConflict((oc) => oc.columns(["experiment_id", "key"]).doUpdateSet({ value: tag.value }))
        .execute();
    },

    async deleteExperimentTag(ex, experimentId, key) {
      const id = experimentIdNumber(experimentId) ?? -1;
      const result = await ex
        .deleteFrom("experiment_tags")
        .where("experiment_id", "=", id)
        .where("key", "=", key)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
