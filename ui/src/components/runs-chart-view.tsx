// The runs page's chart view (MLflow's "Chart" view): every metric plotted across the chosen runs — a line of
// its history when it was logged over steps, a bar of its latest value otherwise — each run in its own colour.
// Grouped by a param or tag, each group is one series: the mean of its runs (the group's size in its label).
import { useMemo } from "react";
import { loadMetricHistory } from "../api/metric-history";
import { num, type Run } from "../api/mlflow-types";
import { Link, pathOf } from "../lib/router";
import { paletteColor, runColor } from "../lib/run-color";
import type { RunGroup } from "../lib/run-groups";
import { useAsync } from "../lib/use-async";
import { BarChart, LineChart, type Series } from "./charts";
import type { RunSelection } from "./runs-table";
import { Async } from "./states";

/** Charted when nothing is ticked, as MLflow shows its first ten runs. */
const DEFAULT_RUNS = 10;
/** Runs whose histories a grouped chart averages (the rest still count in the bars). */
const MAX_HISTORY_RUNS = 40;
const MAX_CHARTS = 24;

interface SeriesSource {
  id: string;
  label: string;
  color: string;
  runs: Run[];
}

const runLabel = (r: Run) => r.info.run_name || r.info.run_id.slice(0, 8);

function latest(run: Run, key: string): number | undefined {
  const m = run.data?.metrics?.find((x) => x.key === key);
  return m === undefined ? undefined : num(m.value);
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The per-step mean of several histories (a step counts the runs that logged it). */
function meanHistory(histories: { x: number; y: number }[][]): { x: number; y: number }[] {
  const byStep = new Map<number, number[]>();
  for (const h of histories) for (const p of h) byStep.set(p.x, [...(byStep.get(p.x) ?? []), p.y]);
  return [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([x, ys]) => ({ x, y: mean(ys) }));
}

export function RunsChartView(props: {
  runs: Run[];
  groups: RunGroup[] | undefined;
  selection: RunSelection;
}) {
  const { runs, groups, selection } = props;
  const picked = runs.filter((r) => selection.selected.includes(r.info.run_id));
  const charted = picked.length > 0 ? picked : runs.slice(0, DEFAULT_RUNS);
  const sources: SeriesSource[] = groups
    ? groups.map((g, i) => ({
        id: `group:${g.value ?? ""}`,
        label: `${g.label} (${g.runs.length})`,
        color: paletteColor(i),
        runs: g.runs,
      }))
    : charted.map((r) => ({
        id: r.info.run_id,
        label: runLabel(r),
        color: runColor(r.info.run_id),
        runs: [r],
      }));
  const sourceRuns = sources.flatMap((s) => s.runs);
  const keys = [...new Set(sourceRuns.flatMap((r) => (r.data?.metrics ?? []).map((m) => m.key)))].sort();
  // A metric whose latest value has a step past 0 was logged over steps: chart its history.
  const historyKeys = keys.filter((k) =>
    sourceRuns.some((r) => num(r.data?.metrics?.find((m) => m.key === k)?.step ?? 0) > 0),
  );
  const historyRuns = sourceRuns.slice(0, MAX_HISTORY_RUNS);
  const historyIds = historyRuns.map((r) => r.info.run_id).join(",");
  const histories = useAsync(async () => {
    const out = new Map<string, { x: number; y: number }[]>();
    await Promise.all(
      historyKeys
        .slice(0, MAX_CHARTS)
        .flatMap((key) =>
          historyRuns
            .filter((r) => latest(r, key) !== undefined)
            .map(async (r) =>
              out.set(`${r.info.run_id}\u0000${key}`, await loadMetricHistory(r.info.run_id, key)),
            ),
        ),
    );
    return out;
  }, [historyIds, historyKeys.join(",")]);

  const listed = useMemo(() => runs.slice(0, 200), [runs]);

  return (
    <div className="chart-view">
      <aside className="chart-runs" aria-label="Charted runs">
        <p className="muted small">
          {groups
            ? `${groups.length} groups, each the mean of its runs.`
            : picked.length > 0
              ? `${picked.length} ticked run${picked.length === 1 ? "" : "s"} charted.`
              : `The first ${Math.min(DEFAULT_RUNS, runs.length)} runs are charted; tick runs to choose.`}
        </p>
        <ul>
          {(groups
            ? groups.map((g, i) => ({
                key: g.label,
                color: paletteColor(i),
                node: <strong>{g.label}</strong>,
              }))
            : listed.map((r) => ({
                key: r.info.run_id,
                color: runColor(r.info.run_id),
                node: (
                  <>
                    <input
                      type="checkbox"
                      aria-label={`Chart run ${runLabel(r)}`}
                      checked={selection.selected.includes(r.info.run_id)}
                      disabled={
                        !selection.selected.includes(r.info.run_id) && selection.selected.length >= 10
                      }
                      onChange={() => selection.toggle(r.info.run_id)}
                    />
                    <Link to={pathOf("runs", r.info.run_id)}>{runLabel(r)}</Link>
                  </>
                ),
              }))
          ).map((item) => (
            <li key={item.key}>
              <i className="swatch" style={{ background: item.color }} aria-hidden="true" />
              {item.node}
            </li>
          ))}
        </ul>
      </aside>
      <div className="chart-grid">
        {keys.length === 0 && <p className="muted">These runs logged no metrics.</p>}
        {keys
          .filter((k) => !historyKeys.includes(k))
          .slice(0, MAX_CHARTS)
          .map((key) => (
            <BarChart
              key={key}
              title={key}
              bars={sources.flatMap((s) => {
                const values = s.runs.map((r) => latest(r, key)).filter((v): v is number => v !== undefined);
                return values.length === 0 ? [] : [{ label: s.label, color: s.color, value: mean(values) }];
              })}
            />
          ))}
        {historyKeys.length > 0 && (
          <Async state={histories} what="Metric history">
            {(loaded) => (
              <>
                {historyKeys.slice(0, MAX_CHARTS).map((key) => {
                  const series: Series[] = sources.map((s) => {
                    const list = s.runs
                      .map((r) => loaded.get(`${r.info.run_id}\u0000${key}`))
                      .filter((h): h is { x: number; y: number }[] => h !== undefined);
                    return {
                      label: s.label,
                      color: s.color,
                      points: list.length === 1 ? (list[0] ?? []) : meanHistory(list),
                    };
                  });
                  return (
                    <LineChart key={key} title={key} series={series.filter((x) => x.points.length > 0)} />
                  );
                })}
              </>
            )}
          </Async>
        )}
      </div>
    </div>
  );
}
