// Request and response schemas of Flowgate's native API (/api/flowgate/v1): users, grants and tokens, the
// audit log, promotion policies and gates, transition requests (four-eyes approvals), webhook deliveries,
// and the registry views (house fields, model info, URI resolution, lineage, sunset).
import type { RouteSchema } from "../../openapi/route-schema.js";
import {
  EMPTY,
  bool,
  int64,
  message,
  ref,
  repeated,
  str,
  type JsonSchema,
} from "../../openapi/wire-schema.js";

const OBJECT: JsonSchema = { type: "object" };
const NAME = message({ name: str("The registered model's name.") }, ["name"]);
const NAME_VERSION = message({ name: str(), version: str("A version number.") }, ["name", "version"]);
const USERNAME = message({ username: str() }, ["username"]);
const REQUEST_ID = message({ id: str("The transition request's id (an integer).") }, ["id"]);
const WEBHOOK_ID = message({ webhook_id: str() }, ["webhook_id"]);
const PAGE = { max_results: int64(), page_token: str() };

const GRANT = ref("Grant");
const USER = ref("User");
const TOKEN_INFO = ref("ApiToken");
const POLICY = OBJECT;
const REQUEST = ref("TransitionRequest");
const GATE_RESULT = message({ gate: str(), type: str(), passed: { type: "boolean" }, message: str() });
const VERSION = ref("NativeModelVersion");
const MODEL = ref("NativeRegisteredModel");

// Users, grants, tokens.
export const whoami: RouteSchema = { summary: "Who is calling, with their grants.", response: OBJECT };
export const createUser: RouteSchema = {
  summary: "Create a user (or a service account, kind=service).",
  args: message({ username: str(), password: str(), role: str(), kind: str() }, ["username"]),
  response: message({ user: USER }, ["user"]),
};
export const listUsers: RouteSchema = {
  summary: "Every user.",
  response: message({ users: repeated(USER) }, ["users"]),
};
export const getUser: RouteSchema = {
  summary: "One user.",
  params: USERNAME,
  response: message({ user: USER }, ["user"]),
};
export const updateUser: RouteSchema = {
  summary: "Change a user's password, or disable or enable them.",
  params: USERNAME,
  args: message({ password: str(), disabled: { type: "boolean" } }),
  response: message({ user: USER }, ["user"]),
};
export const deleteUser: RouteSchema = {
  summary: "Delete a user with their grants and tokens.",
  params: USERNAME,
  response: EMPTY,
};
export const grant: RouteSchema = {
  summary: "Grant a role, globally or on one experiment or registered model.",
  params: USERNAME,
  args: message({ role: str(), scope_type: str(), scope_id: str() }, ["role"]),
  response: message({ grant: GRANT }, ["grant"]),
};
export const revoke: RouteSchema = {
  summary: "Revoke a grant.",
  params: USERNAME,
  args: message({ role: str(), scope_type: str(), scope_id: str() }, ["role"]),
  response: EMPTY,
};
export const createToken: RouteSchema = {
  summary: "Create an API token (shown once).",
  args: message({ username: str(), name: str(), expires_at: int64() }, ["name"]),
  response: message({ token: str(), token_info: TOKEN_INFO }, ["token", "token_info"]),
};
export const listTokens: RouteSchema = {
  summary: "Your tokens (or a user's, with user.manage).",
  args: message({ username: str() }),
  response: message({ tokens: repeated(TOKEN_INFO) }, ["tokens"]),
};
export const deleteToken: RouteSchema = {
  summary: "Revoke a token.",
  params: message({ token_id: str() }, ["token_id"]),
  response: EMPTY,
};

// Audit.
const AUDIT_FILTER = {
  actor: str(),
  action: str(),
  target_type: str(),
  target_id: str(),
  since: int64(),
  until: int64(),
};
export const listAudit: RouteSchema = {
  summary: "Audit events, newest first, paged.",
  args: message({ ...AUDIT_FILTER, ...PAGE }),
  response: message({ events: repeated(ref("AuditEvent")), next_page_token: str() }, ["events"]),
};
export const exportAudit: RouteSchema = {
  summary: "Every matching audit event as JSON lines.",
  args: message(AUDIT_FILTER),
  response: { type: "string", description: "JSON lines (application/x-ndjson)." },
};

// Policies and gates.
export const getDefaultPolicy: RouteSchema = { summary: "The default promotion policy.", response: POLICY };
export const setDefaultPolicy: RouteSchema = {
  summary: "Replace the default promotion policy.",
  args: OBJECT,
  response: POLICY,
};
export const deleteDefaultPolicy: RouteSchema = {
  summary: "Reset the default promotion policy.",
  response: EMPTY,
};
export const getModelPolicy: RouteSchema = {
  summary: "The policy that applies to a model.",
  params: NAME,
  response: POLICY,
};
export const setModelPolicy: RouteSchema = {
  summary: "Set a model's own promotion policy.",
  params: NAME,
  args: OBJECT,
  response: POLICY,
};
export const deleteModelPolicy: RouteSchema = {
  summary: "Drop a model's own policy (the default applies).",
  params: NAME,
  response: EMPTY,
};
export const evaluateGates: RouteSchema = {
  summary: "Run the gates of a promotion target without promoting.",
  params: NAME_VERSION,
  args: message({
    stage: str(),
    alias: str(),
    deployment: str("A deployment's name: target deployment:<name>."),
  }),
  response: message({ passed: { type: "boolean" }, results: repeated(GATE_RESULT) }, ["passed", "results"]),
};
export const gateEvaluations: RouteSchema = {
  summary: "Recorded gate evaluations of a version, newest first.",
  params: NAME_VERSION,
  args: message({ max_results: int64() }),
  response: message({ evaluations: repeated(OBJECT) }),
};

