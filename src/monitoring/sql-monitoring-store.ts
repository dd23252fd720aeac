// Kysely implementation of MonitoringStore (SQLite and PostgreSQL); rows become entities only here.
import type { Selectable } from "kysely";
import type { MonitoringLabelsTable } from "../store/schema-baselines-labels.js";
import type { DatasetProfile } from "./monitoring.js";
import type { LabelRecord, MonitoringStore } from "./monitoring-store.js";

/**
 * Rows per statement: 5 bound values a row keeps an upsert under SQLite's and PostgreSQL's bound-parameter
 * limits (32 766 / 65 535) with room to spare; lookups bind one value per id.
 */
const ROWS_PER_STATEMENT = 1000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toLabel(
  r: Pick<Selectable<MonitoringLabelsTable>, "request_id" | "label_number" | "label_text" | "received_at">,
): LabelRecord {
  return {
    requestId: r.request_id,
    label: r.label_text ?? Number(r.label_number),
    receivedAt: Number(r.received_at),
  };
}

export function createSqlMonitoringStore(): MonitoringStore {
  return {
    async getBaseline(x, modelId, version) {
      const r = await x
        .selectFrom("monitoring_baselines")
        .selectAll()
        .where("model_id", "=", modelId)
        .where("version", "=", version)
        .executeTakeFirst();
      if (r === undefined) return undefined;
      return {
        modelId: Number(r.model_id),
        version: Number(r.version),
        profile: JSON.parse(r.profile) as DatasetProfile,
        createdAt: Number(r.created_at),
        createdBy: r.created_by,
      };
    },
    async putBaseline(x, b) {
      const row = {
        model_id: b.modelId,
        version: b.version,
        profile: JSON.stringify(b.profile),
        created_at: b.createdAt,
        created_by: b.createdBy,
      };
      await x
        .insertInto("monitoring_baselines")
        .values(row)
        .onConflict((oc) =>
          oc.columns(["model_id", "version"]).doUpdateSet({
            profile: row.profile,
            created_at: row.created_at,
            created_by: row.created_by,
          }),
        )
        .execute();
    },

    async upsertLabels(x, deployment, labels) {
      for (const chunk of chunks(labels, ROWS_PER_STATEMENT)) {
        await x
          .insertInto("monitoring_labels")
          .values(
            chunk.map((l) => ({
              deployment,
              request_id: l.requestId,
              label_number: typeof l.label === "number" ? l.label : null,
              label_text: typeof l.label === "string" ? l.label : null,
              received_at: l.receivedAt,
            })),
          )
          .onConflict((oc) =>
            oc.columns(["deployment", "request_id"]).doUpdateSet((eb) => ({
              label_number: eb.ref("excluded.label_number"),
              label_text: eb.ref("excluded.label_text"),
              received_at: eb.ref("excluded.received_at"),
            })),
          )
          .execute();
      }
    },
    async findLabels(x, deployment, requestIds) {
      const found = new Map<string, LabelRecord>();
      for (const chunk of chunks([...new Set(requestIds)], ROWS_PER_STATEMENT)) {
        const rows = await x
          .selectFrom("monitoring_labels")
          .select(["request_id", "label_number", "label_text", "received_at"])
          .where("deployment", "=", deployment)
          .where("request_id", "in", chunk)
          .execute();
        for (const r of rows) found.set(r.request_id, toLabel(r));
      }
      return found;
    },
    async labelArrivals(x, deployment, since) {
      const r = await x
        .selectFrom("monitoring_labels")
        .select((eb) => [eb.fn.countAll<number | string>().as("n"), eb.fn.max("received_at").as("last")])
        .where("deployment", "=", deployment)
        .where("received_at", ">=", since)
        .executeTakeFirst();
      const count = Number(r?.n ?? 0);
      return count === 0 ? { count } : { count, lastReceivedAt: Number(r?.last) };
    },
  };
}
