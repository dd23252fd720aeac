// What the step function and the user actions ask the loop (or the route) to carry out after the state is
// stored: write the promotion revision, and record what happened (audit, signed webhook through the outbox).

/** The deployment webhook actions the controller and the user actions publish. */
export type DeploymentWebhookAction = "PROMOTED" | "ROLLED_BACK" | "ABORTED" | "PAUSED" | "RESUMED";

/** Make `version` the primary in a new revision (as the system actor), then move `promoteAlias` to it. */
export interface PromoteAction {
  kind: "promote";
  version: string;
  promoteAlias?: string;
  message: string;
}

/** An audit record, and a webhook event when `webhook` is set. */
export interface Notice {
  kind: "notice";
  /** Dotted audit action, e.g. `deployment.rollback_automatic`. */
  audit: string;
  webhook?: DeploymentWebhookAction;
  message: string;
}

export type ControllerAction = PromoteAction | Notice;

export function notice(audit: string, message: string, webhook?: DeploymentWebhookAction): Notice {
  return { kind: "notice", audit, message, ...(webhook !== undefined ? { webhook } : {}) };
}
