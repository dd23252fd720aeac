// Opens the metadata database from a backend-store URI (the same URIs `mlflow server` takes) and applies
// migrations. Everything above this layer talks to `Database`, never to a driver.
import path from "node:path";
import { mkdirSync } from "node:fs";
import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from "kysely";
import { invalidParameter } from "../core/errors.js";
import { postgresDialect, sqliteDialect, type Dialect } from "./dialect.js";
import type { Schema } from "./schema.js";
import { migrateToLatest } from "./migrate.js";

export type Executor = Kysely<Schema> | Transaction<Schema>;

export interface Database {
  readonly db: Kysely<Schema>;
  readonly dialect: Dialect;
  /** Runs `fn` in one transaction: everything it writes commits together or not at all. */
  transaction<T>(fn: (trx: Transaction<Schema>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `sqlite:///rel.db` → `rel.db`; `sqlite:////abs.db` → `/abs.db`; `sqlite:///:memory:` → in-memory. */
function sqlitePath(uri: string): string {
  const rest = uri.slice("sqlite://".length);
  if (rest === "" || rest === "/" || rest === "/:memory:" || rest === ":memory:") return ":memory:";
  if (!rest.startsWith("/")) throw invalidParameter(`Invalid SQLite URI '${uri}': use sqlite:///<path>.`);
  return rest.slice(1);
}

function openSqlite(uri: string): Kysely<Schema> {
  const file = sqlitePath(uri);
  if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers run while a writer commits; busy_timeout makes a second server process wait for the
  // write lock instead of failing; LIKE must be case-sensitive as in MLflow (ILIKE is the insensitive one).
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("busy_timeout = 10000");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("case_sensitive_like = ON");
  sqlite.pragma("synchronous = NORMAL");
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
}

function openPostgres(uri: string): Kysely<Schema> {
  // MLflow users write SQLAlchemy URIs such as postgresql+psycopg2://; the driver part means nothing here.
  const connectionString = uri.replace(/^postgres(ql)?(\+\w+)?:\/\//, "postgresql://");
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    types: {
      // int8 → number: our int8 columns are ms timestamps, steps and ids, all well inside 2^53.
      getTypeParser: ((oid: number, format?: "text" | "binary"): unknown =>
        oid === 20
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}

export async function openDatabase(uri: string): Promise<Database> {
  let db: Kysely<Schema>;
  let dialect: Dialect;
  if (uri.startsWith("sqlite:")) {
    db = openSqlite(uri);
    dialect = sqliteDialect;
  } else if (/^postgres(ql)?(\+\w+)?:\/\//.test(uri)) {
    db = openPostgres(uri);
    dialect = postgresDialect;
  } else {
    throw invalidParameter(
      `Unsupported backend store URI '${uri}': use sqlite:///<path> or postgresql://user:password@host:port/db.`,
    );
  }
  try {
    await migrateToLatest(db, dialect);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    db,
    dialect,
    transaction: (fn) => db.transaction().execute(fn),
    close: () => db.destroy(),
  };
}
