// The tracking store on SQLite and PostgreSQL: experiments, runs, metrics and run search, assembled from the
// per-concept Kysely implementations. The only engine-specific piece it needs is the dialect's collation.
import type { Dialect } from "../store/dialect.js";
import type { ExperimentStore, RunStore } from "./tracking-store.js";
import { createSqlExperimentStore } from "./sql-experiment-store.js";
import { createSqlRunStore } from "./sql-run-store.js";
import { createSqlMetricStore } from "./sql-metric-store.js";
import { searchRunIds } from "./search/compile-runs-search.js";

export type TrackingStore = ExperimentStore & RunStore;

export function createSqlTrackingStore(dialect: Dialect): TrackingStore {
  return {
    ...createSqlExperimentStore(),
    ...createSqlRunStore(),
    ...createSqlMetricStore(),
    searchRunIds: (ex, search) => searchRunIds(ex, dialect, search),
  };
}
