// The segment index on SQLite and PostgreSQL (migration 0011).
import type { PredictionSegmentsTable } from "../store/schema-prediction-segments.js";
import type { PredictionSegment } from "./monitoring.js";
import type { SegmentStore } from "./segment-store.js";

function segmentOf(r: PredictionSegmentsTable): PredictionSegment {
  return {
    id: r.id,
    deployment: r.deployment,
    path: r.path,
    replica: r.replica,
    firstTime: Number(r.first_time),
    lastTime: Number(r.last_time),
    rows: Number(r.rows),
    bytes: Number(r.bytes),
    versions: JSON.parse(r.versions) as string[],
    createdAt: Number(r.created_at),
  };
}

export function createSqlSegmentStore(): SegmentStore {
  return {
    async add(x, s) {
      await x
        .insertInto("prediction_segments")
        .values({
          id: s.id,
          deployment: s.deployment,
          path: s.path,
          replica: s.replica,
          first_time: s.firstTime,
          last_time: s.lastTime,
          rows: s.rows,
          bytes: s.bytes,
          versions: JSON.stringify(s.versions),
          created_at: s.createdAt,
        })
        .execute();
    },
    async list(x, deployment, from, to) {
      const rows = await x
        .selectFrom("prediction_segments")
        .selectAll()
        .where("deployment", "=", deployment)
        .where("first_time", "<", to)
        .where("last_time", ">=", from)
        .orderBy("first_time")
        .orderBy("id")
        .execute();
      return rows.map(segmentOf);
    },
    async expired(x, deployment, before, limit) {
      const rows = await x
        .selectFrom("prediction_segments")
        .selectAll()
        .where("deployment", "=", deployment)
        .where("last_time", "<", before)
        .orderBy("first_time")
        .orderBy("id")
        .limit(limit)
        .execute();
      return rows.map(segmentOf);
    },
    async remove(x, ids) {
      if (ids.length === 0) return;
      await x
        .deleteFrom("prediction_segments")
        .where("id", "in", [...ids])
        .execute();
    },
    async deployments(x) {
      const rows = await x.selectFrom("prediction_segments").select("deployment").distinct().execute();
      return rows.map((r) => r.deployment).sort();
    },
  };
}
