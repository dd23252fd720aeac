// The `serving` metric provider: Flowgate's own observation windows for the interval, summed over every
// serving replica. Rates are totals over totals (never an average of per-replica rates); latency is the worst
// replica's window percentile (percentiles cannot be summed, and the max is the safe side for a gate).
// Zero requests is no data: a version nobody called has proven nothing.
import type { Database } from "../../store/database.js";
import type { DeploymentStore } from "../deployment-store.js";
import type { MetricProvider } from "../deployment.js";
import type { ObservationWindow, VersionWindow } from "../observation.js";
import type { MetricContext, MetricReading } from "./metric-source.js";

type ServingQuery = Extract<MetricProvider, { serving: unknown }>["serving"];

interface VersionTotals {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  labels: Map<string, number>;
  numericCount: number;
  numericSum: number;
}

function totalsOf(windows: ObservationWindow[], version: string): VersionTotals {
  const t: VersionTotals = {
    requests: 0,
    errors: 0,
    p50: 0,
    p99: 0,
    labels: new Map(),
    numericCount: 0,
    numericSum: 0,
  };
  const add = (v: VersionWindow): void => {
    t.requests += v.requests;
    t.errors += v.errors;
    if (v.requests > 0) {
      t.p50 = Math.max(t.p50, v.latencyMs.p50);
      t.p99 = Math.max(t.p99, v.latencyMs.p99);
    }
    for (const [label, n] of Object.entries(v.predictions.labels))
      t.labels.set(label, (t.labels.get(label) ?? 0) + n);
    t.numericCount += v.predictions.numericCount;
    t.numericSum += v.predictions.numericSum;
  };
  for (const w of windows) for (const v of w.versions) if (v.version === version) add(v);
  return t;
}

/** Total variation distance between two label distributions: half the sum of the probability differences. */
function labelDistance(a: Map<string, number>, b: Map<string, number>): number | undefined {
  const na = [...a.values()].reduce((x, y) => x + y, 0);
  const nb = [...b.values()].reduce((x, y) => x + y, 0);
  if (na === 0 || nb === 0) return undefined;
  let sum = 0;
  for (const label of new Set([...a.keys(), ...b.keys()])) {
    sum += Math.abs((a.get(label) ?? 0) / na - (b.get(label) ?? 0) / nb);
  }
  return sum / 2;
}

/** The metric over the windows of one interval. */
export function servingReading(
  windows: ObservationWindow[],
  q: ServingQuery,
  ctx: MetricContext,
): MetricReading {
  const seconds = (ctx.toMs - ctx.fromMs) / 1000;
  if (q.metric === "shadow_agreement") {
    let compared = 0;
    let agreed = 0;
    for (const w of windows) {
      compared += w.shadow?.compared ?? 0;
      agreed += w.shadow?.agreed ?? 0;
    }
    return compared === 0
      ? { noData: "no shadow answer was compared in the interval" }
      : { value: agreed / compared };
  }
  const who = q.of ?? "canary";
  const version = who === "canary" ? ctx.canary : ctx.primary;
  if (version === undefined) return { noData: "the deployment has no version under test" };
  const mine = totalsOf(windows, version);
  if (q.metric === "request_rate") {
    return seconds <= 0 ? { noData: "the interval is empty" } : { value: mine.requests / seconds };
  }
  if (mine.requests === 0) return { noData: `no request reached ${who} version ${version} in the interval` };
  switch (q.metric) {
    case "error_rate":
      return { value: mine.errors / mine.requests };
    case "p99_latency_ms":
      return { value: mine.p99 };
    case "p50_latency_ms":
      return { value: mine.p50 };
    case "divergence": {
      if (ctx.canary === undefined) return { noData: "the deployment has no version under test" };
      const canary = who === "canary" ? mine : totalsOf(windows, ctx.canary);
      const primary = who === "canary" ? totalsOf(windows, ctx.primary) : mine;
      if (primary.requests === 0) return { noData: `no request reached primary version ${ctx.primary}` };
      const tvd = labelDistance(canary.labels, primary.labels);
      if (tvd !== undefined) return { value: tvd };
      // Numeric outputs: how far apart the two versions' mean predictions are.
      if (canary.numericCount === 0 || primary.numericCount === 0) {
        return { noData: "no prediction summary to compare (neither labels nor numbers)" };
      }
      return {
        value: Math.abs(canary.numericSum / canary.numericCount - primary.numericSum / primary.numericCount),
      };
    }
  }
}

export function createServingMetric(deps: { database: Database; store: DeploymentStore }) {
  return async (q: ServingQuery, ctx: MetricContext): Promise<MetricReading> => {
    const windows = await deps.store.observations(deps.database.db, ctx.deployment, ctx.fromMs, ctx.toMs);
    return servingReading(windows, q, ctx);
  };
}
