// The dataset's drift decision from its columns', as Evidently's get_dataset_drift: the dataset drifts when the
// share of drifting input columns reaches driftShare (default 0.5); "warn" when the share of columns at warn or
// alert reaches it. Prediction columns are decided alike but count apart (prediction drift). Columns the
// current profile lacks, or without values on either side, are not tested. With `bonferroni`, every p-value
// threshold (alert and warn, default or per column) is divided by the number of input columns tested. A column's
// options naming a method that does not apply to it (KS or Wasserstein on a column that is categorical in the
// baseline: a spec is written before the kinds are known) are left out for that column, which gets the defaults,
// rather than failing the whole window; columnDrift itself refuses them.

import type {
  ColumnDrift,
  ColumnDriftOptions,
  ColumnProfile,
  DatasetDrift,
  DatasetDriftOptions,
  DatasetProfile,
  DriftLevel,
} from "../monitoring.js";
import { columnDrift, DEFAULT_P_VALUE_THRESHOLD, isPValueMethod, methodApplies } from "./column-drift.js";
import { defaultMethod } from "./default-method.js";

export const DEFAULT_DRIFT_SHARE = 0.5;

const LEVELS: DriftLevel[] = ["ok", "warn", "alert"];

export function datasetDrift(
  ref: DatasetProfile,
  cur: DatasetProfile,
  opts: DatasetDriftOptions = {},
): DatasetDrift {
  const inputs = testable(ref.columns, cur.columns);
  const predictions = testable(ref.predictions, cur.predictions);
  const decide = (name: string, role: ColumnDrift["role"], r: ColumnProfile, c: ColumnProfile): ColumnDrift =>
    columnDrift(name, role, r, c, corrected(opts, name, r, c, inputs.length));
  const columns = [
    ...inputs.map(([name, r, c]) => decide(name, "input", r, c)),
    ...predictions.map(([name, r, c]) => decide(name, "prediction", r, c)),
  ];
  const inputDrifts = columns.filter((c) => c.role === "input");
  const driftShare = opts.driftShare ?? DEFAULT_DRIFT_SHARE;
  const tested = inputDrifts.length;
  const drifted = inputDrifts.filter((c) => c.drifted).length;
  const warned = inputDrifts.filter((c) => c.level !== "ok").length;
  const share = tested === 0 ? 0 : drifted / tested;
  const isDrifted = tested > 0 && share >= driftShare;
  return {
    columns,
    driftedColumns: drifted,
    testedColumns: tested,
    share,
    driftShare,
    drifted: isDrifted,
    level: isDrifted ? "alert" : tested > 0 && warned / tested >= driftShare ? "warn" : "ok",
    predictionLevel: columns
      .filter((c) => c.role === "prediction")
      .reduce<DriftLevel>(
        (worst, c) => (LEVELS.indexOf(c.level) > LEVELS.indexOf(worst) ? c.level : worst),
        "ok",
      ),
  };
}

function testable(
  ref: Record<string, ColumnProfile>,
  cur: Record<string, ColumnProfile>,
): [string, ColumnProfile, ColumnProfile][] {
  return Object.entries(ref).flatMap(([name, r]): [string, ColumnProfile, ColumnProfile][] => {
    const c = cur[name];
    return c !== undefined && r.n > 0 && c.n > 0 ? [[name, r, c]] : [];
  });
}

/** The column's options, with p-value thresholds divided by the number of tests under Bonferroni. */
function corrected(
  opts: DatasetDriftOptions,
  name: string,
  ref: ColumnProfile,
  cur: ColumnProfile,
  tests: number,
): ColumnDriftOptions {
  const given = opts.columns?.[name] ?? {};
  const own = given.method === undefined || methodApplies(given.method, ref.kind) ? given : {};
  if (!opts.bonferroni || tests <= 1) return own;
  const method = own.method ?? defaultMethod(ref, cur);
  if (!isPValueMethod(method)) return own;
  const threshold = own.threshold ?? DEFAULT_P_VALUE_THRESHOLD;
  return {
    ...own,
    method,
    threshold: threshold / tests,
    warnThreshold: (own.warnThreshold ?? 2 * threshold) / tests,
  };
}
