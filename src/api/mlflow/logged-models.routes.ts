// MLflow 3.x logged models at `/api/2.0/mlflow/logged-models` (not 3.0), plus the run side of models:
// `runs/outputs` (3.x log_model with an active run) and `runs/log-model` (2.x). LoggedModel entities become
// wire JSON here: status as enum names, ids as strings, creator_id left out (it is an int64 in the proto).
import type { ArtifactProxy } from "../../artifacts/artifact-proxy.js";
import { invalidParameter } from "../../core/errors.js";
import type { LoggedModelService } from "../../tracking/logged-models.js";
import type { RunModelService } from "../../tracking/run-models.js";
import {
  LOGGED_MODEL_STATUSES,
  type LoggedModel,
  type LoggedModelOrder,
} from "../../tracking/logged-model-store.js";
import type { RoutePlugin } from "../server.js";
import { wireFiles } from "./artifacts.routes.js";
import { mlflowRouter } from "./mlflow-router.js";
import {
  keyValueList,
  objectList,
  optionalBool,
  optionalInt,
  optionalString,
  requiredString,
  stringList,
  type WireArgs,
  requiredRunId,
} from "./wire-input.js";
import { compact, protoMessage, wireDouble, wireTags } from "./wire-output.js";
import * as S from "./schemas/logged-models.js";

/** The registry helper records version links in this tag; they go out as `registrations`. */
const MODEL_VERSIONS_TAG = "mlflow.modelVersions";

function registrations(tags: Record<string, string>): Array<{ name: string; version: string }> {
  const raw = tags[MODEL_VERSIONS_TAG];
  if (raw === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((r: unknown) => {
      const { name, version } = (r ?? {}) as { name?: unknown; version?: unknown };
      return typeof name === "string" && (typeof version === "string" || typeof version === "number")
        ? [{ name, version: String(version) }]
        : [];
    });
  } catch {
    return [];
  }
}

export function wireLoggedModel(m: LoggedModel): object {
  return {
    info: protoMessage({
      model_id: m.modelId,
      experiment_id: m.experimentId,
      name: m.name,
      creation_timestamp_ms: m.creationTimestampMs,
      last_updated_timestamp_ms: m.lastUpdatedTimestampMs,
      artifact_uri: m.artifactUri,
      status: m.status,
      // MLflow always sets these two, "" when empty.
      model_type: m.modelType ?? "",
      source_run_id: m.sourceRunId ?? "",
      status_message: m.statusMessage,
      tags: wireTags(m.tags),
      registrations: registrations(m.tags),
    }),
    data: protoMessage({
      params: wireTags(m.params),
      metrics: m.metrics.map((x) =>
        compact({
          key: x.key,
          value: wireDouble(x.value),
          timestamp: x.timestamp,
          step: x.step,
          run_id: x.runId,
          model_id: x.modelId,
          dataset_name: x.datasetName,
          dataset_digest: x.datasetDigest,
        }),
      ),
    }),
  };
}

function finalStatus(args: WireArgs): (typeof LOGGED_MODEL_STATUSES)[number] {
  const value = args.status;
  // protobuf-JSON sends the enum name; a number is its value (READY = 2).
  if (typeof value === "number" && LOGGED_MODEL_STATUSES[value] !== undefined)
    return LOGGED_MODEL_STATUSES[value];
  if (typeof value === "string") {
    const hit = LOGGED_MODEL_STATUSES.find((s) => s === value.toUpperCase());
    if (hit !== undefined) return hit;
  }
  if (value === undefined) throw invalidParameter("Missing value for required parameter 'status'.");
  throw invalidParameter(
    `Invalid value ${JSON.stringify(value)} for parameter 'status': use LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.`,
  );
}

function orderBy(args: WireArgs): LoggedModelOrder[] {
  return objectList(args, "order_by").map((o) => ({
    fieldName: requiredString(o, "field_name"),
    ascending: optionalBool(o, "ascending") ?? true,
    datasetName: optionalString(o, "dataset_name"),
    datasetDigest: optionalString(o, "dataset_digest"),
  }));
}

