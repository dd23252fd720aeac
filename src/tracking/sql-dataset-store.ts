// The SQL behind dataset summaries: every dataset logged as a run input in some experiments, with the input's
// tags (where its context is), in (experiment, name, digest) order.
import type { Executor } from "../store/database.js";
import type { Tag } from "./entities.js";

export interface DatasetUse {
  experimentId: string;
  name: string;
  digest: string;
  tags: Tag[];
}

export interface DatasetStore {
  datasetUses(ex: Executor, experimentIds: readonly number[]): Promise<DatasetUse[]>;
}

export function createSqlDatasetStore(): DatasetStore {
  return {
    async datasetUses(ex, experimentIds) {
      if (experimentIds.length === 0) return [];
      const rows = await ex
        .selectFrom("datasets")
        .innerJoin("run_inputs", "run_inputs.dataset_id", "datasets.dataset_id")
        .select(["datasets.experiment_id", "datasets.name", "datasets.digest", "run_inputs.tags"])
        .where("datasets.experiment_id", "in", experimentIds)
        .orderBy("datasets.experiment_id")
        .orderBy("datasets.name")
        .orderBy("datasets.digest")
        .execute();
      return rows.map((row) => ({
        experimentId: String(row.experiment_id),
        name: row.name,
        digest: row.digest,
        tags: JSON.parse(row.tags) as Tag[],
      }));
    },
  };
}
