// The deployment's serving metrics over the last minutes, per version (req/s, p50 and p99 latency, error
// rate) and for the shadow (label agreement), polled every 2 s so the charts move while a rollout runs. The
// table above them gives the last complete bucket's numbers in words.
import {
  getMetrics,
  type DeploymentMetrics,
  type ShadowPoint,
  type VersionPoint,
} from "../api/deployments-api";
import { formatNumber } from "../lib/format";
import { usePolling } from "../lib/use-polling";
import { LineChart, type Series } from "./charts";
import { Empty, ErrorState } from "./states";
import { versionColor } from "./traffic-split";

const WINDOW_MS = 10 * 60_000;
const STEP_SECONDS = 2;
const POLL_MS = 2000;

const errorRate = (p: { requests: number; errors: number }) =>
  p.requests > 0 ? (100 * p.errors) / p.requests : 0;
const agreement = (p: ShadowPoint) => (p.compared > 0 ? (100 * p.agreed) / p.compared : Number.NaN);

/** One line per version; `faded` draws it in the version's colour, lighter (p50 beside the same version's p99). */
function perVersion(
  metrics: DeploymentMetrics,
  now: number,
  value: (p: VersionPoint) => number,
  suffix = "",
  faded = false,
): Series[] {
  return metrics.series.map((s) => ({
    label: `v${s.version} (${s.role})${suffix}`,
    color: `${versionColor(s.version)}${faded ? "80" : ""}`,
    points: s.points.map((p) => ({ x: Math.round((p.t - now) / 1000), y: value(p) })),
  }));
}

/** The newest complete bucket, with only what served in it (a canary rolled back minutes ago is not "now"). */
function Latest({ metrics }: { metrics: DeploymentMetrics }) {
  const last = Math.max(...metrics.series.map((s) => s.points.at(-1)?.t ?? 0), metrics.shadow.at(-1)?.t ?? 0);
  const shadow = metrics.shadow.at(-1)?.t === last ? metrics.shadow.at(-1) : undefined;
  const rows = metrics.series.flatMap((s) => {
    const p = s.points.at(-1);
    return p?.t === last ? [{ ...s, p }] : [];
  });
  return (
    <table className="grid compact latest-metrics">
      <caption>Last {STEP_SECONDS} seconds</caption>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Role</th>
          <th scope="col">req/s</th>
          <th scope="col">p50 ms</th>
          <th scope="col">p99 ms</th>
          <th scope="col">Errors</th>
          <th scope="col">Shadow agreement</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ p, ...s }) => (
          <tr key={`${s.version}-${s.role}`}>
            <td>
              <i className="swatch" style={{ background: versionColor(s.version) }} />v{s.version}
            </td>
            <td>{s.role}</td>
            <td className="num">{formatNumber(p.rps)}</td>
            <td className="num">{formatNumber(p.p50)}</td>
            <td className="num">{formatNumber(p.p99)}</td>
            <td className="num">{`${formatNumber(errorRate(p))}%`}</td>
            <td className="muted">–</td>
          </tr>
        ))}
        {shadow && (
          <tr>
            <td>shadow</td>
            <td>shadow</td>
            <td className="num muted">{shadow.dropped > 0 ? `${shadow.dropped} dropped` : ""}</td>
            <td className="num muted">–</td>
            <td className="num">{formatNumber(shadow.p99)}</td>
            <td className="num">{`${formatNumber(errorRate(shadow))}%`}</td>
            <td className="num">
              {shadow.compared > 0
                ? `${formatNumber(agreement(shadow))}% of ${shadow.compared}`
                : "nothing compared"}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

export function DeploymentCharts({ name }: { name: string }) {
  const state = usePolling(
    async () => {
      const now = Date.now();
      const metrics = await getMetrics(name, now - WINDOW_MS, STEP_SECONDS);
      // The bucket still filling would show a fraction of the traffic as a drop: only complete ones count.
      const complete = (p: { t: number }) => p.t + STEP_SECONDS * 1000 <= now;
      return {
        now,
        metrics: {
          series: metrics.series
            .map((s) => ({ ...s, points: s.points.filter(complete) }))
            .filter((s) => s.points.length > 0),
          shadow: metrics.shadow.filter(complete),
        },
      };
    },
    [name],
    POLL_MS,
  );
  if (state.data === undefined)
    return state.error !== undefined ? (
      <ErrorState error={state.error} feature="Serving metrics" />
    ) : (
      <p className="muted">Loading serving metrics…</p>
    );
  const { now, metrics } = state.data;
  const anyPoints = metrics.series.some((s) => s.points.length > 0) || metrics.shadow.length > 0;
  if (!anyPoints)
    return (
      <Empty title="No serving metrics in the last 10 minutes.">
        <p>
          Serve the deployment and its charts fill in: <code>flowgate models serve --deployment {name}</code>
        </p>
      </Empty>
    );
  const x = "seconds (0 = now)";
  return (
    <>
      <Latest metrics={metrics} />
      <div className="chart-grid">
        <LineChart title="Requests per second" xLabel={x} series={perVersion(metrics, now, (p) => p.rps)} />
        <LineChart
          title="Latency p50 / p99 (ms)"
          xLabel={x}
          series={[
            ...perVersion(metrics, now, (p) => p.p50, " p50", true),
            ...perVersion(metrics, now, (p) => p.p99, " p99"),
          ]}
        />
        <LineChart title="Error rate (%)" xLabel={x} series={perVersion(metrics, now, errorRate)} />
        {metrics.shadow.length > 0 && (
          <LineChart
            title="Shadow agreement with the primary (%)"
            xLabel={x}
            series={[
              {
                label: "label agreement",
                color: "#475569",
                // A window where nothing was compared has no agreement to draw (not 0%, not 100%).
                points: metrics.shadow
                  .filter((p) => p.compared > 0)
                  .map((p) => ({ x: Math.round((p.t - now) / 1000), y: agreement(p) })),
              },
            ]}
          />
        )}
      </div>
      {state.error !== undefined && (
        <p className="field-error small" role="alert">
          The last update failed; showing the data from before.
        </p>
      )}
    </>
  );
}
