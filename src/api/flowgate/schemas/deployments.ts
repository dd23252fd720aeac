// Request and response schemas of the deployments API (/api/flowgate/v1/deployments…): the wire format is the
// TypeScript shapes of src/delivery/deployment.ts and observation.ts as JSON (camelCase, times in epoch ms).
// The spec itself is checked by parseDeploymentSpec, which names the field and what is allowed.
import type { RouteSchema } from "../../openapi/route-schema.js";
import { EMPTY, double, int64, message, repeated, str, type JsonSchema } from "../../openapi/wire-schema.js";

const STRING = { type: "string" };
const INTEGER = { type: "integer" };
const NUMBER = { type: "number" };
const OBJECT: JsonSchema = { type: "object" };

function entity(
  properties: Record<string, JsonSchema>,
  optional: Record<string, JsonSchema> = {},
): JsonSchema {
  return { type: "object", properties: { ...properties, ...optional }, required: Object.keys(properties) };
}

const PHASE = { type: "string", enum: ["Healthy", "Progressing", "Paused", "Degraded", "Aborted"] };
const ALLOWED = entity({ ok: { type: "boolean" } }, { reason: STRING });

const SPEC: JsonSchema = {
  ...entity({ name: STRING, model: STRING, primary: STRING }),
  description:
    'A DeploymentSpec: name, model, primary (a version; "@alias" or "stage:Production" is pinned when written), ' +
    "and optional track, shadow, strategy (canary | abTest | blueGreen), analysisTemplates, warm, policy and " +
    "monitoring (enabled, sampleRate, inputs, retentionDays, window, drift, task; logging is on by default).",
};

export const ROUTING_SNAPSHOT: JsonSchema = entity(
  {
    deployment: STRING,
    model: STRING,
    revision: INTEGER,
    etag: STRING,
    routes: {
      type: "array",
      items: entity({
        version: STRING,
        weight: INTEGER,
        role: { type: "string", enum: ["primary", "canary", "variant"] },
      }),
    },
    warm: { type: "array", items: STRING },
    phase: PHASE,
  },
  {
    shadow: entity({ version: STRING, percent: NUMBER }),
    sticky: OBJECT,
    preview: entity({ version: STRING, header: STRING }),
    policy: OBJECT,
    predictionLog: {
      ...entity(
        {
          sampleRate: NUMBER,
          hashed: {
            oneOf: [
              { type: "array", items: STRING },
              { type: "string", enum: ["all"] },
            ],
          },
        },
        { inputs: { type: "array", items: STRING } },
      ),
      description:
        "What serving logs (absent: logging off): the share of requests, the input columns (absent: all) and " +
        'the columns logged as hashes (from the model\'s pii tag; "all": every input).',
    },
  },
);

const ROLLOUT_STATE = entity(
  {
    deployment: STRING,
    revision: INTEGER,
    phase: PHASE,
    stepIndex: INTEGER,
    canaryWeight: NUMBER,
    stepStartedAt: INTEGER,
    abortRequested: { type: "boolean" },
    analyses: { type: "array", items: OBJECT },
    updatedAt: INTEGER,
    version: INTEGER,
  },
  {
    pausedAt: INTEGER,
    pauseReason: STRING,
    pausedBy: STRING,
    promoteRequested: STRING,
    requestsSeen: INTEGER,
    message: STRING,
  },
);

/** The DeploymentView: the current revision's spec, its rollout state and routing, and what the caller may do. */
export const DEPLOYMENT_VIEW: JsonSchema = entity({
  name: STRING,
  model: STRING,
  revision: INTEGER,
  spec: SPEC,
  status: ROLLOUT_STATE,
  routing: ROUTING_SNAPSHOT,
  createdAt: INTEGER,
  createdBy: STRING,
  updatedAt: INTEGER,
  updatedBy: STRING,
  allowed: entity({ pause: ALLOWED, resume: ALLOWED, promote: ALLOWED, abort: ALLOWED, rollback: ALLOWED }),
});

const REVISION = entity({
  deployment: STRING,
  revision: INTEGER,
  spec: SPEC,
  author: STRING,
  reason: STRING,
  createdAt: INTEGER,
  diff: { type: "array", items: entity({ path: STRING }, { before: {}, after: {} }) },
});

const NAME = message({ name: str("The deployment's name.") }, ["name"]);
const REASON = str("Why (required; kept with the revision and in the audit log).");
const ONE = message({ deployment: DEPLOYMENT_VIEW }, ["deployment"]);

export const createDeployment: RouteSchema = {
  summary: "Create a deployment (revision 1) from a DeploymentSpec.",
  description:
    "Version references are pinned to numbers when written. Giving a version live traffic is a promotion to " +
    "deployment:<name> under the model's promotion policy.",
  args: message({ spec: { ...OBJECT, description: "The DeploymentSpec." }, reason: REASON }, [
    "spec",
    "reason",
  ]),
  response: ONE,
};

