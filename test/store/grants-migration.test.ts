// Migration 0006 turns model grants stored by name into grants by model id, and drops those whose model is
// gone (they would otherwise reach the next model of that name).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Kysely } from "kysely";
import { BACKENDS } from "../support/backends.js";
import { openDatabase } from "../../src/store/database.js";
import { up } from "../../src/store/migrations/0006-grants-by-model-id.js";

for (const backend of BACKENDS) {
  describe(`migration 0006 on ${backend.name}`, () => {
    it("rewrites model grants from names to ids, drops orphans, leaves other grants alone", async () => {
      const database = await openDatabase(await backend.freshUri());
      const db = database.db;
      try {
        await db
          .insertInto("users")
          .values({
            username: "u",
            kind: "user",
            password_hash: null,
            disabled: 0,
            created_at: 1,
            created_by: "t",
          })
          .execute();
        const model = (name: string) =>
          db
            .insertInto("registered_models")
            .values({
              name,
              creation_timestamp: 1,
              last_updated_timestamp: 1,
              description: null,
              user_id: null,
            })
            .returning("id")
            .executeTakeFirstOrThrow();
        const churn = await model("churn");
        // A model called like a number, and a grant by a name that is no model's name but is churn's id: by name,
        // it named nothing, so it must not come out as a grant on churn.
        const seven = await model("7");
        const grants: Array<[string, string, string]> = [
          ["reader", "registered_model", "churn"],
          ["ml-engineer", "registered_model", "7"],
          ["reader", "registered_model", "gone"],
          ["data-scientist", "registered_model", String(churn.id)],
          ["reader", "experiment", "0"],
          ["admin", "global", ""],
        ];
        for (const [role, scopeType, scopeId] of grants) {
          await db
            .insertInto("role_grants")
            .values({
              username: "u",
              role,
              scope_type: scopeType,
              scope_id: scopeId,
              created_at: 1,
              created_by: "t",
            })
            .execute();
        }
        await up(db as unknown as Kysely<unknown>, database.dialect);
        const rows = await db
          .selectFrom("role_grants")
          .select(["role", "scope_type", "scope_id"])
          .orderBy("id")
          .execute();
        assert.deepEqual(rows, [
          { role: "reader", scope_type: "registered_model", scope_id: String(churn.id) },
          { role: "ml-engineer", scope_type: "registered_model", scope_id: String(seven.id) },
          { role: "reader", scope_type: "experiment", scope_id: "0" },
          { role: "admin", scope_type: "global", scope_id: "" },
        ]);
      } finally {
        await database.close();
      }
    });
  });
}
