// Lookups the permission check needs to place a request's target under a grant: which experiment a run or a
// logged model belongs to, and whether a model version is released (stage Production or a protected alias).
import type { Executor } from "../store/database.js";

export interface ScopeStore {
  experimentOfRun(x: Executor, runId: string): Promise<string | undefined>;
  experimentOfLoggedModel(x: Executor, modelId: string): Promise<string | undefined>;
  /** Stage and aliases of a version; `undefined` when it does not exist. */
  versionRelease(
    x: Executor,
    name: string,
    version: number | undefined,
    alias: string | undefined,
  ): Promise<{ stage: string; aliases: string[] } | undefined>;
}

export function createSqlScopeStore(): ScopeStore {
  return {
    async experimentOfRun(x, runId) {
      const row = await x
        .selectFrom("runs")
        .select("experiment_id")
        .where("run_id", "=", runId)
        .executeTakeFirst();
      return row === undefined ? undefined : String(row.experiment_id);
    },
    async experimentOfLoggedModel(x, modelId) {
      const row = await x
        .selectFrom("logged_models")
        .select("experiment_id")
        .where("model_id", "=", modelId)
        .executeTakeFirst();
      return row === undefined ? undefined : String(row.experiment_id);
    },
    async versionRelease(x, name, version, alias) {
      const model = await x
        .selectFrom("registered_models")
        .select("id")
        .where("name", "=", name)
        .executeTakeFirst();
      if (model === undefined) return undefined;
      let number = version;
      if (number === undefined && alias !== undefined) {
        const row = await x
          .selectFrom("registered_model_aliases")
          .select("version")
          .where("registered_model_id", "=", model.id)
          .where("alias", "=", alias)
          .executeTakeFirst();
        number = row?.version;
      }
      if (number === undefined) return undefined;
      const v = await x
        .selectFrom("model_versions")
        .select("current_stage")
        .where("registered_model_id", "=", model.id)
        .where("version", "=", number)
        .executeTakeFirst();
      if (v === undefined) return undefined;
      const aliases = await x
        .selectFrom("registered_model_aliases")
        .select("alias")
        .where("registered_model_id", "=", model.id)
        .where("version", "=", number)
        .execute();
      return { stage: v.current_stage, aliases: aliases.map((a) => a.alias) };
    },
  };
}