export const listDeployments: RouteSchema = {
  summary: "Deployments, by name, paged; optionally of one model.",
  args: message({
    model: str("Only deployments of this registered model."),
    max_results: int64(),
    page_token: str(),
  }),
  response: message({ deployments: repeated(DEPLOYMENT_VIEW), nextPageToken: str() }, ["deployments"]),
};

export const getDeployment: RouteSchema = { summary: "One deployment.", params: NAME, response: ONE };

export const updateDeployment: RouteSchema = {
  summary: "Change a deployment: a new revision (with its diff), unless the spec is unchanged.",
  params: NAME,
  args: message(
    {
      spec: OBJECT,
      reason: REASON,
      expectedRevision: int64("Refuse (INVALID_STATE) unless the deployment is still at this revision."),
    },
    ["spec", "reason"],
  ),
  response: ONE,
};

export const deleteDeployment: RouteSchema = {
  summary: "Delete a deployment with its revisions, state and observations (serving stops following it).",
  params: NAME,
  args: message({ reason: REASON }),
  response: EMPTY,
};

export const listRevisions: RouteSchema = {
  summary: "A deployment's revisions, newest first.",
  params: NAME,
  response: message({ revisions: repeated(REVISION) }, ["revisions"]),
};

export const getRevision: RouteSchema = {
  summary: "One revision of a deployment.",
  params: message({ name: str(), revision: str("A revision number.") }, ["name", "revision"]),
  response: message({ revision: REVISION }, ["revision"]),
};

export const rollbackDeployment: RouteSchema = {
  summary:
    "Roll back: a new revision giving the previous primary (or toRevision's) 100%, at once, without analysis.",
  params: NAME,
  args: message({ reason: REASON, toRevision: int64("Roll back to this revision's primary.") }, ["reason"]),
  response: ONE,
};

export const getRouting: RouteSchema = {
  summary: "The routing snapshot serving follows (ETag; If-None-Match answers 304 when unchanged).",
  description:
    "With wait=<seconds, at most 30> and If-None-Match, the answer waits until the routing changes.",
  params: NAME,
  args: message({ wait: double("Seconds to wait for a change (0 to 30).") }),
  response: ROUTING_SNAPSHOT,
};

const LATENCY = message({ p50: NUMBER, p99: NUMBER, max: NUMBER }, ["p50", "p99", "max"]);

export const postObservations: RouteSchema = {
  summary:
    "Report one serving window of a deployment (per version requests, errors, latency, predictions; shadow).",
  params: NAME,
  args: message(
    {
      deployment: STRING,
      replica: STRING,
      revision: INTEGER,
      startedAt: INTEGER,
      endedAt: INTEGER,
      versions: {
        type: "array",
        items: message(
          {
            version: STRING,
            role: { type: "string", enum: ["primary", "canary", "variant", "preview"] },
            requests: INTEGER,
            errors: INTEGER,
            latencyMs: LATENCY,
            predictions: message(
              {
                labels: { type: "object", additionalProperties: INTEGER },
                numericCount: INTEGER,
                numericSum: NUMBER,
              },
              ["labels", "numericCount", "numericSum"],
            ),
          },
          ["version", "role", "requests", "errors", "latencyMs", "predictions"],
        ),
      },
      shadow: message({
        version: STRING,
        requests: INTEGER,
        dropped: INTEGER,
        errors: INTEGER,
        latencyMs: LATENCY,
        compared: INTEGER,
        agreed: INTEGER,
        meanAbsDiff: NUMBER,
        maxAbsDiff: NUMBER,
      }),
    },
    ["replica", "revision", "startedAt", "endedAt", "versions"],
  ),
  response: EMPTY,
};

const POINT = entity({
  t: INTEGER,
  requests: INTEGER,
  errors: INTEGER,
  rps: NUMBER,
  p50: NUMBER,
  p99: NUMBER,
});
const SHADOW_POINT = entity({
  t: INTEGER,
  requests: INTEGER,
  agreed: INTEGER,
  compared: INTEGER,
  errors: INTEGER,
  p99: NUMBER,
  dropped: INTEGER,
});

export const getMetrics: RouteSchema = {
  summary: "Serving metrics of a deployment summed over replicas, per version and role, in time buckets.",
  params: NAME,
  args: message({
    since: int64("From this time (epoch ms; default 15 minutes ago)."),
    step: int64("Bucket width in seconds (default 10)."),
  }),
  response: message(
    {
      series: repeated(entity({ version: STRING, role: STRING, points: repeated(POINT) })),
      shadow: repeated(SHADOW_POINT),
    },
    ["series", "shadow"],
  ),
};
