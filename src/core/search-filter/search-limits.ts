// How much one search may ask for. A search's cost grows with its comparisons (each one a subquery the
// planner must place) and its listed values (each one a bound parameter: SQLite allows 32,766 per
// statement), so both are capped where every search grammar passes — the parser — and refused with a 400
// that names the limit, before any SQL is built. MLflow has no such caps; nothing its clients generate comes
// near them.
import { invalidParameter } from "../errors.js";

export const SEARCH_LIMITS = {
  /** Comparisons joined by AND in one filter (runs, experiments, registry, logged models). */
  maxComparisons: 100,
  /** Values in all the IN / NOT IN lists of one filter together. */
  maxListValues: 1000,
  /** Experiments one runs or logged-models search may name. */
  maxExperimentIds: 1000,
} as const;

/** Refuses a search over more experiments than {@link SEARCH_LIMITS.maxExperimentIds}. */
export function checkSearchExperimentIds(ids: readonly string[]): void {
  if (ids.length > SEARCH_LIMITS.maxExperimentIds) {
    throw invalidParameter(
      `Invalid value for parameter 'experiment_ids': a search may name at most ` +
        `${SEARCH_LIMITS.maxExperimentIds} experiments (got ${ids.length}).`,
    );
  }
}
