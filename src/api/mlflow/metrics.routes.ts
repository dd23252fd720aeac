// MLflow metric routes: /api/2.0/mlflow/metrics/get-history (paged, in step order) and the UI's
// metrics/get-history-bulk-interval (several runs, sampled steps), with their /ajax-api twins; and the UI's
// /ajax-api/2.0/mlflow/metrics/get-history-bulk (full histories of several runs), which MLflow serves only
// under /ajax-api.
import type { FastifyInstance } from "fastify";
import type { RunService } from "../../tracking/runs.js";
import { mlflowRouter } from "./mlflow-router.js";
import { optionalInt, optionalString, requestArgs, requiredString, stringList } from "./wire-input.js";
import { protoMessage } from "./wire-output.js";
import { metricToWire, runIdOf } from "./runs.routes.js";
import { checkRunsReadable } from "./run-access.js";
import * as S from "./schemas/runs.js";
import * as U from "./schemas/ui-routes.js";
import { withSchema } from "../openapi/route-schema.js";

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
      return protoMessage({
        metrics: page.items.map((m) => metricToWire({ ...m, runId: undefined })),
        next_page_token: page.nextPageToken,
      });
    });

    r.route(
      "GET",
      "metrics/get-history-bulk-interval",
      S.getMetricHistoryBulkInterval,
      async ({ args, request }) => {
        const runIds = stringList(args, "run_ids");
        const metrics = await runs.getMetricHistoryBulkInterval(
          runIds,
          optionalString(args, "metric_key") ?? "",
          optionalInt(args, "start_step"),
          optionalInt(args, "end_step"),
          optionalInt(args, "max_results"),
        );
        await checkRunsReadable(request, runs, runIds);
        // protobuf-JSON, as MLflow answers: no points is `{}`.
        return metrics.length === 0 ? {} : { metrics: metrics.map(metricToWire) };
      },
    );

    const bulk = "/ajax-api/2.0/mlflow/metrics/get-history-bulk";
    app.get(bulk, withSchema("GET", bulk, U.getHistoryBulk), async (request) => {
      const args = requestArgs(request);
      const runIds = stringList(args, "run_id");
      const metrics = await runs.getMetricHistoryBulk(
        runIds,
        optionalString(args, "metric_key"),
        optionalInt(args, "max_results"),
      );
      await checkRunsReadable(request, runs, runIds);
      return { metrics: metrics.map(metricToWire) };
    });
  };
}
