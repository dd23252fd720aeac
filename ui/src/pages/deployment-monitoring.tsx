// A deployment's Monitoring tab: over the last day, week or month, per version served, the drift heatmap
// (features × windows), a chosen feature's distribution against its baseline and its drift score over time
// with the threshold, the prediction distribution, quality once labels arrived, and the alerts with their
// history. Everything comes from the report API, which the CLI's HTML report is made from too.
import { useState } from "react";
import {
  getReport,
  type ColumnReport,
  type MonitoringReport,
  type VersionReport,
} from "../api/monitoring-api";
import { LineChart, type Series } from "../components/charts";
import { AlertsTable } from "../components/monitoring-alerts";
import { DistributionChart, DriftHeatmap, LevelBadge } from "../components/monitoring-charts";
import { Empty, ErrorState, Loading } from "../components/states";
import { formatNumber, formatRelative } from "../lib/format";
import { useAsync } from "../lib/use-async";

const HOUR = 3600_000;
const RANGES = [
  { label: "24 hours", ms: 24 * HOUR },
  { label: "7 days", ms: 7 * 24 * HOUR },
  { label: "30 days", ms: 30 * 24 * HOUR },
] as const;
const QUALITY = ["accuracy", "precision", "recall", "f1", "auc", "rmse", "mae"] as const;

const hoursAgo = (t: number, now: number) => Math.round(((t - now) / HOUR) * 100) / 100;

function DriftOverTime({ column, now }: { column: ColumnReport; now: number }) {
  const points = column.overTime;
  const last = points.at(-1);
  if (!last) return <p className="muted">No window tested {column.column} yet.</p>;
  const pValue = ["ks", "chisquare", "z"].includes(last.method);
  const series: Series[] = [
    {
      label: `${last.method} ${pValue ? "p-value" : "distance"}`,
      color: "#334155",
      points: points.map((p) => ({ x: hoursAgo(p.start, now), y: p.score })),
    },
    {
      label: `alert threshold ${formatNumber(last.threshold)}`,
      color: "#dc2626",
      points: points.map((p) => ({ x: hoursAgo(p.start, now), y: p.threshold })),
    },
    {
      label: `warn threshold ${formatNumber(last.warnThreshold)}`,
      color: "#d97706",
      points: points.map((p) => ({ x: hoursAgo(p.start, now), y: p.warnThreshold })),
    },
  ];
  return (
    <LineChart
      title={`Drift of ${column.column} over time (${pValue ? "drift below" : "drift at or above"} the red line)`}
      xLabel="hours (0 = now)"
      series={series}
    />
  );
}

function Quality({ version, now }: { version: VersionReport; now: number }) {
  const labelled = version.windows.filter((w) => w.quality !== undefined);
  if (labelled.length === 0)
    return (
      <p className="muted">
        No labels yet: upload them with <code>flowgate monitor labels upload</code> and quality appears here.
      </p>
    );
  const series: Series[] = [];
  for (const m of QUALITY) {
    const observed = labelled.filter((w) => w.quality?.[m] !== undefined);
    if (observed.length === 0) continue;
    series.push({
      label: m,
      points: observed.map((w) => ({ x: hoursAgo(w.start, now), y: w.quality?.[m] ?? NaN })),
    });
    const expected = observed.filter((w) => w.expectedQuality?.[m] !== undefined);
    if (expected.length > 0)
      series.push({
        label: `${m} expected (validation)`,
        color: "#94a3b8",
        points: expected.map((w) => ({ x: hoursAgo(w.start, now), y: w.expectedQuality?.[m] ?? NaN })),
      });
  }
  const labels = labelled.reduce((n, w) => n + (w.quality?.labelled ?? 0), 0);
  return (
    <>
      <p className="small muted">
        {labels} labelled rows over {labelled.length} windows.
      </p>
      <LineChart title="Quality over time" xLabel="hours (0 = now)" series={series} />
    </>
  );
}

