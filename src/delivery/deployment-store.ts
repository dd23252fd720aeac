// Entities and store interface of deployments: the deployment row, its revisions, the controller's rollout
// state (optimistic concurrency by `version`) and the observation windows serving replicas report.
// Every method takes the executor, so a caller composes several writes into one transaction.
import type { Executor } from "../store/database.js";
import type { DeploymentRevision, DeploymentSpec, RolloutState } from "./deployment.js";
import type { ObservationWindow } from "./observation.js";

export type StrategyKind = "canary" | "abTest" | "blueGreen";

export interface DeploymentRecord {
  name: string;
  model: string;
  /** The current revision. */
  revision: number;
  /** The current revision's strategy kind, if it has one. */
  strategy?: StrategyKind;
  /** The alias the current revision tracks, if any. */
  trackAlias?: string;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

/** What the controller needs of a deployment it may have to act on. */
export interface ActiveDeployment {
  deployment: DeploymentRecord;
  /** The current revision's spec. */
  spec: DeploymentSpec;
  state: RolloutState;
}

export interface DeploymentListQuery {
  model?: string;
  offset: number;
  limit: number;
}

export interface DeploymentStore {
  get(x: Executor, name: string): Promise<DeploymentRecord | undefined>;
  /** Ordered by name. */
  list(x: Executor, q: DeploymentListQuery): Promise<DeploymentRecord[]>;
  insert(x: Executor, d: DeploymentRecord): Promise<void>;
  /**
   * Writes revision, strategy, trackAlias and updatedAt/By, if the stored revision is still
   * `expectedRevision`; false (nothing written) when another writer moved it first.
   */
  update(x: Executor, d: DeploymentRecord, expectedRevision: number): Promise<boolean>;
  /** The deployment, its revisions, state and observations. */
  delete(x: Executor, name: string): Promise<void>;

  insertRevision(x: Executor, r: DeploymentRevision): Promise<void>;
  revision(x: Executor, name: string, revision: number): Promise<DeploymentRevision | undefined>;
  /** Newest first. */
  revisions(x: Executor, name: string): Promise<DeploymentRevision[]>;

  /**
   * Deployments the controller must look at: rollout phase Progressing or Paused, tracking an alias, or
   * running an A/B test (which ends by iterations or duration).
   */
  listActive(x: Executor): Promise<ActiveDeployment[]>;
  getState(x: Executor, name: string): Promise<RolloutState | undefined>;
  /**
   * Writes `state` if the stored version is still `expectedVersion` (0: no state stored yet); the stored
   * state's `version` becomes expectedVersion + 1. False, and nothing written, when it was stale.
   */
  putState(x: Executor, state: RolloutState, expectedVersion: number): Promise<boolean>;

  /** Windows with fromMs < endedAt <= toMs, oldest first. */
  observations(x: Executor, name: string, fromMs: number, toMs: number): Promise<ObservationWindow[]>;
  /** Stores a window and deletes every deployment's windows that ended before `pruneBeforeMs`. */
  insertObservation(x: Executor, w: ObservationWindow, pruneBeforeMs: number): Promise<void>;
}
