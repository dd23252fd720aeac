// Compare 2–10 runs: parameters side by side (differences highlighted), metric histories overlaid, and a
// scatter of one metric against one parameter.
import { useState } from "react";
import { mlflow } from "../api/client";
import { loadMetricHistory } from "../api/metric-history";
import { num, type Run } from "../api/mlflow-types";
import { LineChart, ScatterChart } from "../components/charts";
import { Async, Empty } from "../components/states";
import { formatNumber } from "../lib/format";
import { runColor } from "../lib/run-color";
import { Link, pathOf } from "../lib/router";
import { useAsync } from "../lib/use-async";

const label = (r: Run) => r.info.run_name || r.info.run_id.slice(0, 8);

function OverlaidMetrics({ runs, keys }: { runs: Run[]; keys: string[] }) {
  const state = useAsync(
    () =>
      Promise.all(
        keys.slice(0, 8).map(async (key) => ({
          key,
          series: await Promise.all(
            runs.map(async (r) => ({
              label: label(r),
              color: runColor(r.info.run_id),
              points: r.data?.metrics?.some((m) => m.key === key)
                ? await loadMetricHistory(r.info.run_id, key)
                : [],
            })),
          ),
        })),
      ),
    [runs.map((r) => r.info.run_id).join(","), keys.join(",")],
  );
  return (
    <Async state={state} what="Metric history">
      {(charts) => {
        // A metric logged once per run is already in the table above; chart only real histories.
        const histories = charts.filter((c) => c.series.some((s) => s.points.length > 1));
        if (histories.length === 0)
          return <p className="muted">Every metric was logged once per run: see the table above.</p>;
        return (
          <div className="charts">
            {histories.map((c) => (
              <LineChart key={c.key} title={c.key} series={c.series} />
            ))}
          </div>
        );
      }}
    </Async>
  );
}

export function ComparePage({ runIds }: { runIds: string[] }) {
  const state = useAsync(
    () =>
      Promise.all(
        runIds
          .slice(0, 10)
          .map((id) => mlflow.get<{ run: Run }>("runs/get", { run_id: id }).then((r) => r.run)),
      ),
    [runIds.join(",")],
  );
  const [onlyDiff, setOnlyDiff] = useState(false);
  const [scatterMetric, setScatterMetric] = useState<string>();
  const [scatterParam, setScatterParam] = useState<string>();
  if (runIds.length < 2)
    return (
      <Empty title="Pick 2 to 10 runs to compare.">
        <p>
          Open an <Link to="/experiments">experiment</Link>, tick the runs, then press Compare.
        </p>
      </Empty>
    );
  return (
    <section aria-labelledby="h-compare">
      <h1 id="h-compare">Compare {runIds.length} runs</h1>
      <Async state={state} what="Runs">
        {(runs) => {
          const paramKeys = [
            ...new Set(runs.flatMap((r) => (r.data?.params ?? []).map((p) => p.key))),
          ].sort();
          const metricKeys = [
            ...new Set(runs.flatMap((r) => (r.data?.metrics ?? []).map((m) => m.key))),
          ].sort();
          const param = (r: Run, k: string) => r.data?.params?.find((p) => p.key === k)?.value;
          const metric = (r: Run, k: string) => r.data?.metrics?.find((m) => m.key === k)?.value;
          const differs = (k: string) => new Set(runs.map((r) => param(r, k) ?? "\u0000")).size > 1;
          const shownParams = onlyDiff ? paramKeys.filter(differs) : paramKeys;
          const sm = scatterMetric ?? metricKeys[0];
          const sp = scatterParam ?? paramKeys.find(differs) ?? paramKeys[0];
          return (
            <>
              <table className="grid compact compare">
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    {runs.map((r) => (
                      <th scope="col" key={r.info.run_id}>
                        <i
                          className="swatch"
                          style={{ background: runColor(r.info.run_id) }}
                          aria-hidden="true"
                        />
                        <Link to={pathOf("runs", r.info.run_id)}>{label(r)}</Link>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  <tr className="group">
                    <th scope="rowgroup" colSpan={runs.length + 1}>
                      Parameters{" "}
                      <label className="check inline">
                        <input
                          type="checkbox"
                          checked={onlyDiff}
                          onChange={(e) => setOnlyDiff(e.target.checked)}
                        />{" "}
                        only differences
                      </label>
                    </th>
                  </tr>
                  {shownParams.map((k) => (
                    <tr key={`p:${k}`} className={differs(k) ? "diff" : undefined}>
                      <th scope="row" className="mono">
                        {k}
                        {differs(k) && <span className="sr-only"> (differs)</span>}
                      </th>
                      {runs.map((r) => (
                        <td key={r.info.run_id} className="mono">
                          {param(r, k) ?? <span className="muted">–</span>}
                        </td>
                      ))}
                    </tr>
                  ))}
                  <tr className="group">
                    <th scope="rowgroup" colSpan={runs.length + 1}>
                      Metrics (latest)
                    </th>
                  </tr>
                  {metricKeys.map((k) => (
                    <tr key={`m:${k}`}>
                      <th scope="row" className="mono">
                        {k}
                      </th>
                      {runs.map((r) => (
                        <td key={r.info.run_id} className="num">
                          {metric(r, k) === undefined ? (
                            <span className="muted">–</span>
                          ) : (
                            formatNumber(num(metric(r, k)))
                          )}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>

              <h2>Metric history, overlaid</h2>
              {metricKeys.length === 0 ? (
                <p className="muted">These runs logged no metrics.</p>
              ) : (
                <OverlaidMetrics runs={runs} keys={metricKeys} />
              )}

              {sm && sp && (
                <>
                  <h2>Metric against parameter</h2>
                  <div className="toolbar">
                    <label>
                      Metric{" "}
                      <select value={sm} onChange={(e) => setScatterMetric(e.target.value)}>
                        {metricKeys.map((k) => (
                          <option key={k}>{k}</option>
                        ))}
                      </select>
                    </label>
                    <label>
                      Parameter{" "}
                      <select value={sp} onChange={(e) => setScatterParam(e.target.value)}>
                        {paramKeys.map((k) => (
                          <option key={k}>{k}</option>
                        ))}
                      </select>
                    </label>
                  </div>
                  <ScatterChart
                    title={`${sm} vs ${sp}`}
                    xLabel={sp}
                    points={runs
                      .filter((r) => metric(r, sm) !== undefined && param(r, sp) !== undefined)
                      .map((r) => {
                        const raw = param(r, sp) ?? "";
                        const asNum = Number(raw);
                        const allNumeric = runs.every(
                          (x) => param(x, sp) === undefined || Number.isFinite(Number(param(x, sp))),
                        );
                        return {
                          x: allNumeric && raw !== "" ? asNum : raw,
                          y: num(metric(r, sm)),
                          label: label(r),
                          color: runColor(r.info.run_id),
                        };
                      })}
                  />
                </>
              )}
            </>
          );
        }}
      </Async>
    </section>
  );
}