// Transition requests.
export const createTransitionRequest: RouteSchema = {
  summary: "Ask for a stage transition, alias move or deployment traffic that needs approval.",
  args: message(
    {
      name: str(),
      version: int64(),
      stage: str(),
      alias: str(),
      deployment: str(
        "A deployment's name: approved, the request is used by its next revision giving the version traffic.",
      ),
      archive_existing_versions: bool(),
      reason: str(),
    },
    ["name", "version"],
  ),
  response: message({ request: REQUEST }, ["request"]),
};
export const listTransitionRequests: RouteSchema = {
  summary: "Transition requests (pending by default).",
  args: message({ status: str(), name: str() }),
  response: message({ requests: repeated(REQUEST) }, ["requests"]),
};
export const getTransitionRequest: RouteSchema = {
  summary: "One transition request.",
  params: REQUEST_ID,
  response: message({ request: REQUEST }, ["request"]),
};
export const approveTransitionRequest: RouteSchema = {
  summary: "Approve (and apply) a request: not by its requester.",
  params: REQUEST_ID,
  args: message({ comment: str() }),
  response: message({ request: REQUEST }, ["request"]),
};
export const rejectTransitionRequest: RouteSchema = {
  summary: "Reject a request.",
  params: REQUEST_ID,
  args: message({ comment: str() }),
  response: message({ request: REQUEST }, ["request"]),
};
export const cancelTransitionRequest: RouteSchema = {
  summary: "Cancel your own request.",
  params: REQUEST_ID,
  response: message({ request: REQUEST }, ["request"]),
};

// Webhook deliveries.
export const listDeliveries: RouteSchema = {
  summary: "A webhook's recent deliveries.",
  params: WEBHOOK_ID,
  args: message({ max_results: int64() }),
  response: message({ deliveries: repeated(OBJECT) }, ["deliveries"]),
};
export const redeliver: RouteSchema = {
  summary: "Send a delivery again.",
  params: message({ webhook_id: str(), delivery_id: str() }, ["webhook_id", "delivery_id"]),
  response: message({ delivery: OBJECT }, ["delivery"]),
};

// Registry views.
export const createModel: RouteSchema = {
  summary: "Register a model name with its house fields.",
  args: message({ name: str(), description: str() }, ["name"]),
  response: message({ registered_model: MODEL }, ["registered_model"]),
};
export const listModels: RouteSchema = {
  summary: "Registered models with house fields, paged.",
  args: message({ filter: str(), ...PAGE }),
  response: message({ registered_models: repeated(MODEL), next_page_token: str() }),
};
export const getModel: RouteSchema = {
  summary: "One registered model with house fields.",
  params: NAME,
  response: message({ registered_model: MODEL }, ["registered_model"]),
};
export const setModelHouse: RouteSchema = {
  summary: "Set a model's house fields (owner, team, tier…).",
  params: NAME,
  args: OBJECT,
  response: message({ registered_model: MODEL }, ["registered_model"]),
};
export const setVersionHouse: RouteSchema = {
  summary: "Set a version's house fields.",
  params: NAME_VERSION,
  args: OBJECT,
  response: message({ model_version: VERSION }, ["model_version"]),
};
export const listVersions: RouteSchema = {
  summary: "A model's versions, newest first.",
  params: NAME,
  response: message({ model_versions: repeated(VERSION) }, ["model_versions"]),
};
export const getVersion: RouteSchema = {
  summary: "One version with house fields.",
  params: NAME_VERSION,
  response: message({ model_version: VERSION }, ["model_version"]),
};
export const modelInfo: RouteSchema = {
  summary: "A version's MLmodel: flavors, signature, input example.",
  params: NAME_VERSION,
  response: ref("ModelInfo"),
};
export const resolveModelUri: RouteSchema = {
  summary: "Where a model URI (models:/, runs:/, mlflow-artifacts:/) points.",
  args: message({ uri: str() }, ["uri"]),
  response: ref("ResolvedModelUri"),
};
export const lineage: RouteSchema = {
  summary: "Versions whose run has a tag or param, given as key=value.",
  args: message({ tag: str(), param: str() }),
  response: message({ query: OBJECT, model_versions: repeated(VERSION) }, ["model_versions"]),
};
export const sunset: RouteSchema = {
  summary: "Versions past their sunset date.",
  args: message({ as_of: str("YYYY-MM-DD; today when left out.") }),
  response: OBJECT,
};
