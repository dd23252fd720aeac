// The charts' numbers: observation windows of every replica summed per time bucket, per version and role, and
// the shadow comparison. Counts add up; latency takes the worst replica's p99 and a request-weighted p50.
import type { ObservationWindow } from "./observation.js";

export interface MetricPoint {
  t: number;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

export interface MetricSeries {
  version: string;
  role: string;
  points: MetricPoint[];
}

export interface ShadowPoint {
  t: number;
  requests: number;
  agreed: number;
  compared: number;
  errors: number;
  p99: number;
  dropped: number;
}

export interface DeploymentMetrics {
  series: MetricSeries[];
  shadow: ShadowPoint[];
}

/** Buckets of `stepMs` by each window's end time (a bucket's `t` is its start). */
type Bucket = MetricPoint & { p50Weighted: number };

export function metricsOf(windows: readonly ObservationWindow[], stepMs: number): DeploymentMetrics {
  const series = new Map<string, { version: string; role: string; points: Map<number, Bucket> }>();
  const shadow = new Map<number, ShadowPoint>();
  for (const w of windows) {
    const t = Math.floor(w.endedAt / stepMs) * stepMs;
    for (const v of w.versions) {
      const key = `${v.version}\u0000${v.role}`;
      const s = series.get(key) ?? { version: v.version, role: v.role, points: new Map<number, Bucket>() };
      series.set(key, s);
      const p = s.points.get(t) ?? { t, requests: 0, errors: 0, rps: 0, p50: 0, p99: 0, p50Weighted: 0 };
      p.requests += v.requests;
      p.errors += v.errors;
      p.p50Weighted += v.latencyMs.p50 * v.requests;
      p.p99 = Math.max(p.p99, v.latencyMs.p99);
      s.points.set(t, p);
    }
    if (w.shadow !== undefined) {
      const p = shadow.get(t) ?? { t, requests: 0, agreed: 0, compared: 0, errors: 0, p99: 0, dropped: 0 };
      p.requests += w.shadow.requests;
      p.agreed += w.shadow.agreed;
      p.compared += w.shadow.compared;
      p.errors += w.shadow.errors;
      p.dropped += w.shadow.dropped;
      p.p99 = Math.max(p.p99, w.shadow.latencyMs.p99);
      shadow.set(t, p);
    }
  }
  return {
    series: [...series.values()].map((s) => ({
      version: s.version,
      role: s.role,
      points: [...s.points.values()]
        .sort((a, b) => a.t - b.t)
        .map(({ p50Weighted, ...p }) => ({
          ...p,
          rps: p.requests / (stepMs / 1000),
          p50: p.requests === 0 ? 0 : p50Weighted / p.requests,
        })),
    })),
    shadow: [...shadow.values()].sort((a, b) => a.t - b.t),
  };
}
