// MLflow experiment routes: /api/2.0/mlflow/experiments/* (and the /ajax-api twins). Wire JSON in, domain
// calls, wire JSON out; experiment ids travel as strings.
import { readAccessOfRequest } from "../auth-guard.js";
import { readableExperiment, visiblePage } from "../../governance/visible.js";
import type { FastifyInstance } from "fastify";
import { VIEW_TYPES, type Experiment } from "../../tracking/entities.js";
import type { ExperimentService } from "../../tracking/experiments.js";
import { mlflowRouter } from "./mlflow-router.js";
import {
  keyValueList,
  optionalEnum,
  optionalInt,
  optionalString,
  requiredString,
  stringList,
  type WireArgs,
} from "./wire-input.js";
import { compact, protoMessage } from "./wire-output.js";
import * as S from "./schemas/experiments.js";

/** `workspace` as MLflow 3.17 sends it: Flowgate has the one workspace MLflow names "default". */
export function experimentToWire(e: Experiment): object {
  return protoMessage({
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    creation_time: e.creationTime,
    last_update_time: e.lastUpdateTime,
    tags: e.tags,
    workspace: "default",
  });
}

function searchArgs(args: WireArgs) {
  return {
    viewType: optionalEnum(args, "view_type", VIEW_TYPES),
    filter: optionalString(args, "filter"),
    orderBy: stringList(args, "order_by"),
    maxResults: optionalInt(args, "max_results"),
    pageToken: optionalString(args, "page_token"),
  };
}

export function experimentRoutes(experiments: ExperimentService) {
  return (app: FastifyInstance): void => {
    const r = mlflowRouter(app);

    r.route("POST", "experiments/create", S.createExperiment, async ({ args, ctx }) => {
      const experiment = await experiments.createExperiment(ctx, {
        name: requiredString(args, "name"),
        artifactLocation: optionalString(args, "artifact_location"),
        tags: keyValueList(args, "tags"),
      });
      return { experiment_id: experiment.experimentId };
    });

    r.route("GET", "experiments/get", S.getExperiment, async ({ args }) => ({
      experiment: experimentToWire(await experiments.getExperiment(requiredString(args, "experiment_id"))),
    }));

    r.route("GET", "experiments/get-by-name", S.getExperimentByName, async ({ args, request }) => ({
      experiment: experimentToWire(
        readableExperiment(
          readAccessOfRequest(request),
          await experiments.getExperimentByName(requiredString(args, "experiment_name")),
        ),
      ),
    }));

    r.route(["GET", "POST"], "experiments/search", S.searchExperiments, async ({ args, request }) => {
      const access = readAccessOfRequest(request);
      const page = await visiblePage(
        access,
        searchArgs(args),
        (p) => experiments.searchExperiments({ ...searchArgs(args), ...p }),
        (e) => access.experiment(e.experimentId),
      );
      return compact({ experiments: page.items.map(experimentToWire), next_page_token: page.nextPageToken });
    });

    r.route("POST", "experiments/update", S.updateExperiment, async ({ args, ctx }) => {
      await experiments.renameExperiment(
        ctx,
        requiredString(args, "experiment_id"),
        requiredString(args, "new_name"),
      );
      return {};
    });

    r.route("POST", "experiments/delete", S.deleteExperiment, async ({ args, ctx }) => {
      await experiments.deleteExperiment(ctx, requiredString(args, "experiment_id"));
      return {};
    });

    r.route("POST", "experiments/restore", S.restoreExperiment, async ({ args, ctx }) => {
      await experiments.restoreExperiment(ctx, requiredString(args, "experiment_id"));
      return {};
    });

    r.route("POST", "experiments/set-experiment-tag", S.setExperimentTag, async ({ args, ctx }) => {
      await experiments.setExperimentTag(ctx, requiredString(args, "experiment_id"), {
        key: requiredString(args, "key"),
        value: optionalString(args, "value") ?? "",
      });
      return {};
    });

    r.route("POST", "experiments/delete-experiment-tag", S.deleteExperimentTag, async ({ args, ctx }) => {
      await experiments.deleteExperimentTag(
        ctx,
        requiredString(args, "experiment_id"),
        requiredString(args, "key"),
      );
      return {};
    });
  };
}
