// Runs of one experiment: server-side paging and filtering with MLflow's runs search grammar (the typed filter
// plus quick status / start-time / lifecycle filters, all sent to the server), sorting by any
// attribute/param/metric, chosen columns, group-by on a param or tag, and three views: a virtualized table
// that stays fast on tens of thousands of runs, a chart view plotting each metric across runs, and a compact
// list. Selected runs (2–10) open the compare page. State lives in the URL.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { ApiError, mlflow } from "../api/client";
import type { Experiment, Run } from "../api/mlflow-types";
import { RunsChartView } from "../components/runs-chart-view";
import { RunsListView } from "../components/runs-list-view";
import { PREFIX, RunsTable, type Column, type ColumnKind } from "../components/runs-table";
import { Async, CodeHint, Empty, ErrorState } from "../components/states";
import { Link, navigate, type Location } from "../lib/router";
import {
  STATUSES,
  TIME_RANGES,
  composeFilter,
  groupByParam,
  groupRuns,
  parseGroupBy,
  runViewType,
} from "../lib/run-groups";
import { assignRunColors } from "../lib/run-color";
import { useAsync } from "../lib/use-async";

const PAGE_SIZE = 200;
const VIEWS = [
  { value: "table", label: "Table" },
  { value: "chart", label: "Chart" },
  { value: "list", label: "List" },
] as const;

function parseColumns(text: string | null): Column[] | undefined {
  if (text === null) return undefined;
  return text
    .split(",")
    .filter((c) => c !== "")
    .map((c) => {
      const [kind, ...rest] = c.split(":");
      return {
        kind: (kind === "p" ? "param" : kind === "t" ? "tag" : "metric") as ColumnKind,
        key: decodeURIComponent(rest.join(":")),
      };
    });
}

function columnsParam(cols: Column[]): string {
  return cols.map((c) => `${c.kind[0]}:${encodeURIComponent(c.key)}`).join(",");
}

/** Re-renders every half minute so relative times ("3 minutes ago") stay true. */
function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

interface RunsState {
  runs: Run[];
  nextToken: string | undefined;
  loading: boolean;
  error: unknown;
}

