// Request and response schemas of monitoring's baselines and labels (/api/flowgate/v1/monitoring/…). The
// profile is the DatasetProfile of src/monitoring/monitoring.ts as JSON (format in docs/monitoring.md); its
// contents are checked by validateProfile, which names the field and what is allowed.
import type { RouteSchema } from "../../openapi/route-schema.js";
import { message, repeated, str, type JsonSchema } from "../../openapi/wire-schema.js";

const PROFILE: JsonSchema = {
  type: "object",
  description:
    "A DatasetProfile: format, rows, columns (per input column a numeric or categorical profile), " +
    "predictions, source, createdAt.",
};

const BASELINE = message(
  {
    model: str(),
    version: str(),
    profile: PROFILE,
    createdAt: { type: "integer" },
    createdBy: str(),
  },
  ["model", "version", "profile", "createdAt", "createdBy"],
);
const ONE = message({ baseline: BASELINE }, ["baseline"]);

const VERSION = message(
  { name: str("The registered model."), version: str("The model version (a positive integer).") },
  ["name", "version"],
);

export const putBaseline: RouteSchema = {
  summary: "Set a model version's baseline profile (replaces the one it had).",
  description:
    "The reference drift is computed against; build it with ProfileBuilder (flowgate monitor baseline set).",
  params: VERSION,
  args: message({ profile: PROFILE }, ["profile"]),
  response: ONE,
};

export const getBaseline: RouteSchema = {
  summary: "A model version's baseline profile.",
  params: VERSION,
  response: ONE,
};

export const buildBaseline: RouteSchema = {
  summary: "Build a model version's baseline on the server, from its input example or its run's dataset.",
  description:
    "dataset: the dataset the version's run logged with mlflow.log_input (context training, or its only one), " +
    "read when its source is an artifact of this server's store or a local .csv/.parquet file.",
  params: VERSION,
  args: message({ from: { type: "string", enum: ["input_example", "dataset"] } }, ["from"]),
  response: ONE,
};

export const postLabels: RouteSchema = {
  summary:
    "Upload labels (ground truth) for a deployment's predictions, by request id: at most 10000 per call.",
  description:
    "A label is a number or a string; sending a request id again replaces its label. The monitor joins them to " +
    "the prediction log by request id (the x-request-id serving answered).",
  args: message(
    {
      deployment: str("The deployment that served the predictions."),
      labels: {
        ...repeated(
          message(
            {
              request_id: str("The x-request-id serving answered."),
              label: { anyOf: [{ type: "number" }, { type: "string" }] },
            },
            ["request_id", "label"],
          ),
        ),
        maxItems: 10_000,
      },
    },
    ["deployment", "labels"],
  ),
  response: message({ deployment: str(), received: { type: "integer" } }, ["deployment", "received"]),
};
