// Kysely implementation of WindowStore (SQLite and PostgreSQL); rows become windows only here.
import type { Executor } from "../../store/database.js";
import type { MonitoringWindow } from "../monitoring.js";
import type { WindowStore } from "./window-store.js";

interface MonitoringWindowsTable {
  deployment: string;
  version: string;
  start_ms: number;
  end_ms: number;
  rows: number;
  /** JSON of DatasetDrift; NULL without a baseline. */
  drift: string | null;
  /** JSON of ColumnDrift[]; NULL when no rule asked for another method. */
  method_scores: string | null;
  /** JSON of QualityMetrics; NULL before any label arrived. */
  quality: string | null;
  expected_quality: string | null;
  computed_at: number;
}

type Row = MonitoringWindowsTable;

function tables(x: Executor) {
  return x.withTables<{ monitoring_windows: MonitoringWindowsTable }>();
}

function json<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

function toWindow(r: Row): MonitoringWindow {
  const drift = json<MonitoringWindow["drift"]>(r.drift);
  const methodScores = json<MonitoringWindow["methodScores"]>(r.method_scores);
  const quality = json<MonitoringWindow["quality"]>(r.quality);
  const expectedQuality = json<MonitoringWindow["expectedQuality"]>(r.expected_quality);
  return {
    deployment: r.deployment,
    version: r.version,
    start: Number(r.start_ms),
    end: Number(r.end_ms),
    rows: Number(r.rows),
    ...(drift !== undefined ? { drift } : {}),
    ...(methodScores !== undefined ? { methodScores } : {}),
    ...(quality !== undefined ? { quality } : {}),
    ...(expectedQuality !== undefined ? { expectedQuality } : {}),
    computedAt: Number(r.computed_at),
  };
}

function text(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function createSqlWindowStore(): WindowStore {
  return {
    async put(x, w) {
      const row: Row = {
        deployment: w.deployment,
        version: w.version,
        start_ms: w.start,
        end_ms: w.end,
        rows: w.rows,
        drift: text(w.drift),
        method_scores: text(w.methodScores),
        quality: text(w.quality),
        expected_quality: text(w.expectedQuality),
        computed_at: w.computedAt,
      };
      const { end_ms, rows, drift, method_scores, quality, expected_quality, computed_at } = row;
      await tables(x)
        .insertInto("monitoring_windows")
        .values(row)
        .onConflict((oc) =>
          oc
            .columns(["deployment", "version", "start_ms"])
            .doUpdateSet({ end_ms, rows, drift, method_scores, quality, expected_quality, computed_at }),
        )
        .execute();
    },
    async list(x, deployment, q) {
      let query = tables(x).selectFrom("monitoring_windows").selectAll().where("deployment", "=", deployment);
      if (q.from !== undefined) query = query.where("end_ms", ">", q.from);
      if (q.to !== undefined) query = query.where("start_ms", "<", q.to);
      if (q.version !== undefined) query = query.where("version", "=", q.version);
      const rows = await query.orderBy("start_ms").orderBy("version").limit(q.limit).execute();
      return rows.map(toWindow);
    },
    async recent(x, deployment, version, endAtMost, limit) {
      const rows = await tables(x)
        .selectFrom("monitoring_windows")
        .selectAll()
        .where("deployment", "=", deployment)
        .where("version", "=", version)
        .where("end_ms", "<=", endAtMost)
        .orderBy("start_ms", "desc")
        .limit(limit)
        .execute();
      return rows.map(toWindow);
    },
    async latest(x, endAfter) {
      const t = tables(x);
      const newest = t
        .selectFrom("monitoring_windows")
        .select((eb) => ["deployment", "version", eb.fn.max("start_ms").as("start")])
        .where("end_ms", ">", endAfter)
        .groupBy(["deployment", "version"])
        .as("newest");
      const rows = await t
        .selectFrom("monitoring_windows as w")
        .innerJoin(newest, (j) =>
          j
            .onRef("w.deployment", "=", "newest.deployment")
            .onRef("w.version", "=", "newest.version")
            .onRef("w.start_ms", "=", "newest.start"),
        )
        .selectAll("w")
        .orderBy("w.deployment")
        .orderBy("w.version")
        .execute();
      return rows.map(toWindow);
    },
    async lastEnd(x, deployment) {
      const r = await tables(x)
        .selectFrom("monitoring_windows")
        .select((eb) => eb.fn.max("end_ms").as("end"))
        .where("deployment", "=", deployment)
        .executeTakeFirst();
      return r?.end === null || r?.end === undefined ? undefined : Number(r.end);
    },
    async staleRanges(x, deployment, endAfter, computedBefore, limit) {
      const rows = await tables(x)
        .selectFrom("monitoring_windows")
        .select(["start_ms", "end_ms"])
        .distinct()
        .where("deployment", "=", deployment)
        .where("end_ms", ">", endAfter)
        .where("computed_at", "<", computedBefore)
        .orderBy("start_ms")
        .limit(limit)
        .execute();
      return rows.map((r) => ({ start: Number(r.start_ms), end: Number(r.end_ms) }));
    },
    async expire(x, deployment, before) {
      await tables(x)
        .deleteFrom("monitoring_windows")
        .where("deployment", "=", deployment)
        .where("end_ms", "<", before)
        .execute();
    },
  };
}
