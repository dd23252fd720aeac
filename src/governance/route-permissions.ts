// The one permission table: every HTTP route the server registers maps to the permission it needs and to
// where the object it touches (model, experiment, run…) is named in the request. Default deny: a route
// with no rule is refused when auth is on, and test/governance/route-coverage.test.ts fails for it.
import type { Permission } from "./rbac.js";

/** Where a route's target object is named, so per-model and per-experiment grants can apply. */
export type ScopeSource =
  /** A global permission (creating an experiment, managing webhooks). */
  | "global"
  /** A list endpoint: any grant that carries the permission admits the caller. */
  | "any"
  /** `name` in the query/body: a registered model. */
  | "model"
  /** `experiment_id` in the query/body. */
  | "experiment"
  /** `experiment_ids[]` in the query/body (search); "any" when none are given. */
  | "experiments"
  /** `run_id` (or the deprecated `run_uuid`) in the query/body; the run's experiment. */
  | "run"
  /** `:model_id` in the path or `model_id` in the body: a logged model's experiment. */
  | "logged-model"
  /** The artifact path after `/artifacts/`: its first segment is the experiment id. */
  | "artifact-path"
  /** `:name` in the native API path: a registered model. */
  | "model-path"
  /**
   * `:name` in the path, else `deployment` in the query/body: a deployment, whose model the grant must cover;
   * without either, `spec.model` in the body, else `model` (a monitoring alert rule on a model).
   */
  | "deployment";

export interface RouteRule {
  /** Upper-case methods; HEAD is checked as GET. */
  methods: readonly string[];
  /** Matched against the registered route URL (Fastify's pattern, e.g. `/api/2.0/mlflow/logged-models/:model_id`). */
  url: RegExp;
  /** "public" needs no login; "authenticated" needs any valid login. */
  permission: Permission | "public" | "authenticated";
  scope: ScopeSource;
  /**
   * The route reads one model version (by number or alias): it must be a version the caller may see
   * (read-access.ts; the `service` role sees released versions only).
   */
  version?: boolean;
  /**
   * The route hands out what the model URI in this field names (a version's `source`, a URI to resolve):
   * the caller must be able to read it (governance/uri-reads.ts).
   */
  readsUri?: "source" | "uri";
}

const GET = ["GET"];
const WRITE = ["POST", "PUT", "PATCH", "DELETE"];
const ANY = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const ML = "^/(?:api|ajax-api)/[\\d.]+/mlflow/";
const NATIVE = "^/api/flowgate/v1/";
const ml = (path: string): RegExp => new RegExp(`${ML}${path}$`);
const native = (path: string): RegExp => new RegExp(`${NATIVE}${path}$`);

