// Native API of monitoring's baselines (per model version: set, read, build on the server) and labels
// (uploaded in batches for a deployment's predictions).
import { optionalString, requiredString } from "../mlflow/wire-input.js";
import type { BaselineService } from "../../monitoring/baselines.js";
import type { LabelService } from "../../monitoring/labels.js";
import type { RoutePlugin } from "../server.js";
import { nativeRoute } from "./native-router.js";
import * as S from "./schemas/monitoring-baselines.js";

/** A profile keeps up to 10 000 sampled values per numeric column: wide baselines outgrow the JSON default. */
export const MAX_BASELINE_BODY_BYTES = 64 * 1024 * 1024;

const BASELINE = "monitoring/baselines/:name/:version";

export function monitoringRoutes(deps: { baselines: BaselineService; labels: LabelService }): RoutePlugin {
  const { baselines, labels } = deps;
  return (app) => {
    nativeRoute(
      app,
      "PUT",
      BASELINE,
      S.putBaseline,
      async ({ params, args, ctx }) => ({
        baseline: await baselines.set(ctx, params.name ?? "", params.version ?? "", args.profile),
      }),
      { bodyLimit: MAX_BASELINE_BODY_BYTES },
    );
    nativeRoute(app, "GET", BASELINE, S.getBaseline, async ({ params }) => ({
      baseline: await baselines.get(params.name ?? "", params.version ?? ""),
    }));
    nativeRoute(app, "POST", `${BASELINE}/build`, S.buildBaseline, async ({ params, args, ctx }) => ({
      baseline: await baselines.build(
        ctx,
        params.name ?? "",
        params.version ?? "",
        optionalString(args, "from"),
      ),
    }));
    nativeRoute(app, "POST", "monitoring/labels", S.postLabels, async ({ args, ctx }) =>
      labels.upload(ctx, requiredString(args, "deployment"), args.labels),
    );
  };
}
