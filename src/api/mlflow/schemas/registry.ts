// Request and response schemas of MLflow's model registry routes (model_registry.proto: registered models,
// their tags and aliases, model versions, stages, search, get-latest-versions, get-download-uri).
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

const NAME = str("The registered model's name.");
/** model_registry.proto types `version` as a string; clients send "3" (and some send 3). */
const VERSION: JsonSchema = { type: ["string", "integer"], description: 'A version number, e.g. "3".' };
const ONE_MODEL = message({ registered_model: ref("RegisteredModel") }, ["registered_model"]);
const ONE_VERSION = message({ model_version: ref("ModelVersion") }, ["model_version"]);
const SEARCH_ARGS = message({
  filter: str("A search filter, e.g. `name LIKE 'fraud%'`."),
  max_results: int64(),
  order_by: repeated(str()),
  page_token: str(),
});

export const createRegisteredModel: RouteSchema = {
  summary: "Register a model name.",
  args: message({ name: NAME, description: str(), tags: repeated(KEY_VALUE) }, ["name"]),
  response: ONE_MODEL,
};

export const getRegisteredModel: RouteSchema = {
  summary: "A registered model with its latest versions, tags and aliases.",
  args: message({ name: NAME }, ["name"]),
  response: ONE_MODEL,
};

export const renameRegisteredModel: RouteSchema = {
  summary: "Rename a registered model (its versions follow).",
  args: message({ name: NAME, new_name: str() }, ["name", "new_name"]),
  response: ONE_MODEL,
};

export const updateRegisteredModel: RouteSchema = {
  summary: "Set a registered model's description.",
  args: message({ name: NAME, description: str() }, ["name"]),
  response: ONE_MODEL,
};

export const deleteRegisteredModel: RouteSchema = {
  summary: "Delete a registered model and its versions.",
  args: message({ name: NAME }, ["name"]),
  response: EMPTY,
};

export const searchRegisteredModels: RouteSchema = {
  summary: "Registered models matching a filter, paged.",
  args: SEARCH_ARGS,
  response: message({ registered_models: repeated(ref("RegisteredModel")), next_page_token: str() }),
};

export const getLatestVersions: RouteSchema = {
  summary: "The latest version in each stage (or the given stages).",
  args: message({ name: NAME, stages: repeated(str()) }, ["name"]),
  response: message({ model_versions: repeated(ref("ModelVersion")) }),
};

export const setRegisteredModelTag: RouteSchema = {
  summary: "Set a tag on a registered model.",
  args: message({ name: NAME, key: str(), value: str() }, ["name", "key"]),
  response: EMPTY,
};

export const deleteRegisteredModelTag: RouteSchema = {
  summary: "Delete a tag of a registered model.",
  args: message({ name: NAME, key: str() }, ["name", "key"]),
  response: EMPTY,
};

export const setAlias: RouteSchema = {
  summary: "Point an alias of a registered model at a version.",
  args: message({ name: NAME, alias: str(), version: VERSION }, ["name", "version"]),
  response: EMPTY,
};

export const deleteAlias: RouteSchema = {
  summary: "Delete an alias of a registered model.",
  args: message({ name: NAME, alias: str() }, ["name", "alias"]),
  response: EMPTY,
};

export const getVersionByAlias: RouteSchema = {
  summary: "The version an alias points at.",
  args: message({ name: NAME, alias: str() }, ["name", "alias"]),
  response: ONE_VERSION,
};

export const createModelVersion: RouteSchema = {
  summary: "Register a new version of a model from a source URI.",
  args: message(
    {
      name: NAME,
      source: str("Where the model's files are, e.g. `runs:/<run_id>/model` or `models:/<model_id>`."),
      run_id: str(),
      run_link: str(),
      description: str(),
      model_id: str(),
      tags: repeated(KEY_VALUE),
    },
    ["name", "source"],
  ),
  response: ONE_VERSION,
};

export const getModelVersion: RouteSchema = {
  summary: "One model version.",
  args: message({ name: NAME, version: VERSION }, ["name", "version"]),
  response: ONE_VERSION,
};

export const updateModelVersion: RouteSchema = {
  summary: "Set a model version's description.",
  args: message({ name: NAME, version: VERSION, description: str() }, ["name", "version"]),
  response: ONE_VERSION,
};

export const deleteModelVersion: RouteSchema = {
  summary: "Delete a model version.",
  args: message({ name: NAME, version: VERSION }, ["name", "version"]),
  response: EMPTY,
};

export const transitionStage: RouteSchema = {
  summary: "Move a version to a stage (None, Staging, Production, Archived), under the model's policy.",
  args: message({ name: NAME, version: VERSION, stage: str(), archive_existing_versions: bool() }, [
    "name",
    "version",
    "stage",
  ]),
  response: ONE_VERSION,
};

export const searchModelVersions: RouteSchema = {
  summary: "Model versions matching a filter, paged.",
  args: SEARCH_ARGS,
  response: message({ model_versions: repeated(ref("ModelVersion")), next_page_token: str() }),
};

export const getDownloadUri: RouteSchema = {
  summary: "Where a version's files can be downloaded.",
  args: message({ name: NAME, version: VERSION }, ["name", "version"]),
  response: message({ artifact_uri: str() }, ["artifact_uri"]),
};

export const setModelVersionTag: RouteSchema = {
  summary: "Set a tag on a model version.",
  args: message({ name: NAME, version: VERSION, key: str(), value: str() }, ["name", "version", "key"]),
  response: EMPTY,
};

export const deleteModelVersionTag: RouteSchema = {
  summary: "Delete a tag of a model version.",
  args: message({ name: NAME, version: VERSION, key: str() }, ["name", "version", "key"]),
  response: EMPTY,
};
