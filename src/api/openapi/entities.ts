// The response entities several routes share (MLflow's protos: service.proto, model_registry.proto, and the
// native API's objects). Registered once with `addSchema`; routes point at them with `ref("Name")`, and the
// document lists them under components.schemas.
import { int64, message, repeated, str, type JsonSchema } from "./wire-schema.js";

/** A double on the way out: a number, or "NaN"/"Infinity"/"-Infinity" as protobuf-JSON writes them. */
const DOUBLE_OUT: JsonSchema = {
  anyOf: [{ type: "number" }, { type: "string", enum: ["NaN", "Infinity", "-Infinity"] }],
};

const TAG = { $id: "Tag", ...message({ key: str(), value: str() }, ["key", "value"]) };

const EXPERIMENT = {
  $id: "Experiment",
  ...message(
    {
      experiment_id: str(),
      name: str(),
      artifact_location: str(),
      lifecycle_stage: str(),
      creation_time: int64(),
      last_update_time: int64(),
      tags: repeated({ $ref: "Tag#" }),
    },
    ["experiment_id", "name"],
  ),
};

const METRIC = {
  $id: "Metric",
  ...message(
    {
      key: str(),
      value: DOUBLE_OUT,
      timestamp: int64(),
      step: int64(),
      model_id: str(),
      dataset_name: str(),
      dataset_digest: str(),
      run_id: str(),
    },
    ["key", "value"],
  ),
};

const RUN_INFO = {
  $id: "RunInfo",
  ...message(
    {
      run_id: str(),
      run_uuid: str(),
      run_name: str(),
      experiment_id: str(),
      user_id: str(),
      status: str(),
      start_time: int64(),
      end_time: int64(),
      artifact_uri: str(),
      lifecycle_stage: str(),
    },
    ["run_id", "experiment_id"],
  ),
};

const RUN = {
  $id: "Run",
  ...message(
    {
      info: { $ref: "RunInfo#" },
      data: message({
        metrics: repeated({ $ref: "Metric#" }),
        params: repeated({ $ref: "Tag#" }),
        tags: repeated({ $ref: "Tag#" }),
      }),
      inputs: message({
        dataset_inputs: repeated(
          message(
            {
              tags: repeated({ $ref: "Tag#" }),
              dataset: message(
                {
                  name: str(),
                  digest: str(),
                  source_type: str(),
                  source: str(),
                  schema: str(),
                  profile: str(),
                },
                ["name", "digest"],
              ),
            },
            ["dataset"],
          ),
        ),
        model_inputs: repeated(message({ model_id: str() }, ["model_id"])),
      }),
      outputs: message({
        model_outputs: repeated(message({ model_id: str(), step: int64() }, ["model_id"])),
      }),
    },
    ["info"],
  ),
};

const MODEL_VERSION = {
  $id: "ModelVersion",
  ...message(
    {
      name: str(),
      version: str("The version number, as a string."),
      creation_timestamp: int64(),
      last_updated_timestamp: int64(),
      user_id: str(),
      current_stage: str(),
      description: str(),
      source: str(),
      run_id: str(),
      status: str(),
      status_message: str(),
      tags: repeated({ $ref: "Tag#" }),
      run_link: str(),
      aliases: repeated(str()),
      model_id: str(),
    },
    ["name", "version"],
  ),
};

const REGISTERED_MODEL = {
  $id: "RegisteredModel",
  ...message(
    {
      name: str(),
      creation_timestamp: int64(),
      last_updated_timestamp: int64(),
      user_id: str(),
      description: str(),
      latest_versions: repeated({ $ref: "ModelVersion#" }),
      tags: repeated({ $ref: "Tag#" }),
      aliases: repeated(message({ alias: str(), version: str() }, ["alias", "version"])),
    },
    ["name"],
  ),
};

const LOGGED_MODEL = {
  $id: "LoggedModel",
  ...message(
    {
      info: message(
        {
          model_id: str(),
          experiment_id: str(),
          name: str(),
          creation_timestamp_ms: int64(),
          last_updated_timestamp_ms: int64(),
          artifact_uri: str(),
          status: str(),
          model_type: str(),
          source_run_id: str(),
          status_message: str(),
          tags: repeated({ $ref: "Tag#" }),
          registrations: repeated(message({ name: str(), version: str() })),
        },
        ["model_id"],
      ),
      data: message({ params: repeated({ $ref: "Tag#" }), metrics: repeated({ $ref: "Metric#" }) }),
    },
    ["info"],
  ),
};

const FILE_INFO = {
  $id: "FileInfo",
  ...message({ path: str(), is_dir: { type: "boolean" }, file_size: int64() }, ["path"]),
};

export const ENTITY_SCHEMAS: JsonSchema[] = [
  FILE_INFO,
  LOGGED_MODEL,
  TAG,
  EXPERIMENT,
  METRIC,
  RUN_INFO,
  RUN,
  MODEL_VERSION,
  REGISTERED_MODEL,
];