/** Ordered: the first rule whose method and URL match decides. */
export const ROUTE_RULES: readonly RouteRule[] = [
  { methods: GET, url: /^\/(health|version)$/, permission: "public", scope: "global" },
  // The API description (and its reference page) says nothing about the data; clients fetch it before login.
  { methods: GET, url: /^\/api\/(openapi\.json|docs)$/, permission: "public", scope: "global" },
  { methods: GET, url: /^\/metrics$/, permission: "authenticated", scope: "global" },
  // As in MLflow: clients ask how the server is set up before they log in; it names no data.
  { methods: GET, url: ml("server-info"), permission: "public", scope: "global" },

  // Tracking.
  { methods: GET, url: ml("experiments/get"), permission: "experiment.read", scope: "experiment" },
  { methods: ANY, url: ml("experiments/(get-by-name|search)"), permission: "experiment.read", scope: "any" },
  { methods: WRITE, url: ml("experiments/create"), permission: "experiment.write", scope: "global" },
  {
    methods: WRITE,
    url: ml("experiments/(delete|restore|update|set-experiment-tag|delete-experiment-tag)"),
    permission: "experiment.write",
    scope: "experiment",
  },
  {
    methods: ["POST"],
    url: ml("experiments/search-datasets"),
    permission: "experiment.read",
    scope: "experiments",
  },
  { methods: WRITE, url: ml("runs/create"), permission: "experiment.write", scope: "experiment" },
  { methods: ANY, url: ml("runs/search"), permission: "experiment.read", scope: "experiments" },
  {
    methods: GET,
    url: ml("(runs/get|metrics/get-history|artifacts/list)"),
    permission: "experiment.read",
    scope: "run",
  },
  // Several runs in one read: the handler checks each run's experiment (src/api/mlflow/run-access.ts).
  {
    methods: GET,
    url: ml("metrics/get-history-bulk(-interval)?"),
    permission: "experiment.read",
    scope: "any",
  },
  { methods: WRITE, url: ml("runs/[\\w-]+"), permission: "experiment.write", scope: "run" },
  { methods: ANY, url: ml("logged-models/search"), permission: "experiment.read", scope: "experiments" },
  { methods: WRITE, url: ml("logged-models"), permission: "experiment.write", scope: "experiment" },
  {
    methods: GET,
    url: ml("logged-models/:\\w+(/.*)?"),
    permission: "experiment.read",
    scope: "logged-model",
  },
  {
    methods: WRITE,
    url: ml("logged-models/:\\w+(/.*)?"),
    permission: "experiment.write",
    scope: "logged-model",
  },

  // Registry.
  {
    methods: ANY,
    url: ml("(registered-models|model-versions)/search"),
    permission: "model.read",
    scope: "any",
  },
  {
    methods: ANY,
    url: ml("registered-models/(get|get-latest-versions)"),
    permission: "model.read",
    scope: "model",
  },
  {
    methods: GET,
    url: ml("(registered-models/alias|model-versions/get|model-versions/get-download-uri)"),
    permission: "model.read",
    scope: "model",
    version: true,
  },
  { methods: WRITE, url: ml("registered-models/alias"), permission: "model.transition", scope: "model" },
  {
    methods: WRITE,
    url: ml("model-versions/transition-stage"),
    permission: "model.transition",
    scope: "model",
  },
  {
    methods: WRITE,
    url: ml("(registered-models|model-versions)/delete"),
    permission: "model.delete",
    scope: "model",
  },
  {
    methods: WRITE,
    url: ml(
      "(registered-models/(create|rename|update|set-tag|delete-tag)|model-versions/(update|set-tag|delete-tag))",
    ),
    permission: "model.write",
    scope: "model",
  },
  {
    methods: WRITE,
    url: ml("model-versions/create"),
    permission: "model.write",
    scope: "model",
    readsUri: "source",
  },

  // Webhooks (MLflow OSS API).
  { methods: ANY, url: ml("webhooks(/.*)?"), permission: "webhook.manage", scope: "global" },

  // Artifact proxy and the UI's artifact downloads.
  {
    methods: GET,
    url: /^\/(?:api|ajax-api)\/[\d.]+\/mlflow-artifacts\/(artifacts|presigned)(\/.*)?$/,
    permission: "artifact.read",
    scope: "artifact-path",
  },
  {
    methods: WRITE,
    url: /^\/(?:api|ajax-api)\/[\d.]+\/mlflow-artifacts\/(artifacts|mpu\/\w+)(\/.*)?$/,
    permission: "artifact.write",
    scope: "artifact-path",
  },
  { methods: GET, url: /^\/get-artifact$/, permission: "artifact.read", scope: "run" },
  // The UI's upload: the run is named in the query, the body is the file's bytes.
  { methods: ["POST"], url: ml("upload-artifact"), permission: "artifact.write", scope: "run" },
  {
    methods: GET,
    url: /^\/model-versions\/get-artifact$/,
    permission: "artifact.read",
    scope: "model",
    version: true,
  },

  // Native registry API.
  { methods: WRITE, url: native("registered-models"), permission: "model.write", scope: "model" },
  {
    methods: GET,
    url: native("(registered-models|lineage|registry/sunset)"),
    permission: "model.read",
    scope: "any",
  },
  {
    methods: GET,
    url: native("model-uris/resolve"),
    permission: "model.read",
    scope: "any",
    readsUri: "uri",
  },
  {
    methods: GET,
    url: native("registered-models/:name(/versions)?"),
    permission: "model.read",
    scope: "model-path",
  },
  {
    methods: GET,
    url: native("registered-models/:name/versions/:version(/model-info)?"),
    permission: "model.read",
    scope: "model-path",
    version: true,
  },

  {
    methods: WRITE,
    url: native("registered-models/:name(/versions/:version)?/house"),
    permission: "model.write",
    scope: "model-path",
  },

  // Native governance API.
  { methods: GET, url: native("whoami"), permission: "authenticated", scope: "global" },
  { methods: ANY, url: native("tokens(/.*)?"), permission: "authenticated", scope: "global" },
  { methods: ANY, url: native("users(/.*)?"), permission: "user.manage", scope: "global" },
  { methods: GET, url: native("audit(/.*)?"), permission: "audit.read", scope: "global" },
  { methods: GET, url: native("policies/default"), permission: "model.read", scope: "any" },
  { methods: WRITE, url: native("policies/default"), permission: "policy.write", scope: "global" },
  { methods: GET, url: native("models/:name/policy"), permission: "model.read", scope: "model-path" },
  { methods: WRITE, url: native("models/:name/policy"), permission: "policy.write", scope: "global" },
  {
    methods: GET,
    url: native("models/:name/versions/:version/gate-evaluations"),
    permission: "model.read",
    scope: "model-path",
    version: true,
  },
  {
    methods: ["POST"],
    url: native("models/:name/versions/:version/evaluate-gates"),
    permission: "model.request",
    scope: "model-path",
  },
  { methods: GET, url: native("transition-requests(/:id)?"), permission: "model.read", scope: "any" },
  { methods: ["POST"], url: native("transition-requests"), permission: "model.request", scope: "model" },
  {
    methods: ["POST"],
    url: native("transition-requests/:id/(approve|reject)"),
    permission: "model.approve",
    scope: "any",
  },
  {
    methods: ["POST"],
    url: native("transition-requests/:id/cancel"),
    permission: "model.request",
    scope: "any",
  },
  { methods: ANY, url: native("webhooks(/.*)?"), permission: "webhook.manage", scope: "global" },

  // Deployments: reads need model.read on the deployment's model, changes model.transition (governance then
  // decides about giving a version traffic); serving replicas report what they observed.
  { methods: GET, url: native("deployments"), permission: "model.read", scope: "any" },
  { methods: GET, url: native("deployments/:name(/.*)?"), permission: "model.read", scope: "deployment" },
  {
    methods: ["POST"],
    url: native("deployments/:name/observations"),
    permission: "deployment.report",
    scope: "deployment",
  },
  {
    methods: WRITE,
    url: native("deployments(/:name(/.*)?)?"),
    permission: "model.transition",
    scope: "deployment",
  },

  // Monitoring: a version's baseline is read with its model and set by the model's editors; labels come from
  // serving's service accounts or editors of the deployment's model (`deployment` in the body).
  {
    methods: GET,
    url: native("monitoring/baselines/:name/:version"),
    permission: "model.read",
    scope: "model-path",
  },
  {
    methods: WRITE,
    url: native("monitoring/baselines/:name/:version(/build)?"),
    permission: "model.write",
    scope: "model-path",
  },
  {
    methods: ["POST"],
    url: native("monitoring/labels"),
    permission: "deployment.report",
    scope: "deployment",
  },

  // A deployment's monitoring report is read with the deployment's model.
  {
    methods: GET,
    url: native("monitoring/deployments/:name/report"),
    permission: "model.read",
    scope: "deployment",
  },

  // Prediction-log segments: serving's service accounts (or editors) upload them for a deployment named in the
  // query; listing them is reading the deployment's model.
  {
    methods: ["POST"],
    url: native("monitoring/segments"),
    permission: "deployment.report",
    scope: "deployment",
  },
  {
    methods: GET,
    url: native("monitoring/deployments/:name/segments"),
    permission: "model.read",
    scope: "deployment",
  },

  // Monitoring windows and alerts are read with the deployment's model (listings show only readable ones);
  // alert rules are changed as deployments are (model.transition), on the deployment or model the body names.
  // Deleting names only a rule id, so it needs the permission globally.
  {
    methods: GET,
    url: native("monitoring/deployments/:name/windows"),
    permission: "model.read",
    scope: "deployment",
  },
  { methods: GET, url: native("monitoring/(alert-rules|alerts)"), permission: "model.read", scope: "any" },
  {
    methods: ["POST"],
    url: native("monitoring/alert-rules(/preset)?"),
    permission: "model.transition",
    scope: "deployment",
  },
  {
    methods: ["DELETE"],
    url: native("monitoring/alert-rules/:id"),
    permission: "model.transition",
    scope: "global",
  },

  // GraphQL: any login may ask; each resolver checks the objects it reads with the caller's read access
  // (src/api/graphql/resolvers.ts), as the REST route for the same object would.
  { methods: ["GET", "POST"], url: /^\/graphql$/, permission: "authenticated", scope: "global" },

  // The web UI's shell and static assets: the data they show comes through the guarded API routes above.
  { methods: GET, url: /^\/(?!api\/|ajax-api\/)/, permission: "public", scope: "global" },
];

export function ruleFor(method: string, url: string): RouteRule | undefined {
  const m = method === "HEAD" ? "GET" : method;
  return ROUTE_RULES.find((r) => r.methods.includes(m) && r.url.test(url));
}
