// Kysely implementation of DeploymentStore (SQLite and PostgreSQL); rows become entities only here.
import type { Selectable } from "kysely";
import type { DeploymentsTable, DeploymentRevisionsTable } from "../store/schema-delivery.js";
import type { DeploymentRevision, DeploymentSpec, RolloutState } from "./deployment.js";
import type { DeploymentRecord, DeploymentStore, StrategyKind } from "./deployment-store.js";
import type { ObservationWindow } from "./observation.js";

function toRecord(r: Selectable<DeploymentsTable>): DeploymentRecord {
  return {
    name: r.name,
    model: r.model,
    revision: Number(r.revision),
    ...(r.strategy === null ? {} : { strategy: r.strategy as StrategyKind }),
    ...(r.track_alias === null ? {} : { trackAlias: r.track_alias }),
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
    updatedAt: Number(r.updated_at),
    updatedBy: r.updated_by,
  };
}

function recordRow(d: DeploymentRecord): Selectable<DeploymentsTable> {
  return {
    name: d.name,
    model: d.model,
    revision: d.revision,
    strategy: d.strategy ?? null,
    track_alias: d.trackAlias ?? null,
    created_at: d.createdAt,
    created_by: d.createdBy,
    updated_at: d.updatedAt,
    updated_by: d.updatedBy,
  };
}

function toRevision(r: Selectable<DeploymentRevisionsTable>): DeploymentRevision {
  return {
    deployment: r.deployment,
    revision: Number(r.revision),
    spec: JSON.parse(r.spec) as DeploymentSpec,
    author: r.author,
    reason: r.reason,
    createdAt: Number(r.created_at),
    diff: JSON.parse(r.diff) as DeploymentRevision["diff"],
  };
}

function toState(r: { state: string; version: number }): RolloutState {
  return { ...(JSON.parse(r.state) as RolloutState), version: Number(r.version) };
}

export function createSqlDeploymentStore(): DeploymentStore {
  return {
    async get(x, name) {
      const r = await x.selectFrom("deployments").selectAll().where("name", "=", name).executeTakeFirst();
      return r === undefined ? undefined : toRecord(r);
    },
    async list(x, q) {
      let query = x.selectFrom("deployments").selectAll();
      if (q.model !== undefined) query = query.where("model", "=", q.model);
      const rows = await query.orderBy("name").limit(q.limit).offset(q.offset).execute();
      return rows.map(toRecord);
    },
    async insert(x, d) {
      await x.insertInto("deployments").values(recordRow(d)).execute();
    },
    async update(x, d, expectedRevision) {
      const res = await x
        .updateTable("deployments")
        .set({
          revision: d.revision,
          strategy: d.strategy ?? null,
          track_alias: d.trackAlias ?? null,
          updated_at: d.updatedAt,
          updated_by: d.updatedBy,
        })
        .where("name", "=", d.name)
        .where("revision", "=", expectedRevision)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async delete(x, name) {
      await x.deleteFrom("deployment_observations").where("deployment", "=", name).execute();
      await x.deleteFrom("rollout_states").where("deployment", "=", name).execute();
      await x.deleteFrom("deployment_revisions").where("deployment", "=", name).execute();
      await x.deleteFrom("deployments").where("name", "=", name).execute();
    },

    async insertRevision(x, r) {
      await x
        .insertInto("deployment_revisions")
        .values({
          deployment: r.deployment,
          revision: r.revision,
          spec: JSON.stringify(r.spec),
          author: r.author,
          reason: r.reason,
          created_at: r.createdAt,
          diff: JSON.stringify(r.diff),
        })
        .execute();
    },
    async revision(x, name, revision) {
      const r = await x
        .selectFrom("deployment_revisions")
        .selectAll()
        .where("deployment", "=", name)
        .where("revision", "=", revision)
        .executeTakeFirst();
      return r === undefined ? undefined : toRevision(r);
    },
    async revisions(x, name) {
      const rows = await x
        .selectFrom("deployment_revisions")
        .selectAll()
        .where("deployment", "=", name)
        .orderBy("revision", "desc")
        .execute();
      return rows.map(toRevision);
    },

    async listActive(x) {
      const rows = await x
        .selectFrom("deployments as d")
        .innerJoin("deployment_revisions as r", (j) =>
          j.onRef("r.deployment", "=", "d.name").onRef("r.revision", "=", "d.revision"),
        )
        .innerJoin("rollout_states as s", "s.deployment", "d.name")
        .selectAll("d")
        .select(["r.spec", "s.state", "s.version"])
        .where((eb) =>
          eb.or([
            eb("s.phase", "in", ["Progressing", "Paused"]),
            eb("d.track_alias", "is not", null),
            eb("d.strategy", "=", "abTest"),
          ]),
        )
        .orderBy("d.name")
        .execute();
      return rows.map((r) => ({
        deployment: toRecord(r),
        spec: JSON.parse(r.spec) as DeploymentSpec,
        state: toState(r),
      }));
    },
    async getState(x, name) {
      const r = await x
        .selectFrom("rollout_states")
        .select(["state", "version"])
        .where("deployment", "=", name)
        .executeTakeFirst();
      return r === undefined ? undefined : toState(r);
    },
    async putState(x, state, expectedVersion) {
      const version = expectedVersion + 1;
      const values = {
        revision: state.revision,
        phase: state.phase,
        state: JSON.stringify({ ...state, version }),
        version,
      };
      if (expectedVersion === 0) {
        const existing = await x
          .selectFrom("rollout_states")
          .select("version")
          .where("deployment", "=", state.deployment)
          .executeTakeFirst();
        if (existing !== undefined) return false;
        await x
          .insertInto("rollout_states")
          .values({ deployment: state.deployment, ...values })
          .execute();
        return true;
      }
      const res = await x
        .updateTable("rollout_states")
        .set(values)
        .where("deployment", "=", state.deployment)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async observations(x, name, fromMs, toMs) {
      const rows = await x
        .selectFrom("deployment_observations")
        .select("body")
        .where("deployment", "=", name)
        .where("ended_at", ">", fromMs)
        .where("ended_at", "<=", toMs)
        .orderBy("ended_at")
        .orderBy("id")
        .execute();
      return rows.map((r) => JSON.parse(r.body) as ObservationWindow);
    },
    async insertObservation(x, w, pruneBeforeMs) {
      await x.deleteFrom("deployment_observations").where("ended_at", "<", pruneBeforeMs).execute();
      await x
        .insertInto("deployment_observations")
        .values({
          deployment: w.deployment,
          replica: w.replica,
          revision: w.revision,
          started_at: w.startedAt,
          ended_at: w.endedAt,
          body: JSON.stringify(w),
        })
        .execute();
    },
  };
}
