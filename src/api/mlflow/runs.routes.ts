// MLflow run routes: /api/2.0/mlflow/runs/* (and the /ajax-api twins) — create, get, update, delete,
// restore, search, log-metric, log-parameter, set-tag, delete-tag, log-batch, log-inputs.
import type { FastifyInstance } from "fastify";
import {
  RUN_STATUSES,
  VIEW_TYPES,
  type DatasetInput,
  type Metric,
  type Run,
  type RunInfo,
  type RunStatus,
} from "../../tracking/entities.js";
import type { RunService } from "../../tracking/runs.js";
import { invalidParameter } from "../../core/errors.js";
import { mlflowRouter } from "./mlflow-router.js";
import {
  keyValueList,
  objectList,
  optionalEnum,
  optionalInt,
  optionalString,
  requiredInt,
  requiredString,
  stringList,
  toDouble,
  type WireArgs,
  requiredRunId,
} from "./wire-input.js";
import { compact, protoMessage, wireDouble } from "./wire-output.js";
import * as S from "./schemas/runs.js";

const MAX_BATCH_REQUEST_BYTES = 1_000_000;

export function runInfoToWire(info: RunInfo): object {
  return compact({
    run_id: info.runId,
    run_uuid: info.runId,
    run_name: info.runName,
    experiment_id: info.experimentId,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
    end_time: info.endTime,
    artifact_uri: info.artifactUri,
    lifecycle_stage: info.lifecycleStage,
  });
}

export function metricToWire(m: Metric): object {
  return compact({
    key: m.key,
    value: wireDouble(m.value),
    timestamp: m.timestamp,
    step: m.step,
    model_id: m.modelId,
    dataset_name: m.datasetName,
    dataset_digest: m.datasetDigest,
    run_id: m.runId,
  });
}

/** Empty lists are left out and empty messages kept, as protobuf-JSON writes MLflow's Run. */
export function runToWire(run: Run): Record<string, unknown> {
  return {
    info: runInfoToWire(run.info),
    data: protoMessage({
      metrics: run.metrics.map(metricToWire),
      params: run.params,
      tags: run.tags,
    }),
    inputs: protoMessage({
      dataset_inputs: run.datasetInputs.map((d) =>
        protoMessage({
          tags: d.tags,
          dataset: compact({
            name: d.dataset.name,
            digest: d.dataset.digest,
            source_type: d.dataset.sourceType,
            source: d.dataset.source,
            schema: d.dataset.schema,
            profile: d.dataset.profile,
          }),
        }),
      ),
      model_inputs: run.modelInputs.map((modelId) => ({ model_id: modelId })),
    }),
    outputs: protoMessage({
      model_outputs: run.modelOutputs.map((o) => ({ model_id: o.modelId, step: o.step })),
    }),
  };
}

/**
 * MLflow's server ignores a status name it does not know, lower case included (the run keeps its status);
 * numbers outside the enum stay refused, as there.
 */
function knownStatusOrNone(args: WireArgs): RunStatus | undefined {
  const value = args.status;
  if (typeof value === "string" && !RUN_STATUSES.some((s) => s === value)) return undefined;
  return optionalEnum(args, "status", RUN_STATUSES);
}

/** The client sends the deprecated `run_uuid` alongside `run_id`; either names the run. */
export function runIdOf(args: WireArgs): string {
  return requiredRunId(args);
}

/** A metric from log-metric's body or a log-batch entry. */
export function metricOf(args: WireArgs, path: string): Metric {
  if (args.value === undefined || args.value === null) {
    throw invalidParameter(`Missing value for required parameter '${path}value'.`);
  }
  return {
    key: requiredString(args, "key"),
    value: toDouble(`${path}value`, args.value),
    timestamp: requiredInt(args, "timestamp"),
    step: optionalInt(args, "step") ?? 0,
    modelId: optionalString(args, "model_id"),
    datasetName: optionalString(args, "dataset_name"),
    datasetDigest: optionalString(args, "dataset_digest"),
  };
}

function datasetInputOf(entry: WireArgs): DatasetInput {
  const dataset = entry.dataset;
  if (typeof dataset !== "object" || dataset === null || Array.isArray(dataset)) {
    throw invalidParameter("Missing value for required parameter 'datasets[].dataset'.");
  }
  const d = dataset as WireArgs;
  return {
    tags: keyValueList(entry, "tags"),
    dataset: {
      name: requiredString(d, "name"),
      digest: requiredString(d, "digest"),
      sourceType: requiredString(d, "source_type"),
      source: requiredString(d, "source"),
      schema: optionalString(d, "schema") ?? null,
      profile: optionalString(d, "profile") ?? null,
    },
  };
}

