// Store interface of monitoring's baselines (one profile per model version) and labels (ground truth per
// prediction, by deployment and request id). Every method takes the executor, so a service composes a write
// with its audit record in one transaction.
import type { Executor } from "../store/database.js";
import type { DatasetProfile } from "./monitoring.js";

/** A baseline as stored: the model is its registered-model id (names change, ids do not). */
export interface StoredBaseline {
  modelId: number;
  version: number;
  profile: DatasetProfile;
  createdAt: number;
  createdBy: string;
}

/** A class name or a number (a regression target, or a class sent as a number). */
export type LabelValue = number | string;

export interface LabelRecord {
  requestId: string;
  label: LabelValue;
  receivedAt: number;
}

/** Labels of one deployment that arrived in a time range: how many, and when the newest came. */
export interface LabelArrivals {
  count: number;
  /** Absent when none arrived. */
  lastReceivedAt?: number;
}

export interface MonitoringStore {
  getBaseline(x: Executor, modelId: number, version: number): Promise<StoredBaseline | undefined>;
  /** Inserts or replaces the version's baseline. */
  putBaseline(x: Executor, baseline: StoredBaseline): Promise<void>;

  /**
   * Inserts or replaces each label by (deployment, requestId); `labels` holds each request id once.
   * Written in statements of a bounded number of rows, whatever the batch size.
   */
  upsertLabels(x: Executor, deployment: string, labels: readonly LabelRecord[]): Promise<void>;
  /** The stored labels among `requestIds` (any number: queried in chunks), by request id. */
  findLabels(
    x: Executor,
    deployment: string,
    requestIds: readonly string[],
  ): Promise<Map<string, LabelRecord>>;
  /** Labels received at or after `since` (ms). */
  labelArrivals(x: Executor, deployment: string, since: number): Promise<LabelArrivals>;
}
