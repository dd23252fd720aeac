// Request and response schemas of MLflow 3's logged-model routes (service.proto: CreateLoggedModel,
// SearchLoggedModels, GetLoggedModel, FinalizeLoggedModel, DeleteLoggedModel, SetLoggedModelTags,
// DeleteLoggedModelTag, LogLoggedModelParams, ListLoggedModelArtifacts) and the run ↔ model links
// (LogOutputs, LogModel).
import type { RouteSchema } from "../../openapi/route-schema.js";
import {
  EMPTY,
  KEY_VALUE,
  bool,
  int64,
  message,
  ref,
  repeated,
  str,
  type JsonSchema,
} from "../../openapi/wire-schema.js";

const MODEL_ID = message({ model_id: str("The logged model's id, e.g. `m-0123…`.") }, ["model_id"]);
const ONE_MODEL = message({ model: ref("LoggedModel") }, ["model"]);
const FILES: JsonSchema = message({
  root_uri: str(),
  files: repeated(ref("FileInfo")),
  next_page_token: str(),
});

export const createLoggedModel: RouteSchema = {
  summary: "Create a logged model in an experiment (status PENDING until finalized).",
  args: message(
    {
      experiment_id: str(),
      name: str(),
      model_type: str(),
      source_run_id: str(),
      params: repeated(KEY_VALUE),
      tags: repeated(KEY_VALUE),
    },
    ["experiment_id"],
  ),
  response: ONE_MODEL,
};

export const searchLoggedModels: RouteSchema = {
  summary: "Logged models of some experiments matching a filter, paged.",
  args: message({
    experiment_ids: repeated(str()),
    filter: str(),
    datasets: repeated(message({ dataset_name: str(), dataset_digest: str() }, ["dataset_name"])),
    max_results: int64(),
    order_by: repeated(
      message({ field_name: str(), ascending: bool(), dataset_name: str(), dataset_digest: str() }),
    ),
    page_token: str(),
  }),
  response: message({ models: repeated(ref("LoggedModel")), next_page_token: str() }),
};

export const getLoggedModel: RouteSchema = {
  summary: "One logged model.",
  params: MODEL_ID,
  args: message({ allow_deleted: bool() }),
  response: ONE_MODEL,
};

export const finalizeLoggedModel: RouteSchema = {
  summary: "Set a logged model's final status (READY or FAILED).",
  params: MODEL_ID,
  args: message({ status: str() }),
  response: ONE_MODEL,
};

export const deleteLoggedModel: RouteSchema = {
  summary: "Delete a logged model.",
  params: MODEL_ID,
  response: EMPTY,
};

export const setLoggedModelTags: RouteSchema = {
  summary: "Set tags on a logged model.",
  params: MODEL_ID,
  args: message({ tags: repeated(KEY_VALUE) }),
  response: EMPTY,
};

export const deleteLoggedModelTag: RouteSchema = {
  summary: "Delete a tag of a logged model (the tag key is the rest of the path).",
  params: message({ model_id: str(), "*": str() }, ["model_id", "*"]),
  response: EMPTY,
};

export const logLoggedModelParams: RouteSchema = {
  summary: "Log parameters of a logged model.",
  params: MODEL_ID,
  args: message({ params: repeated(KEY_VALUE) }),
  response: EMPTY,
};

export const listLoggedModelArtifacts: RouteSchema = {
  summary: "The files of a logged model under a directory.",
  params: MODEL_ID,
  args: message({ artifact_directory_path: str(), page_token: str() }),
  response: FILES,
};

export const logOutputs: RouteSchema = {
  summary: "Record the logged models a run produced.",
  args: message({
    run_id: str(),
    run_uuid: str(),
    models: repeated(message({ model_id: str(), step: int64() }, ["model_id"])),
  }),
  response: EMPTY,
};

export const logModel: RouteSchema = {
  summary: "Record an MLflow 2 model's metadata on a run (the `mlflow.log-model.history` tag).",
  args: message({ run_id: str(), run_uuid: str(), model_json: str() }, ["model_json"]),
  response: EMPTY,
};

export const LIST_ARTIFACTS_RESPONSE = FILES;
