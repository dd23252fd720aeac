// MLflow metric routes: /api/2.0/mlflow/metrics/get-history (paged, in step order) and the UI's
// metrics/get-history-bulk-interval (several runs, sampled steps), with their /ajax-api twins.
import type { FastifyInstance } from "fastify";
import type { RunService } from "../../tracking/runs.js";
import { mlflowRouter } from "./mlflow-router.js";
import { optionalInt, optionalString, requiredString, stringList } from "./wire-input.js";
import { compact } from "./wire-output.js";
import { metricToWire, runIdOf } from "./runs.routes.js";
import * as S from "./schemas/runs.js";

export function metricRoutes(runs: RunService) {
  return (app: FastifyInstance): void => {
    const r = mlflowRouter(app);

    r.route("GET", "metrics/get-history", S.getMetricHistory, async ({ args }) => {
      const page = await runs.getMetricHistory(
        runIdOf(args),
        requiredString(args, "metric_key"),
        optionalInt(args, "max_results"),
        optionalString(args, "page_token"),
      );
      return compact({
        metrics: page.items.map((m) => metricToWire({ ...m, runId: undefined })),
        next_page_token: page.nextPageToken,
      });
    });

    r.route("GET", "metrics/get-history-bulk-interval", S.getMetricHistoryBulkInterval, async ({ args }) => {
      const metrics = await runs.getMetricHistoryBulkInterval(
        stringList(args, "run_ids"),
        requiredString(args, "metric_key"),
        optionalInt(args, "start_step"),
        optionalInt(args, "end_step"),
        optionalInt(args, "max_results"),
      );
      return { metrics: metrics.map(metricToWire) };
    });
  };
}
