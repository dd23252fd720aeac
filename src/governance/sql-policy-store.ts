// SQL of stored promotion policy documents ("" is the server default; otherwise a model name).
import type { Executor } from "../store/database.js";

export interface PolicyRow {
  document: string;
  updatedAt: number;
  updatedBy: string;
}

export interface PolicyStore {
  get(x: Executor, key: string): Promise<PolicyRow | undefined>;
  put(x: Executor, key: string, row: PolicyRow): Promise<void>;
  delete(x: Executor, key: string): Promise<void>;
}

export function createSqlPolicyStore(): PolicyStore {
  return {
    async get(x, key) {
      const r = await x
        .selectFrom("promotion_policies")
        .selectAll()
        .where("model_name", "=", key)
        .executeTakeFirst();
      return r === undefined
        ? undefined
        : { document: r.document, updatedAt: Number(r.updated_at), updatedBy: r.updated_by };
    },
    async put(x, key, row) {
      const values = { document: row.document, updated_at: row.updatedAt, updated_by: row.updatedBy };
      const res = await x
        .updateTable("promotion_policies")
        .set(values)
        .where("model_name", "=", key)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) {
        await x
          .insertInto("promotion_policies")
          .values({ model_name: key, ...values })
          .execute();
      }
    },
    async delete(x, key) {
      await x.deleteFrom("promotion_policies").where("model_name", "=", key).execute();
    },
  };
}
