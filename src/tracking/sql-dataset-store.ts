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

/** A dataset a run logged as an input (mlflow.log_input): where it came from, as the client described it. */
export interface RunDataset {
  name: string;
  digest: string;
  /** e.g. "local", "http", "code"… */
  sourceType: string;
  /** The source's JSON, e.g. {"uri": "/data/train.csv"}. */
  source: string;
  tags: Tag[];
}

export interface DatasetStore {
  datasetUses(ex: Executor, experimentIds: readonly number[]): Promise<DatasetUse[]>;
  /** The datasets one run logged as inputs, by name. */
  runDatasets(ex: Executor, runId: string): Promise<RunDataset[]>;
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
    async runDatasets(ex, runId) {
      const rows = await ex
        .selectFrom("run_inputs")
        .innerJoin("datasets", "datasets.dataset_id", "run_inputs.dataset_id")
        .select([
          "datasets.name",
          "datasets.digest",
          "datasets.source_type",
          "datasets.source",
          "run_inputs.tags",
        ])
        .where("run_inputs.run_id", "=", runId)
        .orderBy("datasets.name")
        .execute();
      return rows.map((row) => ({
        name: row.name,
        digest: row.digest,
        sourceType: row.source_type,
        source: row.source,
        tags: JSON.parse(row.tags) as Tag[],
      }));
    },
  };
}