export function RunsPage({ experimentId, location }: { experimentId: string; location: Location }) {
  const filter = location.query.get("filter") ?? "";
  const order = location.query.get("order") ?? "";
  const view = location.query.get("view") ?? "table";
  const status = location.query.get("status");
  const since = location.query.get("since");
  const lifecycle = location.query.get("lifecycle");
  const groupBy = parseGroupBy(location.query.get("group"));
  const chosen = parseColumns(location.query.get("cols"));
  const now = useNow();
  // The start-time bound is fixed when the filters change, not on every tick of the clock.
  const [filterTime, setFilterTime] = useState(Date.now);
  useEffect(() => setFilterTime(Date.now()), [since]);
  const serverFilter = composeFilter(filter, status, since, filterTime);
  const experiment = useAsync(
    () => mlflow.get<{ experiment: Experiment }>("experiments/get", { experiment_id: experimentId }),
    [experimentId],
  );
  const [state, setState] = useState<RunsState>({
    runs: [],
    nextToken: undefined,
    loading: true,
    error: undefined,
  });
  const [selected, setSelected] = useState<string[]>([]);
  const [draft, setDraft] = useState(filter);
  const generation = useRef(0);

  const fetchPage = useCallback(
    async (token: string | undefined, gen: number) => {
      try {
        const page = await mlflow.post<{ runs?: Run[]; next_page_token?: string }>("runs/search", {
          experiment_ids: [experimentId],
          filter: serverFilter,
          max_results: PAGE_SIZE,
          order_by: order ? [order] : [],
          page_token: token,
          run_view_type: runViewType(lifecycle),
        });
        if (gen !== generation.current) return;
        setState((s) => ({
          runs: token ? [...s.runs, ...(page.runs ?? [])] : (page.runs ?? []),
          nextToken: page.next_page_token || undefined,
          loading: false,
          error: undefined,
        }));
      } catch (error) {
        if (gen !== generation.current) return;
        setState((s) => ({ ...s, runs: token ? s.runs : [], loading: false, error }));
      }
    },
    [experimentId, serverFilter, order, lifecycle],
  );

  useEffect(() => {
    generation.current++;
    setState({ runs: [], nextToken: undefined, loading: true, error: undefined });
    void fetchPage(undefined, generation.current);
  }, [fetchPage]);
  useEffect(() => setDraft(filter), [filter]);

  const loadMore = useCallback(() => {
    setState((s) => {
      if (s.loading || !s.nextToken) return s;
      void fetchPage(s.nextToken, generation.current);
      return { ...s, loading: true };
    });
  }, [fetchPage]);

  const keys = useMemo(() => {
    const found: Record<ColumnKind, Set<string>> = { metric: new Set(), param: new Set(), tag: new Set() };
    for (const r of state.runs.slice(0, 500)) {
      r.data?.metrics?.forEach((m) => found.metric.add(m.key));
      r.data?.params?.forEach((p) => found.param.add(p.key));
      r.data?.tags?.forEach((t) => !t.key.startsWith("mlflow.") && found.tag.add(t.key));
    }
    return { metric: [...found.metric].sort(), param: [...found.param].sort(), tag: [...found.tag].sort() };
  }, [state.runs]);

  // Before the views render: each loaded run gets its colour, distinct from those of its neighbours.
  useMemo(() => assignRunColors(state.runs.slice(0, 500).map((r) => r.info.run_id)), [state.runs]);

  const groups = useMemo(
    () => (groupBy ? groupRuns(state.runs, groupBy) : undefined),
    [state.runs, groupBy?.kind, groupBy?.key],
  );

  const columns: Column[] = chosen ?? [
    ...keys.metric.slice(0, 3).map((key) => ({ kind: "metric" as const, key })),
    ...keys.param.slice(0, 3).map((key) => ({ kind: "param" as const, key })),
  ];

  const setQuery = (changes: Record<string, string | undefined>) => {
    const q = new URLSearchParams(location.query);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === "") q.delete(k);
      else q.set(k, v);
    }
    const qs = q.toString();
    navigate(`${location.path}${qs ? `?${qs}` : ""}`, { replace: true });
  };

  const submitFilter = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ filter: draft.trim() });
  };

  const sortBy = (field: string) => {
    const [current, dir] = order.split(/ (?=ASC$|DESC$)/);
    const next = current === field && dir !== "DESC" ? `${field} DESC` : `${field} ASC`;
    setQuery({ order: next });
  };
  const sortState = (field: string): "ascending" | "descending" | undefined => {
    if (order === `${field} ASC` || order === field) return "ascending";
    if (order === `${field} DESC`) return "descending";
    return undefined;
  };

  const toggleColumn = (col: Column) => {
    const has = columns.some((c) => c.kind === col.kind && c.key === col.key);
    const next = has ? columns.filter((c) => !(c.kind === col.kind && c.key === col.key)) : [...columns, col];
    setQuery({ cols: columnsParam(next) || "," });
  };

  const selection = {
    selected,
    toggle: (id: string) =>
      setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length >= 10 ? s : [...s, id])),
  };

  const filterError = state.error instanceof ApiError && state.error.status === 400 ? state.error : undefined;
  const quickFilters = status !== null || since !== null || (lifecycle !== null && lifecycle !== "active");

  return (
    <section aria-labelledby="h-runs">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/experiments">Experiments</Link> /
      </nav>
      <Async state={experiment} what="Experiment">
        {({ experiment: e }) => (
          <h1 id="h-runs">
            {e.name} <span className="muted small">experiment {e.experiment_id}</span>
          </h1>
        )}
      </Async>

      <form className="filter" onSubmit={submitFilter} role="search">
        <label htmlFor="run-filter">Filter runs</label>
        <input
          id="run-filter"
          type="search"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder={`metrics.rmse < 1 and params.alpha = '0.5' and tags.\`data_version\` LIKE 'v2%'`}
          aria-describedby="filter-help"
          aria-invalid={filterError !== undefined}
          spellCheck={false}
        />
        <button type="submit">Search</button>
        {filter !== "" && (
          <button type="button" className="secondary" onClick={() => setQuery({ filter: undefined })}>
            Clear
          </button>
        )}
        <p id="filter-help" className="muted small">
          MLflow search syntax: <code>metrics.</code>, <code>params.</code>, <code>tags.</code>,{" "}
          <code>attributes.</code> joined with <code>and</code>.
        </p>
        {filterError && (
          <p className="field-error" role="alert">
            {filterError.message}
          </p>
        )}
      </form>

      <div className="toolbar quick-filters">
        <span className="field">
          <label htmlFor="runs-status">Status</label>
          <select
            id="runs-status"
            value={status ?? ""}
            onChange={(e) => setQuery({ status: e.target.value })}
          >
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.charAt(0) + s.slice(1).toLowerCase()}
              </option>
            ))}
          </select>
        </span>
        <span className="field">
          <label htmlFor="runs-since">Created</label>
          <select id="runs-since" value={since ?? ""} onChange={(e) => setQuery({ since: e.target.value })}>
            <option value="">Any time</option>
            {TIME_RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </span>
        <span className="field">
          <label htmlFor="runs-lifecycle">State</label>
          <select
            id="runs-lifecycle"
            value={lifecycle ?? "active"}
            onChange={(e) =>
              setQuery({ lifecycle: e.target.value === "active" ? undefined : e.target.value })
            }
          >
            <option value="active">Active</option>
            <option value="deleted">Deleted</option>
            <option value="all">All</option>
          </select>
        </span>
        <span className="field">
          <label htmlFor="runs-group">Group by</label>
          <select
            id="runs-group"
            value={groupBy ? groupByParam(groupBy) : ""}
            onChange={(e) => setQuery({ group: e.target.value })}
          >
            <option value="">No grouping</option>
            {keys.param.length > 0 && (
              <optgroup label="Parameters">
                {keys.param.map((k) => (
                  <option key={`p:${k}`} value={`p:${k}`}>
                    {k}
                  </option>
                ))}
              </optgroup>
            )}
            {keys.tag.length > 0 && (
              <optgroup label="Tags">
                {keys.tag.map((k) => (
                  <option key={`t:${k}`} value={`t:${k}`}>
                    {k}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </span>
        {quickFilters && (
          <button
            type="button"
            className="secondary"
            onClick={() => setQuery({ status: undefined, since: undefined, lifecycle: undefined })}
          >
            Reset filters
          </button>
        )}
      </div>

      <div className="toolbar">
        <div className="segmented" role="group" aria-label="View">
          {VIEWS.map((v) => (
            <button
              key={v.value}
              type="button"
              aria-pressed={view === v.value}
              className={view === v.value ? undefined : "secondary"}
              onClick={() => setQuery({ view: v.value === "table" ? undefined : v.value })}
            >
              {v.label}
            </button>
          ))}
        </div>
        {view === "table" && (
          <details className="columns-picker">
            <summary>Columns ({columns.length})</summary>
            <div className="picker-body">
              {(["metric", "param", "tag"] as const).map((kind) => (
                <fieldset key={kind}>
                  <legend>{PREFIX[kind]}</legend>
                  {keys[kind].length === 0 && <span className="muted small">none in loaded runs</span>}
                  {keys[kind].map((key) => (
                    <label key={key} className="check">
                      <input
                        type="checkbox"
                        checked={columns.some((c) => c.kind === kind && c.key === key)}
                        onChange={() => toggleColumn({ kind, key })}
                      />
                      {key}
                    </label>
                  ))}
                </fieldset>
              ))}
            </div>
          </details>
        )}
        <span className="muted" aria-live="polite">
          {state.runs.length} run{state.runs.length === 1 ? "" : "s"} loaded
          {groups ? ` in ${groups.length} group${groups.length === 1 ? "" : "s"}` : ""}
          {state.nextToken ? (view === "table" ? " (scroll for more)" : "") : ""}
        </span>
        {state.nextToken && view !== "table" && (
          <button type="button" className="secondary" onClick={loadMore} disabled={state.loading}>
            Load more runs
          </button>
        )}
        <button
          type="button"
          disabled={selected.length < 2}
          title={selected.length < 2 ? "Select 2 to 10 runs to compare" : undefined}
          onClick={() => navigate(`/compare?runs=${selected.map(encodeURIComponent).join(",")}`)}
        >
          Compare {selected.length > 0 ? `(${selected.length})` : ""}
        </button>
      </div>

      {state.error !== undefined && !filterError && <ErrorState error={state.error} feature="Runs" />}
      {!state.loading &&
        state.error === undefined &&
        state.runs.length === 0 &&
        (serverFilter || lifecycle ? (
          <Empty title="No runs match these filters." />
        ) : (
          <Empty title="This experiment has no runs yet.">
            <p>Log one with the mlflow client:</p>
            <CodeHint>{`export MLFLOW_TRACKING_URI=${window.location.origin}
python -c "import mlflow; mlflow.set_experiment(experiment_id='${experimentId}'); mlflow.start_run(); mlflow.log_metric('rmse', 0.78)"`}</CodeHint>
          </Empty>
        ))}
      {state.runs.length > 0 && view === "table" && (
        <RunsTable
          runs={state.runs}
          groups={groups}
          columns={columns}
          selection={selection}
          sortState={sortState}
          sortBy={sortBy}
          onNearEnd={state.nextToken ? loadMore : undefined}
          now={now}
        />
      )}
      {state.runs.length > 0 && view === "chart" && (
        <RunsChartView runs={state.runs} groups={groups} selection={selection} />
      )}
      {state.runs.length > 0 && view === "list" && (
        <RunsListView runs={state.runs} groups={groups} selection={selection} now={now} />
      )}
      {state.loading && (
        <p className="muted" role="status">
          Loading runs…
        </p>
      )}
    </section>
  );
}
