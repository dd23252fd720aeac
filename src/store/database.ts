// Opens the metadata database from a backend-store URI (the same URIs `mlflow server` takes) and applies
// migrations. Everything above this layer talks to `Database`, never to a driver.
import path from "node:path";
import { mkdirSync } from "node:fs";
import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from "kysely";
import { invalidParameter } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { localClusterBus, postgresClusterBus, type ClusterBus } from "./cluster-bus.js";
import { postgresDialect, sqliteDialect, type Dialect } from "./dialect.js";
import type { Schema } from "./schema.js";
import { migrateToLatest } from "./migrate.js";

export type Executor = Kysely<Schema> | Transaction<Schema>;

export interface Database {
  readonly db: Kysely<Schema>;
  /**
   * The executor for searches (runs, experiments, registry, logged models). On PostgreSQL it has its own
   * small pool: however many slow searches arrive at once, they wait for each other, and the main pool's
   * connections stay free for every other request. On SQLite (one connection, synchronous) it is `db`.
   */
  readonly searchDb: Kysely<Schema>;
  readonly dialect: Dialect;
  /** Runs `fn` in one transaction: everything it writes commits together or not at all. */
  transaction<T>(fn: (trx: Transaction<Schema>) => Promise<T>): Promise<T>;
  /** What this server tells the other servers over the same database (PostgreSQL LISTEN/NOTIFY). */
  readonly bus: ClusterBus;
  /**
   * Runs `fn` while no other server over this database runs its own `exclusively` (a PostgreSQL advisory
   * lock): start-up work such as seeding the Default experiment and the first admin, which two servers
   * starting together on an empty database would otherwise both attempt. On SQLite it just runs `fn`.
   */
  exclusively<T>(fn: () => Promise<T>): Promise<T>;
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

/** How the PostgreSQL pools are sized and bounded. */
export interface DatabaseOptions {
  /**
   * PostgreSQL cancels any statement that runs longer (ms), so one costly query cannot hold a connection
   * and its CPU indefinitely; db-errors.ts reports the cancellation as a 400. 0 turns it off.
   */
  statementTimeoutMs?: number;
  /** Where the cluster bus reports a dropped LISTEN connection. */
  logger?: Logger;
}

/** The advisory lock key for migrations and start-up seeding (any constant unique to Flowgate). */
const STARTUP_LOCK = 0x466c6f77; // "Flow"

/** Runs `fn` holding the start-up advisory lock on one pinned connection of `db`. */
async function underStartupLock<T>(db: Kysely<Schema>, fn: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${STARTUP_LOCK})`.execute(conn);
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(${STARTUP_LOCK})`.execute(conn);
    }
  });
}

export const POOL_SIZES = { main: 10, search: 4 } as const;

function openPostgres(uri: string, max: number, statementTimeoutMs: number): Kysely<Schema> {
  // MLflow users write SQLAlchemy URIs such as postgresql+psycopg2://; the driver part means nothing here.
  const connectionString = uri.replace(/^postgres(ql)?(\+\w+)?:\/\//, "postgresql://");
  const pool = new pg.Pool({
    connectionString,
    max,
    // Sent as a startup parameter: every connection of the pool has it from its first statement on.
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
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

export async function openDatabase(uri: string, options: DatabaseOptions = {}): Promise<Database> {
  const timeout = options.statementTimeoutMs ?? 0;
  let db: Kysely<Schema>;
  let searchDb: Kysely<Schema>;
  let dialect: Dialect;
  if (uri.startsWith("sqlite:")) {
    db = openSqlite(uri);
    searchDb = db;
    dialect = sqliteDialect;
  } else if (/^postgres(ql)?(\+\w+)?:\/\//.test(uri)) {
    // Migrations run without the statement timeout: building an index over a large table may take longer.
    // Under the start-up lock, so two servers starting together on an empty database migrate one after the
    // other (the second finds nothing left to do) instead of racing to create the same tables.
    const migrator = openPostgres(uri, 2, 0);
    try {
      await underStartupLock(migrator, () => migrateToLatest(migrator, postgresDialect));
    } finally {
      await migrator.destroy();
    }
    db = openPostgres(uri, POOL_SIZES.main, timeout);
    searchDb = openPostgres(uri, POOL_SIZES.search, timeout);
    dialect = postgresDialect;
  } else {
    throw invalidParameter(
      `Unsupported backend store URI '${uri}': use sqlite:///<path> or postgresql://user:password@host:port/db.`,
    );
  }
  if (dialect.engine === "sqlite") {
    try {
      await migrateToLatest(db, dialect);
    } catch (err) {
      await db.destroy();
      throw err;
    }
  }
  const main = db;
  const bus =
    dialect.engine === "postgresql"
      ? postgresClusterBus(
          uri.replace(/^postgres(ql)?(\+\w+)?:\/\//, "postgresql://"),
          (channel, payload) => sql`select pg_notify(${channel}, ${payload})`.execute(main),
          options.logger,
        )
      : localClusterBus();
  return {
    db,
    searchDb,
    dialect,
    bus,
    transaction: (fn) => db.transaction().execute(fn),
    exclusively: (fn) => (dialect.engine === "postgresql" ? underStartupLock(main, fn) : fn()),
    close: async () => {
      await bus.close();
      await db.destroy();
      if (searchDb !== db) await searchDb.destroy();
    },
  };
}