function VersionSection({ version, now }: { version: VersionReport; now: number }) {
  const inputs = version.columns.filter((c) => c.role === "input");
  const predictions = version.columns.filter((c) => c.role === "prediction");
  const [chosen, setChosen] = useState<string>();
  const feature = inputs.find((c) => c.column === chosen) ?? inputs[0];
  const b = version.baseline;
  return (
    <section aria-label={`Monitoring of version ${version.version}`}>
      <h3>Version {version.version}</h3>
      {b ? (
        <p className="small muted">
          Baseline of {b.rows} rows ({b.source.kind}
          {"name" in b.source ? ` ${b.source.name}` : ""}), set {formatRelative(b.createdAt)}; {version.rows}{" "}
          rows logged in this range.
        </p>
      ) : (
        <p className="notice">
          Version {version.version} has no baseline, so its drift is not tested. Set one:{" "}
          <code>flowgate monitor baseline set &lt;model&gt; {version.version} --data train.parquet</code>
        </p>
      )}
      {version.rangeDrift && (
        <p className="range-drift">
          Over the whole range: {version.rangeDrift.driftedColumns} of {version.rangeDrift.testedColumns}{" "}
          input columns drift (the dataset drifts at a share of {formatNumber(version.rangeDrift.driftShare)}
          ): data drift <LevelBadge level={version.rangeDrift.level} />, prediction drift{" "}
          <LevelBadge level={version.rangeDrift.predictionLevel} />
        </p>
      )}
      <h4>Drift heatmap</h4>
      <DriftHeatmap version={version} />
      {feature && (
        <>
          <h4>Feature distribution</h4>
          <label className="field">
            Feature{" "}
            <select value={feature.column} onChange={(e) => setChosen(e.target.value)}>
              {inputs.map((c) => (
                <option key={c.column} value={c.column}>
                  {c.column} ({c.worstLevel})
                </option>
              ))}
            </select>
          </label>
          <div className="chart-grid">
            <DistributionChart column={feature} title={`${feature.column}: reference vs current`} />
            <DriftOverTime column={feature} now={now} />
          </div>
        </>
      )}
      {predictions.length > 0 && (
        <>
          <h4>Prediction distribution</h4>
          <div className="chart-grid">
            {predictions.map((c) => (
              <DistributionChart key={c.column} column={c} title={`${c.column}: reference vs current`} />
            ))}
          </div>
        </>
      )}
      <h4>Quality</h4>
      <Quality version={version} now={now} />
    </section>
  );
}

function Summary({ report }: { report: MonitoringReport }) {
  const s = report.summary;
  return (
    <dl className="facts monitoring-summary">
      <dt>Worst level</dt>
      <dd>
        <LevelBadge level={s.worstLevel} />
      </dd>
      <dt>Windows</dt>
      <dd>
        {s.windows} <span className="muted">({s.rows} rows logged)</span>
      </dd>
      <dt>Data drift</dt>
      <dd>{s.driftedWindows} windows</dd>
      <dt>Prediction drift</dt>
      <dd>{s.predictionDriftWindows} windows</dd>
      <dt>Alerts</dt>
      <dd>
        {s.alerts} <span className="muted">({s.firingAlerts} firing)</span>
      </dd>
    </dl>
  );
}

export function DeploymentMonitoring({ name }: { name: string }) {
  const [rangeMs, setRangeMs] = useState<number>(RANGES[0].ms);
  // Loaded once per range, not polled: a month's report reads every segment of the month on the server.
  const state = useAsync(async () => {
    const now = Date.now();
    return { now, report: await getReport(name, { from: now - rangeMs, to: now }) };
  }, [name, rangeMs]);
  const [versionChoice, setVersionChoice] = useState<string>();
  const toolbar = (
    <div className="toolbar">
      <div className="segmented" role="group" aria-label="Range">
        {RANGES.map((r) => (
          <button
            key={r.ms}
            type="button"
            aria-pressed={rangeMs === r.ms}
            className={rangeMs === r.ms ? undefined : "secondary"}
            onClick={() => setRangeMs(r.ms)}
          >
            {r.label}
          </button>
        ))}
      </div>
      <button type="button" className="secondary" onClick={state.reload} disabled={state.loading}>
        {state.loading ? "Loading…" : "Refresh"}
      </button>
      <span className="small muted">
        The same report as a file: <code>flowgate monitor report {name} --from 24h --out report.html</code>
      </span>
    </div>
  );
  if (state.data === undefined)
    return (
      <>
        {toolbar}
        {state.error !== undefined ? (
          <ErrorState error={state.error} feature="Monitoring" />
        ) : (
          <Loading what="monitoring" />
        )}
      </>
    );
  const { now, report } = state.data;
  const version = report.versions.find((v) => v.version === versionChoice) ?? report.versions[0];
  return (
    <>
      {toolbar}
      <Summary report={report} />
      {report.versions.length > 1 && (
        <label className="field">
          Version{" "}
          <select value={version?.version} onChange={(e) => setVersionChoice(e.target.value)}>
            {report.versions.map((v) => (
              <option key={v.version} value={v.version}>
                version {v.version} ({v.windows.length} windows)
              </option>
            ))}
          </select>
        </label>
      )}
      {version ? (
        <VersionSection key={version.version} version={version} now={now} />
      ) : (
        <Empty title="Nothing monitored in this range.">
          <p>
            Serve the deployment (<code>flowgate models serve --deployment {name}</code>): its predictions are
            logged and a window is computed every hour.
          </p>
        </Empty>
      )}
      <h3>Alerts</h3>
      <AlertsTable alerts={report.alerts} empty="No alert in this range." />
    </>
  );
}
