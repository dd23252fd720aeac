// The webhook event catalog: MLflow's OSS events (entity + action, as MLflow's `VALID_ENTITY_ACTIONS`) plus the
// ones MLflow lacks — stage transitions per target stage, alias moves, transition requests, gate evaluations.
// On the wire (webhook API) entity and action are upper-case enum names; in delivered bodies, lower case.
import { invalidParameter } from "../core/errors.js";

export const EVENT_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  REGISTERED_MODEL: ["CREATED"],
  MODEL_VERSION: ["CREATED"],
  MODEL_VERSION_TAG: ["SET", "DELETED"],
  MODEL_VERSION_ALIAS: ["CREATED", "DELETED", "MOVED"],
  PROMPT: ["CREATED"],
  PROMPT_VERSION: ["CREATED"],
  PROMPT_TAG: ["SET", "DELETED"],
  PROMPT_VERSION_TAG: ["SET", "DELETED"],
  PROMPT_ALIAS: ["CREATED", "DELETED"],
  BUDGET_POLICY: ["EXCEEDED"],
  // Flowgate's own.
  MODEL_VERSION_STAGE: [
    "TRANSITIONED_TO_NONE",
    "TRANSITIONED_TO_STAGING",
    "TRANSITIONED_TO_PRODUCTION",
    "TRANSITIONED_TO_ARCHIVED",
  ],
  TRANSITION_REQUEST: ["CREATED", "APPROVED", "REJECTED", "CANCELLED"],
  GATE: ["EVALUATED"],
  DEPLOYMENT: ["CREATED", "UPDATED", "DELETED", "PROMOTED", "ROLLED_BACK", "ABORTED", "PAUSED", "RESUMED"],
  MONITORING: ["ALERT_FIRING", "ALERT_RESOLVED"],
};

export interface EventType {
  /** Upper case, e.g. MODEL_VERSION. */
  entity: string;
  /** Upper case, e.g. CREATED. */
  action: string;
}

/** What a domain service publishes, in the transaction of the change it describes. */
export interface WebhookEvent extends EventType {
  /** Deliveries with the same key go out in publication order: the registered model name. */
  orderingKey: string;
  /** The body's `data` object (MLflow's payload for its events). */
  data: Record<string, unknown>;
}

/** Reads `{entity, action}` from the webhook API, accepting either case; refuses unknown pairs. */
export function parseEventType(value: unknown, field: string): EventType {
  const obj = (value ?? {}) as Record<string, unknown>;
  const entity = typeof obj.entity === "string" ? obj.entity.toUpperCase() : "";
  const action = typeof obj.action === "string" ? obj.action.toUpperCase() : "";
  const actions = EVENT_ACTIONS[entity];
  if (actions === undefined) {
    throw invalidParameter(
      `Invalid ${field}.entity '${String(obj.entity)}': use one of ${Object.keys(EVENT_ACTIONS).join(", ")}.`,
    );
  }
  if (!actions.includes(action)) {
    throw invalidParameter(
      `Invalid ${field}.action '${String(obj.action)}' for entity ${entity}: use one of ${actions.join(", ")}.`,
    );
  }
  return { entity, action };
}

export function sameEvent(a: EventType, b: EventType): boolean {
  return a.entity === b.entity && a.action === b.action;
}