export function loggedModelsRoutes(
  models: LoggedModelService,
  runModels: RunModelService,
  artifacts: ArtifactProxy,
): RoutePlugin {
  return (app) => {
    const router = mlflowRouter(app);

    router.route("POST", "logged-models", S.createLoggedModel, async ({ args, ctx }) => {
      const model = await models.create(ctx, {
        experimentId: requiredString(args, "experiment_id"),
        name: optionalString(args, "name"),
        modelType: optionalString(args, "model_type"),
        sourceRunId: optionalString(args, "source_run_id"),
        params: keyValueList(args, "params"),
        tags: keyValueList(args, "tags"),
      });
      return { model: wireLoggedModel(model) };
    });

    router.route("POST", "logged-models/search", S.searchLoggedModels, async ({ args }) => {
      const page = await models.search({
        experimentIds: stringList(args, "experiment_ids"),
        filter: optionalString(args, "filter"),
        datasets: objectList(args, "datasets").map((d) => ({
          name: optionalString(d, "dataset_name") ?? "",
          digest: optionalString(d, "dataset_digest"),
        })),
        orderBy: orderBy(args),
        maxResults: optionalInt(args, "max_results"),
        pageToken: optionalString(args, "page_token"),
      });
      return compact({ models: page.items.map(wireLoggedModel), next_page_token: page.nextPageToken });
    });

    router.route("GET", "logged-models/:model_id", S.getLoggedModel, async ({ args, params }) => {
      const model = await models.get(params.model_id ?? "", {
        allowDeleted: optionalBool(args, "allow_deleted") ?? false,
      });
      return { model: wireLoggedModel(model) };
    });

    router.route("PATCH", "logged-models/:model_id", S.finalizeLoggedModel, async ({ args, params, ctx }) => {
      const model = await models.finalize(ctx, params.model_id ?? "", finalStatus(args));
      return { model: wireLoggedModel(model) };
    });

    router.route("DELETE", "logged-models/:model_id", S.deleteLoggedModel, async ({ params, ctx }) => {
      await models.delete(ctx, params.model_id ?? "");
      return {};
    });

    router.route(
      "PATCH",
      "logged-models/:model_id/tags",
      S.setLoggedModelTags,
      async ({ args, params, ctx }) => {
        await models.setTags(ctx, params.model_id ?? "", keyValueList(args, "tags"));
        return {};
      },
    );

    // Tag keys may contain '/', so the key is the rest of the path.
    router.route(
      "DELETE",
      "logged-models/:model_id/tags/*",
      S.deleteLoggedModelTag,
      async ({ params, ctx }) => {
        await models.deleteTag(ctx, params.model_id ?? "", params["*"] ?? "");
        return {};
      },
    );

    router.route(
      "POST",
      "logged-models/:model_id/params",
      S.logLoggedModelParams,
      async ({ args, params, ctx }) => {
        await models.logParams(ctx, params.model_id ?? "", keyValueList(args, "params"));
        return {};
      },
    );

    router.route(
      "GET",
      "logged-models/:model_id/artifacts/directories",
      S.listLoggedModelArtifacts,
      async ({ args, params }) => {
        const model = await models.get(params.model_id ?? "");
        const listing = await artifacts.listUnderUri(
          model.artifactUri,
          optionalString(args, "artifact_directory_path") ?? "",
        );
        return { root_uri: listing.rootUri, ...wireFiles(listing.files) };
      },
    );

    router.route("POST", "runs/outputs", S.logOutputs, async ({ args, ctx }) => {
      const runId = requiredRunId(args);
      await runModels.logRunOutputs(
        ctx,
        runId,
        objectList(args, "models").map((m) => ({
          modelId: requiredString(m, "model_id"),
          step: optionalInt(m, "step") ?? 0,
        })),
      );
      return {};
    });

    router.route("POST", "runs/log-model", S.logModel, async ({ args, ctx }) => {
      const runId = requiredRunId(args);
      await runModels.logRunModel(ctx, runId, requiredString(args, "model_json"));
      return {};
    });
  };
}
