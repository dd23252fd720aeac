// The runs table: a virtualized grid (fast on tens of thousands of runs) with sortable headers, the chosen
// metric/param/tag columns, each run's colour, relative start times, and optional group rows (collapsible)
// when the runs are grouped by a param or tag.
import { Fragment, useState } from "react";
import { num, type Run } from "../api/mlflow-types";
import { formatDuration, formatNumber, formatRelative, formatTime, quoteKey } from "../lib/format";
import { Link, pathOf } from "../lib/router";
import { runColor } from "../lib/run-color";
import type { RunGroup } from "../lib/run-groups";
import { StatusBadge } from "./badges";
import { VirtualRows } from "./virtual-rows";

const ROW_HEIGHT = 34;

export type ColumnKind = "metric" | "param" | "tag";
export interface Column {
  kind: ColumnKind;
  key: string;
}

export const PREFIX: Record<ColumnKind, string> = { metric: "metrics", param: "params", tag: "tags" };

export function cellValue(run: Run, col: Column): string {
  if (col.kind === "metric") {
    const m = run.data?.metrics?.find((x) => x.key === col.key);
    return m ? formatNumber(num(m.value)) : "";
  }
  const list = col.kind === "param" ? run.data?.params : run.data?.tags;
  return list?.find((x) => x.key === col.key)?.value ?? "";
}

export interface RunSelection {
  selected: string[];
  toggle: (runId: string) => void;
}

type Item = { group: RunGroup; open: boolean } | { run: Run };

export function RunsTable(props: {
  runs: Run[];
  groups: RunGroup[] | undefined;
  columns: Column[];
  selection: RunSelection;
  sortState: (field: string) => "ascending" | "descending" | undefined;
  sortBy: (field: string) => void;
  onNearEnd: (() => void) | undefined;
  now: number;
}) {
  const { columns, selection } = props;
  const [closed, setClosed] = useState<Set<string>>(new Set());
  const groupKey = (g: RunGroup) => g.value ?? "\u0000none";
  const items: Item[] = props.groups
    ? props.groups.flatMap((group) => {
        const open = !closed.has(groupKey(group));
        return [{ group, open }, ...(open ? group.runs.map((run) => ({ run })) : [])];
      })
    : props.runs.map((run) => ({ run }));
  const toggleGroup = (g: RunGroup) =>
    setClosed((s) => {
      const next = new Set(s);
      if (!next.delete(groupKey(g))) next.add(groupKey(g));
      return next;
    });

  // Fixed columns are wide enough for their longest value ("2 minutes ago", "12.5 min"), so nothing is cut.
  const template = `36px minmax(200px,2fr) 100px 136px 92px minmax(96px,1fr) ${columns.map(() => "minmax(110px,1fr)").join(" ")}`;

  const header = (label: string, field: string | undefined) => {
    const s = field ? props.sortState(field) : undefined;
    return (
      <div role="columnheader" aria-sort={field ? (s ?? "none") : undefined} className="th" title={label}>
        {field ? (
          <button
            type="button"
            className="sort"
            onClick={() => props.sortBy(field)}
            title={`Sort by ${label}`}
          >
            {label}
            {s === "ascending" ? " ▲" : s === "descending" ? " ▼" : ""}
          </button>
        ) : (
          label
        )}
      </div>
    );
  };

  return (
    <div className="table-scroll" data-testid="runs-table-scroll">
      <div
        role="table"
        aria-label="Runs"
        aria-rowcount={items.length + 1}
        className="vtable"
        style={{ ["--cols" as string]: template }}
      >
        <div role="rowgroup">
          <div role="row" aria-rowindex={1} className="vrow head">
            <div role="columnheader" className="th">
              <span className="sr-only">Select</span>
            </div>
            {header("Run", "attributes.run_name")}
            {header("Status", "attributes.status")}
            {header("Created", "attributes.start_time")}
            {header("Duration", undefined)}
            {header("User", "attributes.user_id")}
            {columns.map((c) => (
              <Fragment key={`${c.kind}:${c.key}`}>
                {header(c.key, `${PREFIX[c.kind]}.${quoteKey(c.key)}`)}
              </Fragment>
            ))}
          </div>
        </div>
        <VirtualRows
          label="Run rows"
          count={items.length}
          rowHeight={ROW_HEIGHT}
          height={Math.max(300, window.innerHeight - 360)}
          onNearEnd={props.onNearEnd}
          rowClass={(i) => {
            const item = items[i];
            return item && "group" in item ? "group-row" : undefined;
          }}
          renderRow={(i) => {
            const item = items[i];
            if (!item) return null;
            if ("group" in item)
              return (
                <div role="cell" className="group-cell">
                  <button
                    type="button"
                    className="link"
                    aria-expanded={item.open}
                    onClick={() => toggleGroup(item.group)}
                  >
                    {item.open ? "▾" : "▸"} {item.group.label}
                  </button>{" "}
                  <span className="muted small">
                    {item.group.runs.length} run{item.group.runs.length === 1 ? "" : "s"}
                  </span>
                </div>
              );
            const r = item.run;
            const id = r.info.run_id;
            const name = r.info.run_name || id;
            return (
              <>
                <div role="cell">
                  <input
                    type="checkbox"
                    aria-label={`Select run ${name} for comparison`}
                    checked={selection.selected.includes(id)}
                    disabled={!selection.selected.includes(id) && selection.selected.length >= 10}
                    onChange={() => selection.toggle(id)}
                  />
                </div>
                <div role="cell" className="ellipsis" title={name}>
                  <i className="swatch" style={{ background: runColor(id) }} aria-hidden="true" />
                  <Link to={pathOf("runs", id)}>{name}</Link>
                </div>
                <div role="cell">
                  <StatusBadge status={r.info.status} />
                </div>
                <div role="cell" title={`${formatTime(r.info.start_time)} UTC`}>
                  {formatRelative(r.info.start_time, props.now)}
                </div>
                <div role="cell">{formatDuration(r.info.start_time, r.info.end_time)}</div>
                <div role="cell" className="ellipsis" title={r.info.user_id}>
                  {r.info.user_id}
                </div>
                {columns.map((c) => (
                  <div
                    role="cell"
                    key={`${c.kind}:${c.key}`}
                    className={`ellipsis ${c.kind === "metric" ? "num" : ""}`}
                    title={cellValue(r, c)}
                  >
                    {cellValue(r, c)}
                  </div>
                ))}
              </>
            );
          }}
        />
      </div>
    </div>
  );
}
