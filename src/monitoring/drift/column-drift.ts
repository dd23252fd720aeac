// One column's drift decision: the method (the default of default-method.ts or the column's override), its score
// (a p-value, or a distance), and the level against the thresholds. The verdicts are Evidently's: KS drifts at
// p ≤ threshold (ks_stattest.py says ≤), chi² and Z at p < threshold, distances at d ≥ threshold; default
// thresholds 0.05 and 0.1 as Evidently's stattests. "warn" is the same test against the warn threshold (by
// default 2·t for p-values, t/2 for distances): a column on its way to drifting.
// KS and Wasserstein run on the profiles' samples: every value up to SAMPLE_LIMIT, so Evidently's numbers exactly;
// beyond it a uniform sample, so an estimate of them (Wasserstein to within a few hundredths at 10 000 values).

import { invalidParameter } from "../../core/errors.js";
import {
  P_VALUE_METHODS,
  type ColumnDrift,
  type ColumnDriftOptions,
  type ColumnProfile,
  type DriftLevel,
  type DriftMethod,
} from "../monitoring.js";
import { chiSquare } from "../stats/chi-square.js";
import { hellinger } from "../stats/hellinger.js";
import { jensenShannon } from "../stats/jensen-shannon.js";
import { klDiv } from "../stats/kl-divergence.js";
import { ks2samp } from "../stats/kolmogorov-smirnov.js";
import { psi } from "../stats/psi.js";
import { wassersteinNormed } from "../stats/wasserstein.js";
import { zTestProportions } from "../stats/z-test.js";
import { defaultMethod } from "./default-method.js";
import { alignedCounts } from "./distributions.js";

export const DEFAULT_P_VALUE_THRESHOLD = 0.05;
export const DEFAULT_DISTANCE_THRESHOLD = 0.1;

export function isPValueMethod(method: DriftMethod): boolean {
  return P_VALUE_METHODS.includes(method);
}

/** KS and Wasserstein compare samples of numbers; every other method also takes categories. */
export function methodApplies(method: DriftMethod, kind: ColumnProfile["kind"]): boolean {
  return kind === "numeric" || (method !== "ks" && method !== "wasserstein");
}

/** Fails (INVALID_PARAMETER_VALUE) when a side has no values or the method does not apply to the column. */
export function columnDrift(
  column: string,
  role: ColumnDrift["role"],
  ref: ColumnProfile,
  cur: ColumnProfile,
  opts: ColumnDriftOptions = {},
): ColumnDrift {
  if (ref.n === 0 || cur.n === 0) {
    throw invalidParameter(
      `Column ${column} has no values in the ${ref.n === 0 ? "reference" : "current"} profile: nothing to test.`,
    );
  }
  if (ref.kind !== cur.kind) throw mismatchedKinds(column, ref, cur);
  const method = opts.method ?? defaultMethod(ref, cur);
  if (!methodApplies(method, ref.kind)) {
    throw invalidParameter(
      `Drift method ${method} needs a numeric column; ${column} is categorical (use chisquare, z, psi, kl_div, jensenshannon or hellinger).`,
    );
  }
  const pValued = isPValueMethod(method);
  const threshold = opts.threshold ?? (pValued ? DEFAULT_P_VALUE_THRESHOLD : DEFAULT_DISTANCE_THRESHOLD);
  const warnThreshold = opts.warnThreshold ?? (pValued ? 2 * threshold : threshold / 2);
  const { score, statistic } = measure(column, method, ref, cur);
  const crosses = (t: number): boolean => (method === "ks" ? score <= t : pValued ? score < t : score >= t);
  const drifted = crosses(threshold);
  const level: DriftLevel = drifted ? "alert" : crosses(warnThreshold) ? "warn" : "ok";
  return {
    column,
    role,
    kind: ref.kind,
    method,
    score,
    ...(statistic === undefined ? {} : { statistic }),
    threshold,
    warnThreshold,
    drifted,
    level,
    referenceRows: ref.n,
    currentRows: cur.n,
  };
}

function measure(
  column: string,
  method: DriftMethod,
  ref: ColumnProfile,
  cur: ColumnProfile,
): { score: number; statistic?: number } {
  if (method === "ks" || method === "wasserstein") {
    if (ref.kind !== "numeric" || cur.kind !== "numeric") throw mismatchedKinds(column, ref, cur);
    if (method === "ks") {
      const ks = ks2samp(ref.sample, cur.sample);
      return { score: ks.pValue, statistic: ks.statistic };
    }
    // Evidently divides by numpy's std (ddof 0) of every reference value; the profile keeps the ddof-1 one.
    const sigma = ref.n > 1 ? ref.std * Math.sqrt((ref.n - 1) / ref.n) : 0;
    return { score: wassersteinNormed(ref.sample, cur.sample, sigma) };
  }
  const counts = alignedCounts(ref, cur);
  switch (method) {
    case "chisquare": {
      // Evidently: expected = reference counts scaled to the current total.
      const scale = total(counts.current) / total(counts.reference);
      const result = chiSquare(
        counts.current,
        counts.reference.map((c) => c * scale),
      );
      return { score: result.pValue, statistic: result.statistic };
    }
    case "z": {
      // The share of values other than the first category, in each sample.
      const nRef = total(counts.reference);
      const nCur = total(counts.current);
      const z = zTestProportions(nRef - counts.reference[0]!, nRef, nCur - counts.current[0]!, nCur);
      return { score: z.pValue, statistic: z.statistic };
    }
    case "psi":
      return { score: psi(counts.reference, counts.current) };
    case "kl_div":
      return { score: klDiv(counts.reference, counts.current) };
    case "jensenshannon":
      return { score: jensenShannon(counts.reference, counts.current) };
    case "hellinger":
      return { score: hellinger(counts.reference, counts.current) };
  }
}

function mismatchedKinds(column: string, ref: ColumnProfile, cur: ColumnProfile): Error {
  return invalidParameter(
    `Column ${column} is ${ref.kind} in the reference but ${cur.kind} in the current profile: a window is profiled with its baseline's kinds.`,
  );
}

function total(counts: number[]): number {
  return counts.reduce((a, b) => a + b, 0);
}
