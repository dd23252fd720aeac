// Grouping runs by a parameter or tag value (MLflow's runs page "Group by"), and the runs page's quick
// filters (status, start time, lifecycle) expressed in MLflow's search grammar so the server does the
// filtering, exactly as a typed filter would.
import type { Run } from "../api/mlflow-types";

export interface GroupBy {
  kind: "param" | "tag";
  key: string;
}

export interface RunGroup {
  /** The value the runs share; undefined for runs without the param/tag. */
  value: string | undefined;
  label: string;
  runs: Run[];
}

/** `p:alpha` / `t:team` in the URL. */
export function parseGroupBy(text: string | null): GroupBy | undefined {
  const m = /^([pt]):(.+)$/.exec(text ?? "");
  if (!m?.[2]) return undefined;
  return { kind: m[1] === "p" ? "param" : "tag", key: m[2] };
}

export function groupByParam(g: GroupBy): string {
  return `${g.kind === "param" ? "p" : "t"}:${g.key}`;
}

export function groupValue(run: Run, g: GroupBy): string | undefined {
  const list = g.kind === "param" ? run.data?.params : run.data?.tags;
  return list?.find((x) => x.key === g.key)?.value;
}

/** Groups in order of first appearance (so the server's sort order decides), runs without the key last. */
export function groupRuns(runs: Run[], g: GroupBy): RunGroup[] {
  const groups = new Map<string | undefined, RunGroup>();
  for (const run of runs) {
    const value = groupValue(run, g);
    let group = groups.get(value);
    if (!group) {
      group = {
        value,
        label: value === undefined ? `no ${g.kind} ${g.key}` : `${g.key} = ${value}`,
        runs: [],
      };
      groups.set(value, group);
    }
    group.runs.push(run);
  }
  const list = [...groups.values()];
  return [...list.filter((x) => x.value !== undefined), ...list.filter((x) => x.value === undefined)];
}

export const STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const;

export const TIME_RANGES: { value: string; label: string; ms: number }[] = [
  { value: "1h", label: "Last hour", ms: 3600e3 },
  { value: "24h", label: "Last 24 hours", ms: 24 * 3600e3 },
  { value: "7d", label: "Last 7 days", ms: 7 * 24 * 3600e3 },
  { value: "30d", label: "Last 30 days", ms: 30 * 24 * 3600e3 },
  { value: "1y", label: "Last year", ms: 365 * 24 * 3600e3 },
];

/** The run_view_type for the lifecycle choice (MLflow's "State": active or deleted runs). */
export function runViewType(lifecycle: string | null): "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL" {
  return lifecycle === "deleted" ? "DELETED_ONLY" : lifecycle === "all" ? "ALL" : "ACTIVE_ONLY";
}

/**
 * The filter sent to the server: the user's typed filter and the quick filters joined with `and`. The time
 * range is rounded down to the minute so the URL-derived query does not change between renders.
 */
export function composeFilter(
  typed: string,
  status: string | null,
  since: string | null,
  now: number,
): string {
  const parts = typed.trim() === "" ? [] : [typed.trim()];
  if (status && (STATUSES as readonly string[]).includes(status))
    parts.push(`attributes.status = '${status}'`);
  const range = TIME_RANGES.find((r) => r.value === since);
  if (range) parts.push(`attributes.start_time >= ${Math.floor((now - range.ms) / 60e3) * 60e3}`);
  return parts.join(" and ");
}
