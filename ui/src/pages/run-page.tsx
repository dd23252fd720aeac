// One run: its facts, parameters, metrics with charts of their history, tags, datasets, artifacts and the
// signature of the models it logged (3.x logged models, or 2.x models in the run's artifacts).
import { useState } from "react";
import { proxyArtifacts, runArtifacts, loadModelInfo } from "../api/artifact-sources";
import { mlflow } from "../api/client";
import { loadMetricHistory } from "../api/metric-history";
import { num, tagValue, type Experiment, type LoggedModel, type Run } from "../api/mlflow-types";
import { ArtifactBrowser } from "../components/artifact-browser";
import { StatusBadge } from "../components/badges";
import { LineChart } from "../components/charts";
import { EditableDescription } from "../components/in-place-edit";
import { SignatureView } from "../components/signature-view";
import { Async } from "../components/states";
import { formatDuration, formatNumber, formatRelative, formatTime } from "../lib/format";
import type { ModelInfo } from "../lib/mlmodel";
import { Link, pathOf } from "../lib/router";
import { runColor } from "../lib/run-color";
import { useAsync } from "../lib/use-async";

interface RunModel {
  label: string;
  rootUri: string;
  modelId?: string;
  info: ModelInfo | undefined;
}

async function loadRunModels(run: Run): Promise<RunModel[]> {
  const found: { label: string; rootUri: string; modelId?: string }[] = [];
  for (const out of run.outputs?.model_outputs ?? []) {
    const lm = await mlflow
      .get<{ model: LoggedModel }>(`logged-models/${encodeURIComponent(out.model_id)}`)
      .catch(() => undefined);
    if (lm?.model.info.artifact_uri)
      found.push({
        label: lm.model.info.name ?? out.model_id,
        rootUri: lm.model.info.artifact_uri,
        modelId: out.model_id,
      });
  }
  // MLflow 2.x records models logged into the run's artifacts in this tag.
  const history = tagValue(run.data?.tags, "mlflow.log-model.history");
  if (history && run.info.artifact_uri) {
    try {
      for (const entry of JSON.parse(history) as { artifact_path?: string }[]) {
        if (entry.artifact_path)
          found.push({
            label: entry.artifact_path,
            rootUri: `${run.info.artifact_uri}/${entry.artifact_path}`,
          });
      }
    } catch {
      /* a malformed tag: nothing to show */
    }
  }
  return Promise.all(
    found.map(async (m) => ({ ...m, info: await loadModelInfo(m.rootUri).catch(() => undefined) })),
  );
}

function MetricCharts({ run }: { run: Run }) {
  const keys = (run.data?.metrics ?? []).map((m) => m.key).sort();
  const [shown, setShown] = useState(12);
  const histories = useAsync(
    () =>
      Promise.all(
        keys
          .slice(0, shown)
          .map(async (k) => ({ key: k, points: await loadMetricHistory(run.info.run_id, k) })),
      ),
    [run.info.run_id, shown],
  );
  if (keys.length === 0) return null;
  return (
    <Async state={histories} what="Metric history">
      {(list) => (
        <>
          {list.every((h) => h.points.length <= 1) && (
            <p className="muted">Every metric was logged once: see the table above.</p>
          )}
          <div className="charts">
            {list
              .filter((h) => h.points.length > 1)
              .map((h) => (
                <LineChart
                  key={h.key}
                  title={h.key}
                  series={[{ label: h.key, points: h.points, color: runColor(run.info.run_id) }]}
                />
              ))}
          </div>
          {keys.length > shown && (
            <button type="button" className="secondary" onClick={() => setShown((n) => n + 12)}>
              Show more charts ({keys.length - shown} more)
            </button>
          )}
        </>
      )}
    </Async>
  );
}

