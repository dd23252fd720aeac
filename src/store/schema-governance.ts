// Row types of the governance and webhook tables (migrations 0003 and 0004), merged into `Schema`.
import type { Generated } from "kysely";

export interface UsersTable {
  username: string;
  /** "user" (a person, may have a password) or "service" (tokens only). */
  kind: string;
  password_hash: string | null;
  disabled: number;
  created_at: number;
  created_by: string;
}

export interface ApiTokensTable {
  token_id: string;
  username: string;
  name: string;
  /** sha256 hex of the whole token; the token itself is shown once and never stored. */
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface RoleGrantsTable {
  id: Generated<number>;
  username: string;
  role: string;
  scope_type: string;
  scope_id: string;
  created_at: number;
  created_by: string;
}

export interface PromotionPoliciesTable {
  model_name: string;
  document: string;
  updated_at: number;
  updated_by: string;
}

export interface GateEvaluationsTable {
  id: Generated<number>;
  model_name: string;
  version: number;
  target: string;
  gate: string;
  inputs: string;
  passed: number;
  message: string;
  time: number;
  actor: string;
  request_id: string;
}

export interface LatencyMeasurementsTable {
  id: Generated<number>;
  model_name: string;
  version: number;
  ok: number;
  requests: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  runtime: string | null;
  message: string;
  measured_at: number;
  actor: string;
}

export interface TransitionRequestsTable {
  id: Generated<number>;
  model_name: string;
  version: number;
  target_kind: string;
  target: string;
  archive_existing: number;
  reason: string;
  status: string;
  requested_by: string;
  requested_at: number;
  decided_by: string | null;
  decided_at: number | null;
  decision_comment: string | null;
  /** When the approved change was made (migration 0010); a deployment request's, by a later revision. */
  applied_at: number | null;
}

export interface WebhooksTable {
  webhook_id: string;
  name: string;
  description: string | null;
  url: string;
  events: string;
  status: string;
  secret: string | null;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  failing_since: number | null;
  disabled_reason: string | null;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

export interface WebhookEventsTable {
  seq: Generated<number>;
  event_id: string;
  entity: string;
  action: string;
  ordering_key: string;
  payload: string;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  seq: number;
  webhook_id: string;
  ordering_key: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  locked_until: number | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  attempt: number;
  time: number;
  response_status: number | null;
  error: string | null;
  duration_ms: number;
}

export interface GovernanceSchema {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  role_grants: RoleGrantsTable;
  promotion_policies: PromotionPoliciesTable;
  gate_evaluations: GateEvaluationsTable;
  latency_measurements: LatencyMeasurementsTable;
  transition_requests: TransitionRequestsTable;
  webhooks: WebhooksTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
