// Registered models and experiments get `name_key`, the form under which two names are the same name
// (core/name-rules.ts: NFKC, accents dropped, case folded), with a unique index: a look-alike of an
// existing name is then refused by the engine itself, also when two creates race.
// Existing rows get their key here. Where existing names already collide (e.g. "Prod" and "prod", created
// before this rule), the oldest row (lowest id) keeps the key and the others keep a NULL key: they stay
// usable under their exact names, and no new look-alike of them can be created, but renaming one of them
// to its own name is needed to give it a key. If nameKey ever changes, a new migration recomputes the keys.
// Frozen once shipped.
import { sql, type Kysely } from "kysely";
import { nameKey } from "../../core/name-rules.js";
import type { Dialect } from "../dialect.js";

async function addKeys(db: Kysely<unknown>, table: "registered_models" | "experiments", id: string) {
  await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN name_key TEXT`.execute(db);
  const rows = await sql<{ id: number; name: string }>`
    SELECT ${sql.ref(id)} AS id, name FROM ${sql.table(table)} ORDER BY ${sql.ref(id)}
  `.execute(db);
  const taken = new Set<string>();
  for (const row of rows.rows) {
    const key = nameKey(row.name);
    if (taken.has(key)) continue;
    taken.add(key);
    await sql`UPDATE ${sql.table(table)} SET name_key = ${key} WHERE ${sql.ref(id)} = ${row.id}`.execute(db);
  }
  await sql`CREATE UNIQUE INDEX ${sql.raw(`${table}_by_name_key`)} ON ${sql.table(table)} (name_key)`.execute(
    db,
  );
}

export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  await addKeys(db, "registered_models", "id");
  await addKeys(db, "experiments", "experiment_id");
}
