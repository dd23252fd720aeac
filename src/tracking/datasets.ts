// Dataset summaries (the MLflow UI's experiments/search-datasets): each distinct (experiment, dataset name,
// digest, context) logged as a run input in the given experiments, where the context is the input's
// `mlflow.data.context` tag (training, eval…) if it has one.
import { invalidParameter } from "../core/errors.js";
import type { Database } from "../store/database.js";
import type { Tag } from "./entities.js";
import { experimentIdNumber } from "./sql-experiment-store.js";

const MAX_EXPERIMENTS = 20;
const MAX_SUMMARIES = 1000;
const CONTEXT_TAG = "mlflow.data.context";

export interface DatasetSummary {
  experimentId: string;
  name: string;
  digest: string;
  context: string | undefined;
}

export interface DatasetService {
  searchDatasets(experimentIds: readonly string[]): Promise<DatasetSummary[]>;
}

export function createDatasetService(database: Database): DatasetService {
  return {
    async searchDatasets(experimentIds) {
      if (experimentIds.length === 0) {
        throw invalidParameter("SearchDatasets request must specify at least one experiment_id.");
      }
      if (experimentIds.length > MAX_EXPERIMENTS) {
        throw invalidParameter(
          `SearchDatasets request cannot specify more than ${MAX_EXPERIMENTS} experiment_ids. ` +
            `Received ${experimentIds.length} experiment_ids.`,
        );
      }
      const ids = experimentIds.map(experimentIdNumber).filter((id): id is number => id !== undefined);
      if (ids.length === 0) return [];
      const rows = await database.db
        .selectFrom("datasets")
        .innerJoin("run_inputs", "run_inputs.dataset_id", "datasets.dataset_id")
        .select(["datasets.experiment_id", "datasets.name", "datasets.digest", "run_inputs.tags"])
        .where("datasets.experiment_id", "in", ids)
        .orderBy("datasets.experiment_id")
        .orderBy("datasets.name")
        .orderBy("datasets.digest")
        .execute();
      const seen = new Map<string, DatasetSummary>();
      for (const row of rows) {
        const context = (JSON.parse(row.tags) as Tag[]).find((t) => t.key === CONTEXT_TAG)?.value;
        const summary = {
          experimentId: String(row.experiment_id),
          name: row.name,
          digest: row.digest,
          context,
        };
        const key = JSON.stringify([summary.experimentId, summary.name, summary.digest, context ?? null]);
        if (!seen.has(key)) seen.set(key, summary);
        if (seen.size === MAX_SUMMARIES) break;
      }
      return [...seen.values()];
    },
  };
}
