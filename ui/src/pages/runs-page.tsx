// Runs of one experiment: server-side paging and filtering with MLflow's runs search grammar, sorting by
// any attribute/param/metric, chosen param/metric/tag columns, and a virtualized table that stays fast on
// tens of thousands of runs. Selected runs (2–10) open the compare page. State lives in the URL.
import { Fragment, useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { ApiError, mlflow } from "../api/client";
import { num, type Experiment, type Run } from "../api/mlflow-types";
import { StatusBadge } from "../components/badges";
import { Async, CodeHint, Empty, ErrorState } from "../components/states";
import { VirtualRows } from "../components/virtual-rows";
import { formatDuration, formatNumber, formatTime, quoteKey } from "../lib/format";
import { Link, navigate, pathOf, type Location } from "../lib/router";
import { useAsync } from "../lib/use-async";

const PAGE_SIZE = 200;
const ROW_HEIGHT = 34;

type ColumnKind = "metric" | "param" | "tag";
interface Column {
  kind: ColumnKind;
  key: string;
}

const PREFIX: Record<ColumnKind, string> = { metric: "metrics", param: "params", tag: "tags" };

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

function cellValue(run: Run, col: Column): string {
  if (col.kind === "metric") {
    const m = run.data?.metrics?.find((x) => x.key === col.key);
    return m ? formatNumber(num(m.value)) : "";
  }
  const list = col.kind === "param" ? run.data?.params : run.data?.tags;
  return list?.find((x) => x.key === col.key)?.value ?? "";
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
  const chosen = parseColumns(location.query.get("cols"));
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
          filter,
          max_results: PAGE_SIZE,
          order_by: order ? [order] : [],
          page_token: token,
          run_view_type: "ACTIVE_ONLY",
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
    [experimentId, filter, order],
  );

  useEffect(() => {
    generation.current++;
    setState({ runs: [], nextToken: undefined, loading: true, error: undefined });
    void fetchPage(undefined, generation.current);
    setDraft(filter);
  }, [fetchPage, filter]);

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

  const toggleRun = (id: string) =>
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length >= 10 ? s : [...s, id]));

  const template = `36px minmax(160px,2fr) 90px 160px 72px 90px ${columns.map(() => "minmax(90px,1fr)").join(" ")}`;
  const filterError = state.error instanceof ApiError && state.error.status === 400 ? state.error : undefined;

  const header = (label: string, field: string) => {
    const s = sortState(field);
    return (
      <div role="columnheader" aria-sort={s ?? "none"} className="th">
        <button type="button" className="sort" onClick={() => sortBy(field)} title={`Sort by ${label}`}>
          {label}
          {s === "ascending" ? " ▲" : s === "descending" ? " ▼" : ""}
        </button>
      </div>
    );
  };

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

      <div className="toolbar">
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
        <span className="muted" aria-live="polite">
          {state.runs.length} run{state.runs.length === 1 ? "" : "s"} loaded
          {state.nextToken ? " (scroll for more)" : ""}
        </span>
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
        (filter ? (
          <Empty title="No runs match this filter." />
        ) : (
          <Empty title="This experiment has no runs yet.">
            <p>Log one with the mlflow client:</p>
            <CodeHint>{`export MLFLOW_TRACKING_URI=${window.location.origin}
python -c "import mlflow; mlflow.set_experiment(experiment_id='${experimentId}'); mlflow.start_run(); mlflow.log_metric('rmse', 0.78)"`}</CodeHint>
          </Empty>
        ))}
      {state.runs.length > 0 && (
        <div className="table-scroll">
          <div
            role="table"
            aria-label="Runs"
            aria-rowcount={state.runs.length + 1}
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
                <div role="columnheader" className="th">
                  Duration
                </div>
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
              count={state.runs.length}
              rowHeight={ROW_HEIGHT}
              height={Math.max(300, window.innerHeight - 330)}
              onNearEnd={state.nextToken ? loadMore : undefined}
              renderRow={(i) => {
                const r = state.runs[i];
                if (!r) return null;
                const id = r.info.run_id;
                return (
                  <>
                    <div role="cell">
                      <input
                        type="checkbox"
                        aria-label={`Select run ${r.info.run_name ?? id} for comparison`}
                        checked={selected.includes(id)}
                        disabled={!selected.includes(id) && selected.length >= 10}
                        onChange={() => toggleRun(id)}
                      />
                    </div>
                    <div role="cell" className="ellipsis">
                      <Link to={pathOf("runs", id)}>{r.info.run_name || id}</Link>
                    </div>
                    <div role="cell">
                      <StatusBadge status={r.info.status} />
                    </div>
                    <div role="cell">{formatTime(r.info.start_time)}</div>
                    <div role="cell">{formatDuration(r.info.start_time, r.info.end_time)}</div>
                    <div role="cell" className="ellipsis">
                      {r.info.user_id}
                    </div>
                    {columns.map((c) => (
                      <div
                        role="cell"
                        key={`${c.kind}:${c.key}`}
                        className={`ellipsis ${c.kind === "metric" ? "num" : ""}`}
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
      )}
      {state.loading && (
        <p className="muted" role="status">
          Loading runs…
        </p>
      )}
    </section>
  );
}
