// Request and response schemas of the rollout actions: POST /api/flowgate/v1/deployments/:name/{promote,pause,
// resume,abort}. Each answers the deployment as it is after the action.
import type { RouteSchema } from "../../openapi/route-schema.js";
import { bool, message, str } from "../../openapi/wire-schema.js";
import { DEPLOYMENT_VIEW } from "./deployments.js";

const NAME = message({ name: str("The deployment's name.") }, ["name"]);
const REASON = str("Why (required; kept in the audit log and shown with the rollout).");
const DEPLOYMENT = message({ deployment: DEPLOYMENT_VIEW }, ["deployment"]);

export const promoteDeployment: RouteSchema = {
  summary:
    "Promote a running rollout: past the current pause or analysis step, or (full) straight to the end.",
  description:
    "full=true skips every remaining step, pause and analysis, as Argo's promote --full; an abort still wins. " +
    "The controller writes the promotion revision on its next tick.",
  params: NAME,
  args: message({ reason: REASON, full: bool("Skip every remaining step.") }, ["reason"]),
  response: DEPLOYMENT,
};

export const pauseDeployment: RouteSchema = {
  summary: "Pause a running rollout: no step moves until resumed (failing analyses still roll back).",
  params: NAME,
  args: message({ reason: REASON }, ["reason"]),
  response: DEPLOYMENT,
};

export const resumeDeployment: RouteSchema = {
  summary: "Resume a paused rollout (an Inconclusive analysis starts over; a pause step is passed).",
  params: NAME,
  args: message({ reason: REASON }, ["reason"]),
  response: DEPLOYMENT,
};

export const abortDeployment: RouteSchema = {
  summary: "Abort the rollout: the canary loses its traffic at once and the primary serves 100%.",
  description: "With no rollout running it changes nothing and is recorded.",
  params: NAME,
  args: message({ reason: REASON }, ["reason"]),
  response: DEPLOYMENT,
};
