// The runs page's list view: one compact line per run with its colour, status, relative start time and
// every metric and parameter inline, under group headings when grouped. For reading runs at a glance.
import { num, type Run } from "../api/mlflow-types";
import { formatDuration, formatNumber, formatRelative, formatTime } from "../lib/format";
import { Link, pathOf } from "../lib/router";
import { runColor } from "../lib/run-color";
import type { RunGroup } from "../lib/run-groups";
import { StatusBadge } from "./badges";
import type { RunSelection } from "./runs-table";

function RunLine({ run, selection, now }: { run: Run; selection: RunSelection; now: number }) {
  const id = run.info.run_id;
  const name = run.info.run_name || id;
  return (
    <li className="run-line">
      <div className="run-line-head">
        <input
          type="checkbox"
          aria-label={`Select run ${name} for comparison`}
          checked={selection.selected.includes(id)}
          disabled={!selection.selected.includes(id) && selection.selected.length >= 10}
          onChange={() => selection.toggle(id)}
        />
        <i className="swatch" style={{ background: runColor(id) }} aria-hidden="true" />
        <Link to={pathOf("runs", id)}>{name}</Link>
        <StatusBadge status={run.info.status} />
        <span className="muted small" title={`${formatTime(run.info.start_time)} UTC`}>
          {formatRelative(run.info.start_time, now)} ·{" "}
          {formatDuration(run.info.start_time, run.info.end_time)}
          {run.info.user_id ? ` · ${run.info.user_id}` : ""}
        </span>
      </div>
      <div className="run-line-data">
        {(run.data?.metrics ?? []).map((m) => (
          <span key={`m:${m.key}`} className="kv metric">
            {m.key} <strong>{formatNumber(num(m.value))}</strong>
          </span>
        ))}
        {(run.data?.params ?? []).map((p) => (
          <span key={`p:${p.key}`} className="kv">
            {p.key}={p.value}
          </span>
        ))}
      </div>
    </li>
  );
}

export function RunsListView(props: {
  runs: Run[];
  groups: RunGroup[] | undefined;
  selection: RunSelection;
  now: number;
}) {
  const sections = props.groups ?? [{ value: undefined, label: "", runs: props.runs }];
  return (
    <div className="run-list">
      {sections.map((g) => (
        <section key={g.label} aria-label={g.label || "Runs"}>
          {g.label && (
            <h3>
              {g.label}{" "}
              <span className="muted small">
                {g.runs.length} run{g.runs.length === 1 ? "" : "s"}
              </span>
            </h3>
          )}
          <ul>
            {g.runs.map((r) => (
              <RunLine key={r.info.run_id} run={r} selection={props.selection} now={props.now} />
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
