// POST /ajax-api/2.0/mlflow/experiments/search-datasets: the datasets logged in some experiments (the MLflow
// UI's dataset filter). MLflow serves it only under /ajax-api. Each experiment's read grant is checked by
// the guard (route-permissions.ts, scope "experiments").
import type { DatasetService } from "../../tracking/datasets.js";
import type { RoutePlugin } from "../server.js";
import { requestArgs, stringList } from "./wire-input.js";
import * as U from "./schemas/ui-routes.js";
import { withSchema } from "../openapi/route-schema.js";

export function datasetRoutes(datasets: DatasetService): RoutePlugin {
  return (app) => {
    const url = "/ajax-api/2.0/mlflow/experiments/search-datasets";
    app.post(url, withSchema("POST", url, U.searchDatasets), async (request) => {
      const summaries = await datasets.searchDatasets(stringList(requestArgs(request), "experiment_ids"));
      // protobuf-JSON: an empty list is left out (MLflow answers {}), and so is a missing context.
      if (summaries.length === 0) return {};
      return {
        dataset_summaries: summaries.map((d) => ({
          experiment_id: d.experimentId,
          name: d.name,
          digest: d.digest,
          ...(d.context === undefined ? {} : { context: d.context }),
        })),
      };
    });
  };
}
