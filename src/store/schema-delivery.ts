// Row types of the progressive-delivery tables (migration 0008), merged into `Schema`.
import type { Generated } from "kysely";

export interface DeploymentsTable {
  name: string;
  model: string;
  /** The current revision (the newest in deployment_revisions). */
  revision: number;
  /** The current revision's strategy kind (canary | abTest | blueGreen), NULL without one. */
  strategy: string | null;
  /** The alias the current revision tracks, NULL when it pins a version only. */
  track_alias: string | null;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
}

export interface DeploymentRevisionsTable {
  deployment: string;
  revision: number;
  /** JSON of the resolved DeploymentSpec. */
  spec: string;
  author: string;
  reason: string;
  created_at: number;
  /** JSON of [{path, before, after}] against the previous revision. */
  diff: string;
}

export interface RolloutStatesTable {
  deployment: string;
  revision: number;
  /** Copied out of the state so active deployments are found without reading every state. */
  phase: string;
  /** JSON of the RolloutState. */
  state: string;
  /** Optimistic concurrency: a write names the version it read; a stale one changes nothing. */
  version: number;
}

export interface DeploymentObservationsTable {
  id: Generated<number>;
  deployment: string;
  replica: string;
  revision: number;
  started_at: number;
  ended_at: number;
  /** JSON of the ObservationWindow. */
  body: string;
}

export interface DeliverySchema {
  deployments: DeploymentsTable;
  deployment_revisions: DeploymentRevisionsTable;
  rollout_states: RolloutStatesTable;
  deployment_observations: DeploymentObservationsTable;
}