function KeyValueTable({ caption, rows }: { caption: string; rows: { key: string; value: string }[] }) {
  if (rows.length === 0) return <p className="muted">No {caption.toLowerCase()}.</p>;
  return (
    <table className="grid compact kv">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <td className="mono">{r.key}</td>
            <td className="mono wrap">{r.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The run and its experiment (for the breadcrumb's name); an experiment that cannot be read shows its id. */
async function loadRun(runId: string): Promise<{ run: Run; experiment: Experiment | undefined }> {
  const { run } = await mlflow.get<{ run: Run }>("runs/get", { run_id: runId });
  const experiment = await mlflow
    .get<{ experiment: Experiment }>("experiments/get", { experiment_id: run.info.experiment_id })
    .then((r) => r.experiment)
    .catch(() => undefined);
  return { run, experiment };
}

/** MLflow keeps a run's description in this tag (its UI's "Description" box writes it). */
const NOTE = "mlflow.note.content";

export function RunPage({ runId, artifact }: { runId: string; artifact?: string | undefined }) {
  const state = useAsync(() => loadRun(runId), [runId]);
  const [systemTags, setSystemTags] = useState(false);
  return (
    <Async state={state} what="Run">
      {({ run, experiment }) => {
        const tags = (run.data?.tags ?? []).filter((t) => systemTags || !t.key.startsWith("mlflow."));
        return (
          <article aria-labelledby="h-run">
            <nav className="crumbs" aria-label="Breadcrumb">
              <Link to="/experiments">Experiments</Link> /{" "}
              <Link to={pathOf("experiments", run.info.experiment_id)}>
                {experiment?.name ?? `experiment ${run.info.experiment_id}`}
              </Link>{" "}
              /
            </nav>
            <h1 id="h-run">
              {run.info.run_name || run.info.run_id} <StatusBadge status={run.info.status} />
            </h1>
            <dl className="facts">
              <dt>Run ID</dt>
              <dd className="mono">{run.info.run_id}</dd>
              <dt>Started</dt>
              <dd title={formatTime(run.info.start_time)}>
                {formatRelative(run.info.start_time)}{" "}
                <span className="muted small">({formatTime(run.info.start_time)} UTC)</span>
              </dd>
              <dt>Duration</dt>
              <dd>{formatDuration(run.info.start_time, run.info.end_time)}</dd>
              <dt>User</dt>
              <dd>{run.info.user_id || "–"}</dd>
              <dt>Source</dt>
              <dd className="mono">{tagValue(run.data?.tags, "mlflow.source.name") ?? "–"}</dd>
              {tagValue(run.data?.tags, "mlflow.source.git.commit") && (
                <>
                  <dt>Git commit</dt>
                  <dd className="mono">{tagValue(run.data?.tags, "mlflow.source.git.commit")}</dd>
                </>
              )}
              {tagValue(run.data?.tags, "mlflow.parentRunId") && (
                <>
                  <dt>Parent run</dt>
                  <dd>
                    <Link to={pathOf("runs", tagValue(run.data?.tags, "mlflow.parentRunId") ?? "")}>
                      {tagValue(run.data?.tags, "mlflow.parentRunId")}
                    </Link>
                  </dd>
                </>
              )}
            </dl>

            <EditableDescription
              label="Run description"
              value={tagValue(run.data?.tags, NOTE)}
              save={(text) =>
                mlflow.post("runs/set-tag", { run_id: run.info.run_id, key: NOTE, value: text })
              }
              onSaved={state.reload}
            />

            <div className="two-col">
              <section aria-labelledby="h-params">
                <h2 id="h-params">Parameters</h2>
                <KeyValueTable
                  caption="Parameters"
                  rows={[...(run.data?.params ?? [])].sort((a, b) => a.key.localeCompare(b.key))}
                />
              </section>
              <section aria-labelledby="h-metrics">
                <h2 id="h-metrics">Metrics</h2>
                {(run.data?.metrics ?? []).length === 0 ? (
                  <p className="muted">No metrics.</p>
                ) : (
                  <table className="grid compact">
                    <thead>
                      <tr>
                        <th scope="col">Metric</th>
                        <th scope="col">Latest</th>
                        <th scope="col">Step</th>
                      </tr>
                    </thead>
                    <tbody>
                      {[...(run.data?.metrics ?? [])]
                        .sort((a, b) => a.key.localeCompare(b.key))
                        .map((m) => (
                          <tr key={m.key}>
                            <td className="mono">{m.key}</td>
                            <td className="num">{formatNumber(num(m.value))}</td>
                            <td className="num">{String(m.step ?? 0)}</td>
                          </tr>
                        ))}
                    </tbody>
                  </table>
                )}
              </section>
            </div>

            <section aria-labelledby="h-charts">
              <h2 id="h-charts">Metric history</h2>
              <MetricCharts run={run} />
            </section>

            <section aria-labelledby="h-tags">
              <h2 id="h-tags">Tags</h2>
              <label className="check">
                <input
                  type="checkbox"
                  checked={systemTags}
                  onChange={(e) => setSystemTags(e.target.checked)}
                />{" "}
                Show system tags (mlflow.*)
              </label>
              <KeyValueTable caption="Tags" rows={tags} />
            </section>

            {(run.inputs?.dataset_inputs ?? []).length > 0 && (
              <section aria-labelledby="h-datasets">
                <h2 id="h-datasets">Datasets</h2>
                <ul>
                  {run.inputs?.dataset_inputs?.map((d, i) => (
                    <li key={i}>
                      <strong>{d.dataset.name}</strong> <span className="mono muted">{d.dataset.digest}</span>{" "}
                      {d.dataset.source_type}
                      {tagValue(d.tags, "mlflow.data.context") && (
                        <span className="badge">{tagValue(d.tags, "mlflow.data.context")}</span>
                      )}
                    </li>
                  ))}
                </ul>
              </section>
            )}

            <RunModels run={run} />

            <section aria-labelledby="h-artifacts">
              <h2 id="h-artifacts">Artifacts</h2>
              <ArtifactBrowser source={runArtifacts(run)} reveal={artifact} />
            </section>
          </article>
        );
      }}
    </Async>
  );
}

function RunModels({ run }: { run: Run }) {
  const models = useAsync(() => loadRunModels(run), [run.info.run_id]);
  if (models.data && models.data.length === 0) return null;
  return (
    <section aria-labelledby="h-models">
      <h2 id="h-models">Logged models</h2>
      <Async state={models} what="Logged models">
        {(list) =>
          list.map((m) => (
            <details key={m.rootUri} className="card" open={list.length === 1}>
              <summary>
                <strong>{m.label}</strong>{" "}
                {m.modelId && <span className="mono muted small">{m.modelId}</span>}
              </summary>
              {m.info ? (
                <SignatureView info={m.info} />
              ) : (
                <p className="muted">No MLmodel file found at {m.rootUri}.</p>
              )}
              {m.modelId && (
                <details>
                  <summary>Model files</summary>
                  <ArtifactBrowser source={proxyArtifacts(m.rootUri)} />
                </details>
              )}
            </details>
          ))
        }
      </Async>
    </section>
  );
}