export function runRoutes(runs: RunService) {
  return (app: FastifyInstance): void => {
    const r = mlflowRouter(app);

    r.route("POST", "runs/create", S.createRun, async ({ args, ctx }) => {
      const run = await runs.createRun(ctx, {
        experimentId: optionalString(args, "experiment_id") ?? "0",
        userId: optionalString(args, "user_id"),
        runName: optionalString(args, "run_name"),
        startTime: optionalInt(args, "start_time"),
        tags: keyValueList(args, "tags"),
      });
      // MLflow 3's server leaves `outputs` out of a new run (a new run has none); runs/get sends it.
      const created = runToWire(run);
      delete created.outputs;
      return { run: created };
    });

    r.route("GET", "runs/get", S.getRun, async ({ args }) => ({
      run: runToWire(await runs.getRun(runIdOf(args))),
    }));

    r.route("POST", "runs/update", S.updateRun, async ({ args, ctx }) => {
      const info = await runs.updateRun(ctx, runIdOf(args), {
        status: knownStatusOrNone(args),
        endTime: optionalInt(args, "end_time"),
        runName: optionalString(args, "run_name"),
      });
      return { run_info: runInfoToWire(info) };
    });

    r.route("POST", "runs/delete", S.deleteRun, async ({ args, ctx }) => {
      await runs.deleteRun(ctx, runIdOf(args));
      return {};
    });

    r.route("POST", "runs/restore", S.restoreRun, async ({ args, ctx }) => {
      await runs.restoreRun(ctx, runIdOf(args));
      return {};
    });

    r.route("POST", "runs/log-metric", S.logMetric, async ({ args, ctx }) => {
      await runs.logMetric(ctx, runIdOf(args), metricOf(args, ""));
      return {};
    });

    r.route("POST", "runs/log-parameter", S.logParam, async ({ args, ctx }) => {
      await runs.logParam(ctx, runIdOf(args), {
        key: requiredString(args, "key"),
        value: optionalString(args, "value") ?? "",
      });
      return {};
    });

    r.route("POST", "runs/set-tag", S.setTag, async ({ args, ctx }) => {
      await runs.setTag(ctx, runIdOf(args), {
        key: requiredString(args, "key"),
        value: optionalString(args, "value") ?? "",
      });
      return {};
    });

    r.route("POST", "runs/delete-tag", S.deleteTag, async ({ args, ctx }) => {
      await runs.deleteTag(ctx, runIdOf(args), requiredString(args, "key"));
      return {};
    });

    r.route("POST", "runs/log-batch", S.logBatch, async ({ args, ctx, request }) => {
      // MLflow caps a log-batch request at 1 MB (the server's general body limit is larger).
      const size = Number(request.headers["content-length"] ?? 0);
      if (size > MAX_BATCH_REQUEST_BYTES) {
        throw invalidParameter(
          `Batched logging API requests must be at most ${MAX_BATCH_REQUEST_BYTES} bytes, got a request of size ${size}.`,
        );
      }
      await runs.logBatch(ctx, runIdOf(args), {
        metrics: objectList(args, "metrics").map((m, i) => metricOf(m, `metrics[${i}].`)),
        params: keyValueList(args, "params"),
        tags: keyValueList(args, "tags"),
      });
      return {};
    });

    r.route("POST", "runs/log-inputs", S.logInputs, async ({ args, ctx }) => {
      await runs.logInputs(
        ctx,
        runIdOf(args),
        objectList(args, "datasets").map(datasetInputOf),
        objectList(args, "models").map((m) => requiredString(m, "model_id")),
      );
      return {};
    });

    r.route("POST", "runs/search", S.searchRuns, async ({ args }) => {
      const page = await runs.searchRuns({
        experimentIds: stringList(args, "experiment_ids"),
        filter: optionalString(args, "filter"),
        runViewType: optionalEnum(args, "run_view_type", VIEW_TYPES),
        maxResults: optionalInt(args, "max_results"),
        orderBy: stringList(args, "order_by"),
        pageToken: optionalString(args, "page_token"),
      });
      return protoMessage({ runs: page.items.map(runToWire), next_page_token: page.nextPageToken });
    });
  };
}
