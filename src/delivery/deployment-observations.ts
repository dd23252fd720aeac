// Serving replicas' observation windows of a deployment: stored as reported (checked first, old ones pruned)
// and read back as the metric series the UI charts, summed over replicas per time bucket.
import type { Clock } from "../core/clock.js";
import { invalidParameter, notFound } from "../core/errors.js";
import type { Database } from "../store/database.js";
import type { DeploymentStore } from "./deployment-store.js";
import { metricsOf, type DeploymentMetrics } from "./deployment-metrics.js";
import { parseObservationWindow } from "./observation-window.js";

/** Observation windows are kept this long (the shadow gate reads 24 h and more; charts a few hours). */
export const OBSERVATION_RETENTION_MS = 8 * 86_400_000;
const MAX_POINTS = 10_000;
/** Replicas' clocks may run a little ahead of this server's. */
const CLOCK_SKEW_MS = 60_000;

export interface DeploymentObservations {
  recordObservation(name: string, window: unknown): Promise<void>;
  /** From `since` (default 15 minutes ago) in buckets of `stepSeconds` (default 10). */
  metrics(
    name: string,
    q: { since?: number | undefined; stepSeconds?: number | undefined },
  ): Promise<DeploymentMetrics>;
}

export function createDeploymentObservations(deps: {
  database: Database;
  store: DeploymentStore;
  clock: Clock;
}): DeploymentObservations {
  const { database, store, clock } = deps;
  async function exists(name: string): Promise<void> {
    if ((await store.get(database.db, name)) === undefined)
      throw notFound(`Deployment '${name}' does not exist.`);
  }
  return {
    async recordObservation(name, raw) {
      const w = parseObservationWindow(name, raw);
      await exists(name);
      await store.insertObservation(database.db, w, clock.now() - OBSERVATION_RETENTION_MS);
    },
    async metrics(name, q) {
      const stepSeconds = q.stepSeconds ?? 10;
      if (!Number.isInteger(stepSeconds) || stepSeconds < 1 || stepSeconds > 86_400) {
        throw invalidParameter(
          `step must be a whole number of seconds from 1 to 86400 (got ${stepSeconds}).`,
        );
      }
      await exists(name);
      const now = clock.now();
      const since = Math.max(q.since ?? now - 15 * 60_000, now - OBSERVATION_RETENTION_MS);
      if ((now - since) / (stepSeconds * 1000) > MAX_POINTS) {
        throw invalidParameter(
          `since and step ask for more than ${MAX_POINTS} points: use a larger step or a later since.`,
        );
      }
      const windows = await store.observations(database.db, name, since, now + CLOCK_SKEW_MS);
      return metricsOf(windows, stepSeconds * 1000);
    },
  };
}
