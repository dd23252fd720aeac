// The report's sources on a server: stored windows and alerts (E's stores), baselines (D's service), the
// deployment's model (delivery), and the current profile from the prediction-log segments of the range, read
// one segment at a time through B's profileSegments on the baseline's bins.
import type { Clock } from "../../core/clock.js";
import type { RequestContext } from "../../core/request-context.js";
import type { Database } from "../../store/database.js";
import type { AlertStore } from "../alerts/alert-store.js";
import type { BaselineService } from "../baselines.js";
import type { DatasetDriftOptions, PredictionSegment } from "../monitoring.js";
import type { WindowStore } from "../monitor/window-store.js";
import { profileSegments } from "../profile/profile-segments.js";
import type { ReportSources } from "./build-report.js";

/** Windows one report reads per deployment: a year of hourly windows for a few versions. */
const MAX_WINDOWS = 50_000;
/** Alerts one report lists (newest first). */
const MAX_ALERTS = 1_000;

export interface ReportSourceDeps {
  database: Database;
  windows: WindowStore;
  alerts: AlertStore;
  baselines: Pick<BaselineService, "find">;
  /** The deployment's model and drift options, as the caller may see it (RESOURCE_DOES_NOT_EXIST otherwise). */
  deployment(ctx: RequestContext, name: string): Promise<{ model: string; drift?: DatasetDriftOptions }>;
  /** The bytes of each segment of the deployment holding rows in [from, to), one at a time. */
  segments(deployment: string, from: number, to: number): AsyncIterable<Uint8Array>;
  clock: Clock;
}

export function reportSources(deps: ReportSourceDeps, ctx: RequestContext): ReportSources {
  const x = deps.database.db;
  return {
    deployment: (name) => deps.deployment(ctx, name),
    windows: (deployment, r) =>
      deps.windows.list(x, deployment, {
        from: r.from,
        to: r.to,
        ...(r.version === undefined ? {} : { version: r.version }),
        limit: MAX_WINDOWS,
      }),
    // Filtered by the range in the store: the limit then applies to the range's alerts, not the newest overall.
    alerts: (deployment, r) =>
      deps.alerts.alerts(x, { deployment, overlapping: { from: r.from, to: r.to }, limit: MAX_ALERTS }),
    baseline: (model, version) => deps.baselines.find(model, version),
    currentProfile: async (deployment, version, reference, { from, to }) => {
      const profile = await profileSegments(deps.segments(deployment, from, to), reference, {
        version,
        from,
        to,
        source: { kind: "window", deployment, from, to },
      });
      return profile.rows > 0 ? profile : undefined;
    },
    now: () => deps.clock.now(),
  };
}

/** The bytes of a deployment's segments in [from, to), opened one at a time (never all held at once). */
export async function* segmentBytes(
  segments: {
    list(deployment: string, from?: number, to?: number): Promise<PredictionSegment[]>;
    openSegment(segment: PredictionSegment): Promise<Uint8Array>;
  },
  deployment: string,
  from: number,
  to: number,
): AsyncIterable<Uint8Array> {
  for (const segment of await segments.list(deployment, from, to)) yield await segments.openSegment(segment);
}
