// Applies the numbered migrations, and refuses to run against a schema written by a newer Flowgate
// (a migration recorded in the database that this build does not know).
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from "kysely";
import { FlowgateError } from "../core/errors.js";
import type { Dialect } from "./dialect.js";
import { MIGRATIONS } from "./migrations/index.js";

export async function migrateToLatest<DB>(db: Kysely<DB>, dialect: Dialect): Promise<void> {
  // Migrations see the database untyped: they build the tables the typed schema describes.
  const database = db as unknown as Kysely<unknown>;
  const provider: MigrationProvider = {
    getMigrations: async () =>
      Object.fromEntries(
        MIGRATIONS.map((m): [string, Migration] => [m.name, { up: (trx) => m.up(trx, dialect) }]),
      ),
  };
  const migrator = new Migrator({ db: database, provider });
  const applied = await appliedMigrationNames(database);
  const known = new Set(MIGRATIONS.map((m) => m.name));
  const unknown = applied.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new FlowgateError(
      "INVALID_STATE",
      `The database schema is newer than this Flowgate (unknown migrations: ${unknown.join(", ")}). ` +
        "Upgrade Flowgate, or point it at another database.",
    );
  }
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error instanceof Error ? error : new Error(JSON.stringify(error));
}

async function appliedMigrationNames(db: Kysely<unknown>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === "kysely_migration")) return [];
  const result = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return result.rows.map((r) => r.name);
}
