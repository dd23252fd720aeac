// PostgreSQL only: a costly search cannot hold the store hostage. Searches run on their own small pool, so
// however many are stuck, every other request still gets a connection; and the statement timeout cancels a
// search that runs too long, answered as a 400 the client can act on. "Slow" is made deterministic here by
// holding a lock the searches must wait for, released only when the test says so.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { sql } from "kysely";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { openDatabase, POOL_SIZES } from "../../src/store/database.js";
import { requestFaultOf } from "../../src/store/db-errors.js";

const API = "/api/2.0/mlflow";
const postgres = BACKENDS.find((b) => b.name === "postgresql");
if (postgres === undefined) throw new Error("no PostgreSQL back end");

/** Takes an exclusive lock on the runs table in an open transaction: every runs search waits for it. */
async function lockRuns(uri: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  await client.query("begin");
  await client.query("lock table runs in access exclusive mode");
  return {
    async release() {
      await client.query("rollback");
      await client.end();
    },
  };
}

describe("the statement timeout on PostgreSQL", () => {
  it("cancels a statement that runs longer, reported as a 400 naming the timeout", async () => {
    const database = await openDatabase(await postgres.freshUri(), { statementTimeoutMs: 200 });
    try {
      for (const executor of [database.db, database.searchDb]) {
        const err = await sql`select pg_sleep(5)`.execute(executor).then(
          () => undefined,
          (e: unknown) => e,
        );
        const fault = requestFaultOf(err);
        assert.equal(fault?.code, "BAD_REQUEST");
        assert.equal(fault.status, 400);
        assert.match(fault.message, /statement timeout/);
      }
      // The connection is still usable after the cancellation.
      const ok = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      assert.equal(ok.rows[0]?.one, 1);
    } finally {
      await database.close();
    }
  });

  it("answers a search stuck longer than --statement-timeout with 400 BAD_REQUEST, not a 500", async () => {
    const uri = await postgres.freshUri();
    const server = await startTestServer(postgres, { backendStoreUri: uri, statementTimeoutSeconds: 1 });
    try {
      const experimentId = (await call(server, "POST", `${API}/experiments/create`, { name: "slow" })).body
        .experiment_id as string;
      const lock = await lockRuns(uri);
      try {
        const res = await call(server, "POST", `${API}/runs/search`, { experiment_ids: [experimentId] });
        assert.equal(res.status, 400);
        assert.equal(res.body.error_code, "BAD_REQUEST");
        assert.match(res.body.message, /statement timeout/);
      } finally {
        await lock.release();
      }
    } finally {
      await server.close();
    }
  });
});

describe("searches on PostgreSQL have their own bounded pool", () => {
  let server: TestServer;
  let uri: string;
  let experimentId: string;
  before(async () => {
    uri = await postgres.freshUri();
    // No statement timeout: the stuck searches stay stuck until the lock goes.
    server = await startTestServer(postgres, { backendStoreUri: uri, statementTimeoutSeconds: 0 });
    experimentId = (await call(server, "POST", `${API}/experiments/create`, { name: "busy" })).body
      .experiment_id as string;
  });
  after(() => server.close());

  it("still serves other requests while more searches are stuck than the whole pool has connections", async () => {
    const lock = await lockRuns(uri);
    const stuck = Array.from({ length: POOL_SIZES.main + 2 }, () =>
      call(server, "POST", `${API}/runs/search`, { experiment_ids: [experimentId] }),
    );
    try {
      // Wait until the search pool's connections are all waiting on the lock.
      const admin = new pg.Client({ connectionString: uri });
      await admin.connect();
      try {
        for (;;) {
          const waiting = await admin.query<{ n: string }>(
            "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
          );
          if (Number(waiting.rows[0]?.n) >= POOL_SIZES.search) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // Before the separate pool, these waited for the lock with the searches (51 s in the probe).
        const read = await call(server, "GET", `${API}/experiments/get`, { experiment_id: experimentId });
        assert.equal(read.status, 200);
        const write = await call(server, "POST", `${API}/experiments/set-experiment-tag`, {
          experiment_id: experimentId,
          key: "k",
          value: "v",
        });
        assert.equal(write.status, 200);
        const waiting = await admin.query<{ n: string }>(
          "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        );
        assert.equal(
          Number(waiting.rows[0]?.n),
          POOL_SIZES.search,
          "searches beyond the search pool queue in Node",
        );
      } finally {
        await admin.end();
      }
    } finally {
      await lock.release();
    }
    for (const res of await Promise.all(stuck)) assert.equal(res.status, 200);
  });
});
