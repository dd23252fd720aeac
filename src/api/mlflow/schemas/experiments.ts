// Request and response schemas of MLflow's experiment routes (service.proto: CreateExperiment,
// GetExperiment, GetExperimentByName, SearchExperiments, UpdateExperiment, DeleteExperiment,
// RestoreExperiment, SetExperimentTag, DeleteExperimentTag).
import { VIEW_TYPES } from "../../../tracking/entities.js";
import type { RouteSchema } from "../../openapi/route-schema.js";
import { EMPTY, KEY_VALUE, enumOf, int64, message, ref, repeated, str } from "../../openapi/wire-schema.js";

const EXPERIMENT_ID = str("The experiment's id (a decimal string).");

export const createExperiment: RouteSchema = {
  summary: "Create an experiment.",
  args: message({ name: str(), artifact_location: str(), tags: repeated(KEY_VALUE) }, ["name"]),
  response: message({ experiment_id: str() }, ["experiment_id"]),
};

export const getExperiment: RouteSchema = {
  summary: "An experiment by id.",
  args: message({ experiment_id: EXPERIMENT_ID }, ["experiment_id"]),
  response: message({ experiment: ref("Experiment") }, ["experiment"]),
};

export const getExperimentByName: RouteSchema = {
  summary: "An experiment by name.",
  args: message({ experiment_name: str() }, ["experiment_name"]),
  response: message({ experiment: ref("Experiment") }, ["experiment"]),
};

export const searchExperiments: RouteSchema = {
  summary: "Experiments matching a filter, paged.",
  args: message({
    max_results: int64(),
    page_token: str(),
    filter: str("A search filter, e.g. `name LIKE 'prod%'`."),
    order_by: repeated(str()),
    view_type: enumOf(VIEW_TYPES),
  }),
  response: message({ experiments: repeated(ref("Experiment")), next_page_token: str() }),
};

export const updateExperiment: RouteSchema = {
  summary: "Rename an experiment.",
  args: message({ experiment_id: EXPERIMENT_ID, new_name: str() }, ["experiment_id"]),
  response: EMPTY,
};

export const deleteExperiment: RouteSchema = {
  summary: "Mark an experiment (and its runs) deleted.",
  args: message({ experiment_id: EXPERIMENT_ID }, ["experiment_id"]),
  response: EMPTY,
};

export const restoreExperiment: RouteSchema = {
  summary: "Restore a deleted experiment.",
  args: message({ experiment_id: EXPERIMENT_ID }, ["experiment_id"]),
  response: EMPTY,
};

export const setExperimentTag: RouteSchema = {
  summary: "Set a tag on an experiment.",
  args: message({ experiment_id: EXPERIMENT_ID, key: str(), value: str() }, ["experiment_id", "key"]),
  response: EMPTY,
};

export const deleteExperimentTag: RouteSchema = {
  summary: "Delete a tag of an experiment.",
  args: message({ experiment_id: EXPERIMENT_ID, key: str() }, ["experiment_id", "key"]),
  response: EMPTY,
};
