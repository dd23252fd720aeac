// The cluster bus: servers over one PostgreSQL tell each other what changed in their memory (LISTEN/NOTIFY).
// PostgreSQL only: on SQLite there is one server, and its bus sends nothing.
import { describe, it, after, before } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { openDatabase, type Database } from "../../src/store/database.js";
import { createDeploymentChanges } from "../../src/delivery/deployment-changes.js";
import { createLoginThrottle } from "../../src/governance/auth/login-throttle.js";
import { systemClock } from "../../src/core/clock.js";
import { freshPostgresDatabase } from "../support/postgres.js";

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the cluster bus over PostgreSQL", () => {
  let a: Database;
  let b: Database;
  before(async () => {
    const uri = await freshPostgresDatabase();
    [a, b] = await Promise.all([openDatabase(uri), openDatabase(uri)]);
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  /** A message published on `from` and seen by `to`, proving both ends are listening. */
  async function connected(from: Database, to: Database): Promise<void> {
    const seen: string[] = [];
    const probe = `probe-${Math.random()}`;
    to.bus.subscribe("deployment_changed", (m) => seen.push(m));
    await until(() => {
      from.bus.publish("deployment_changed", probe);
      return seen.includes(probe);
    });
  }

  it("delivers a message to the other servers, not back to its sender", async () => {
    await connected(a, b);
    const atA: string[] = [];
    const atB: string[] = [];
    a.bus.subscribe("login_failed", (m) => atA.push(m));
    b.bus.subscribe("login_failed", (m) => atB.push(m));
    a.bus.publish("login_failed", "from a");
    await until(() => atB.includes("from a"));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(atA, [], "the sender applies its own change directly");
  });

  it("wakes a routing long-poll on another server when a deployment changes", async () => {
    const onA = createDeploymentChanges(a.bus);
    const onB = createDeploymentChanges(b.bus);
    await connected(a, b);
    const started = Date.now();
    const waiting = onB.wait("fraud-detector", 20_000);
    await new Promise((r) => setTimeout(r, 50));
    onA.notify("fraud-detector");
    await waiting;
    assert.ok(Date.now() - started < 10_000, "woken by the notice, long before the 20 s wait ends");
  });

  it("makes every server's login throttle count failures made on any of them", () => {
    const throttleA = createLoginThrottle(systemClock, a.bus);
    const throttleB = createLoginThrottle(systemClock, b.bus);
    const attempt = { address: "203.0.113.7", username: "alice" };
    for (let i = 0; i < 6; i++) throttleA.failed(attempt);
    assert.ok(throttleA.refusal(attempt) !== undefined);
    return until(() => throttleB.refusal(attempt) !== undefined).then(() => {
      assert.match(throttleB.refusal(attempt)!.reason, /Too many failed logins for 'alice'/);
    });
  });

  it("listens again after its connection is killed", async () => {
    await connected(a, b);
    // Every LISTEN connection of this database, as an operator or a failover would drop them.
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and query like 'LISTEN%' and pid <> pg_backend_pid()`.execute(
      a.db,
    );
    await connected(a, b);
    await connected(b, a);
  });
});
