// Dataset summaries (the MLflow UI's experiments/search-datasets): each distinct (experiment, dataset name,
// digest, context) logged as a run input in the given experiments, where the context is the input's
// `mlflow.data.context` tag (training, eval…) if it has one.
import { invalidParameter } from "../core/errors.js";
import type { Database } from "../store/database.js";
import type { DatasetStore } from "./sql-dataset-store.js";
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

export function createDatasetService(database: Database, store: DatasetStore): DatasetService {
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
      const seen = new Map<string, DatasetSummary>();
      for (const use of await store.datasetUses(database.db, ids)) {
        const context = use.tags.find((t) => t.key === CONTEXT_TAG)?.value;
        const summary = { experimentId: use.experimentId, name: use.name, digest: use.digest, context };
        const key = JSON.stringify([summary.experimentId, summary.name, summary.digest, context ?? null]);
        if (!seen.has(key)) seen.set(key, summary);
        if (seen.size === MAX_SUMMARIES) break;
      }
      return [...seen.values()];
    },
  };
}
