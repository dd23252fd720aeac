// Registered-model grants name the model by its id, not its name: a grant then follows a rename and cannot
// reach a later model that reuses a deleted model's name (ids are never reused). Grants whose model no
// longer exists are dropped: they gave nothing but would have reached the next model of that name.
// Frozen once shipped.
import { sql, type Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  const grants = await sql<{ id: number; scope_id: string; model_id: number | null }>`
    SELECT g.id, g.scope_id, rm.id AS model_id
    FROM role_grants g LEFT JOIN registered_models rm ON rm.name = g.scope_id
    WHERE g.scope_type = 'registered_model'
  `.execute(db);
  // Row by row: converting names to ids in one UPDATE could let a not-yet-converted name that looks like a
  // number meet an id.
  for (const g of grants.rows) {
    if (g.model_id === null) {
      await sql`DELETE FROM role_grants WHERE id = ${g.id}`.execute(db);
    } else {
      await sql`UPDATE role_grants SET scope_id = ${String(g.model_id)} WHERE id = ${g.id}`.execute(db);
    }
  }
}
