// The response entities several routes share (MLflow's protos: service.proto, model_registry.proto, and the
// native API's objects). Registered once with `addSchema`; routes point at them with `ref("Name")`, and the
// document lists them under components.schemas.
import { int64, message, repeated, str, type JsonSchema, KEY_VALUE } from "./wire-schema.js";

/** A double on the way out: a number, or "NaN"/"Infinity"/"-Infinity" as protobuf-JSON writes them. */
const DOUBLE_OUT: JsonSchema = {
  anyOf: [{ type: "number" }, { type: "string", enum: ["NaN", "Infinity", "-Infinity"] }],
};

const TAG = { $id: "Tag", ...KEY_VALUE };

const EXPERIMENT = {
  $id: "Experiment",
  ...message({
    experiment_id: str(),
    name: str(),
    artifact_location: str(),
    lifecycle_stage: str(),
    creation_time: int64(),
    last_update_time: int64(),
    tags: repeated({ $ref: "Tag#" }),
  }),
};

const METRIC = {
  $id: "Metric",
  ...message({
    key: str(),
    value: DOUBLE_OUT,
    timestamp: int64(),
    step: int64(),
    model_id: str(),
    dataset_name: str(),
    dataset_digest: str(),
    run_id: str(),
  }),
};

const RUN_INFO = {
  $id: "RunInfo",
  ...message({
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
  }),
};

const RUN = {
  $id: "Run",
  ...message({
    info: { $ref: "RunInfo#" },
    data: message({
      metrics: repeated({ $ref: "Metric#" }),
      params: repeated({ $ref: "Tag#" }),
      tags: repeated({ $ref: "Tag#" }),
    }),
    inputs: message({
      dataset_inputs: repeated(
        message({
          tags: repeated({ $ref: "Tag#" }),
          dataset: message({
            name: str(),
            digest: str(),
            source_type: str(),
            source: str(),
            schema: str(),
            profile: str(),
          }),
        }),
      ),
      model_inputs: repeated(message({ model_id: str() })),
    }),
    outputs: message({ model_outputs: repeated(message({ model_id: str(), step: int64() })) }),
  }),
};

const MODEL_VERSION = {
  $id: "ModelVersion",
  ...message({
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
  }),
};

const REGISTERED_MODEL = {
  $id: "RegisteredModel",
  ...message({
    name: str(),
    creation_timestamp: int64(),
    last_updated_timestamp: int64(),
    user_id: str(),
    description: str(),
    latest_versions: repeated({ $ref: "ModelVersion#" }),
    tags: repeated({ $ref: "Tag#" }),
    aliases: repeated(message({ alias: str(), version: str() })),
  }),
};

const LOGGED_MODEL = {
  $id: "LoggedModel",
  ...message({
    info: message({
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
    }),
    data: message({ params: repeated({ $ref: "Tag#" }), metrics: repeated({ $ref: "Metric#" }) }),
  }),
};

export const ENTITY_SCHEMAS: JsonSchema[] = [
  LOGGED_MODEL,
  TAG,
  EXPERIMENT,
  METRIC,
  RUN_INFO,
  RUN,
  MODEL_VERSION,
  REGISTERED_MODEL,
];
