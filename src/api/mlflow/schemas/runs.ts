// Request and response schemas of MLflow's run and metric routes (service.proto: CreateRun, GetRun,
// UpdateRun, DeleteRun, RestoreRun, LogMetric, LogParam, SetTag, DeleteTag, LogBatch, LogInputs,
// SearchRuns, GetMetricHistory, GetMetricHistoryBulkInterval). A run is named by `run_id` or the deprecated
// `run_uuid` the client still sends beside it; the handler requires one of them.
import { RUN_STATUSES, VIEW_TYPES } from "../../../tracking/entities.js";
import type { RouteSchema } from "../../openapi/route-schema.js";
import {
  EMPTY,
  KEY_VALUE,
  double,
  enumOf,
  int64,
  message,
  ref,
  repeated,
  str,
  type JsonSchema,
} from "../../openapi/wire-schema.js";

const RUN = { run_id: str("The run's id."), run_uuid: str("Deprecated: the run's id.") };

const METRIC_FIELDS: Record<string, JsonSchema> = {
  key: str(),
  value: double(),
  timestamp: int64("Milliseconds since the epoch."),
  step: int64(),
  model_id: str(),
  dataset_name: str(),
  dataset_digest: str(),
};

export const createRun: RouteSchema = {
  summary: "Create a run in an experiment (experiment 0 when none is named).",
  args: message({
    experiment_id: str(),
    user_id: str(),
    run_name: str(),
    start_time: int64(),
    tags: repeated(KEY_VALUE),
  }),
  response: message({ run: ref("Run") }, ["run"]),
};

export const getRun: RouteSchema = {
  summary: "A run with its metrics, params, tags, inputs and outputs.",
  args: message(RUN),
  response: message({ run: ref("Run") }, ["run"]),
};

export const updateRun: RouteSchema = {
  summary: "Update a run's status, end time or name.",
  args: message({
    ...RUN,
    // MLflow leaves the status as it is when the name is not one it knows; so does Flowgate.
    status: {
      type: ["string", "integer"],
      description: `One of ${RUN_STATUSES.join(", ")} (or its number); any other name leaves the status unchanged.`,
      anyOf: [{ type: "string" }, { type: "integer", minimum: 1, maximum: RUN_STATUSES.length }],
    },
    end_time: int64(),
    run_name: str(),
  }),
  response: message({ run_info: ref("RunInfo") }, ["run_info"]),
};

export const deleteRun: RouteSchema = {
  summary: "Mark a run deleted.",
  args: message(RUN),
  response: EMPTY,
};

export const restoreRun: RouteSchema = {
  summary: "Restore a deleted run.",
  args: message(RUN),
  response: EMPTY,
};

export const logMetric: RouteSchema = {
  summary: "Log one metric value.",
  args: message({ ...RUN, ...METRIC_FIELDS }, ["key", "value", "timestamp"]),
  response: EMPTY,
};

export const logParam: RouteSchema = {
  summary: "Log a parameter (immutable once logged).",
  args: message({ ...RUN, key: str(), value: str() }, ["key"]),
  response: EMPTY,
};

export const setTag: RouteSchema = {
  summary: "Set a tag on a run.",
  args: message({ ...RUN, key: str(), value: str() }, ["key"]),
  response: EMPTY,
};

export const deleteTag: RouteSchema = {
  summary: "Delete a tag of a run.",
  args: message({ ...RUN, key: str() }, ["key"]),
  response: EMPTY,
};

export const logBatch: RouteSchema = {
  summary: "Log metrics, params and tags in one request (at most 1 MB).",
  args: message({
    ...RUN,
    metrics: repeated(message(METRIC_FIELDS, ["key", "value", "timestamp"])),
    params: repeated(message({ key: str(), value: str() }, ["key"])),
    tags: repeated(message({ key: str(), value: str() }, ["key"])),
  }),
  response: EMPTY,
};

export const logInputs: RouteSchema = {
  summary: "Log the datasets and models a run used.",
  args: message({
    ...RUN,
    datasets: repeated(
      message(
        {
          tags: repeated(KEY_VALUE),
          dataset: message(
            {
              name: str(),
              digest: str(),
              source_type: str(),
              source: str(),
              schema: str(),
              profile: str(),
            },
            ["name", "digest", "source_type", "source"],
          ),
        },
        ["dataset"],
      ),
    ),
    models: repeated(message({ model_id: str() }, ["model_id"])),
  }),
  response: EMPTY,
};

export const searchRuns: RouteSchema = {
  summary: "Runs of some experiments matching a filter, paged.",
  args: message({
    experiment_ids: repeated(str()),
    filter: str("A search filter, e.g. `metrics.rmse < 1 and params.alpha = '0.5'`."),
    run_view_type: enumOf(VIEW_TYPES),
    max_results: int64(),
    order_by: repeated(str()),
    page_token: str(),
  }),
  response: message({ runs: repeated(ref("Run")), next_page_token: str() }),
};

export const getMetricHistory: RouteSchema = {
  summary: "Every value of one metric of a run, in step order, paged.",
  args: message({ ...RUN, metric_key: str(), page_token: str(), max_results: int64() }, ["metric_key"]),
  response: message({ metrics: repeated(ref("Metric")), next_page_token: str() }),
};

export const getMetricHistoryBulkInterval: RouteSchema = {
  summary: "One metric of several runs, sampled over a step interval (the MLflow UI's charts).",
  args: message(
    {
      run_ids: repeated(str()),
      metric_key: str(),
      start_step: int64(),
      end_step: int64(),
      max_results: int64(),
    },
    ["metric_key"],
  ),
  response: message({ metrics: repeated(ref("Metric")) }),
};
