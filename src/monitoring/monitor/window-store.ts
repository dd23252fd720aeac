// Stored monitoring windows: one per deployment, version and window start. Every method takes the executor, so
// a caller composes writes into one transaction.
import type { Executor } from "../../store/database.js";
import type { MonitoringWindow } from "../monitoring.js";

export interface WindowQuery {
  /** Windows that end after `from` and start before `to` (ms); either may be left open. */
  from?: number;
  to?: number;
  version?: string;
  limit: number;
}

export interface WindowStore {
  /** Inserts, or overwrites the window with the same deployment, version and start (a recomputation). */
  put(x: Executor, w: MonitoringWindow): Promise<void>;
  /** Oldest first. */
  list(x: Executor, deployment: string, q: WindowQuery): Promise<MonitoringWindow[]>;
  /** Newest first: the version's last `limit` windows ending at or before `endAtMost`. */
  recent(
    x: Executor,
    deployment: string,
    version: string,
    endAtMost: number,
    limit: number,
  ): Promise<MonitoringWindow[]>;
  /** Each deployment version's latest window among those ending after `endAfter` (the gauges). */
  latest(x: Executor, endAfter: number): Promise<MonitoringWindow[]>;
  /** The latest end of any stored window of the deployment (where the planner goes on from). */
  lastEnd(x: Executor, deployment: string): Promise<number | undefined>;
  /** Distinct [start, end) ranges computed before `computedBefore` that end after `endAfter`, oldest first. */
  staleRanges(
    x: Executor,
    deployment: string,
    endAfter: number,
    computedBefore: number,
    limit: number,
  ): Promise<{ start: number; end: number }[]>;
  /** Deletes the deployment's windows that ended before `before` (retention). */
  expire(x: Executor, deployment: string, before: number): Promise<void>;
}
