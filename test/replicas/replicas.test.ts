// Several stateless servers over one PostgreSQL behind a real load balancer (HAProxy), as seed 003 runs the
// registry: both start together on an empty database; under a steady write load one is killed with SIGKILL, and
// nothing acknowledged is lost, no version number is given twice, every webhook event is delivered once (by its
// webhook-id: a send the victim had in flight at the kill is sent again under the same id), and a
// canary in progress goes on from the survivor within 5 s. PostgreSQL only: replicas need a shared database
// server (several processes over one SQLite file are not a deployment Flowgate supports).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { freshPostgresDatabase } from "../support/postgres.js";
import { startHaproxy, type Haproxy } from "../support/haproxy.js";
import { startServer, type FlowgateProcess } from "../delivery/support/delivery-processes.js";
import { FAST_DELIVERY_ENV, Receiver } from "../webhooks/receiver.js";

const SECRET = "replicas-webhook-secret";
const MODEL = "replicated";
const DEPLOYMENT = "replicated-canary";
const PAUSE_STEPS = 40;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response JSON
type Json = any;

async function post(base: string, route: string, body: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: await bodyOf(res) };
}

/** The JSON answer; the balancer's own error pages (502, 503) are HTML. */
async function bodyOf(res: Response): Promise<Json> {
  const text = await res.text();
  try {
    return text === "" ? {} : JSON.parse(text);
  } catch {
    return { text };
  }
}

async function get(base: string, route: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}${route}`, { signal: AbortSignal.timeout(20_000) });
  return { status: res.status, body: await bodyOf(res) };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("two Flowgate servers over one PostgreSQL behind HAProxy", () => {
  let uri: string;
  let servers: FlowgateProcess[];
  let lb: Haproxy;
  let receiver: Receiver;

  before(async () => {
    uri = await freshPostgresDatabase();
    receiver = new Receiver(SECRET);
    await receiver.start();
    const artifacts = mkdtempSync(path.join(tmpdir(), "flowgate-replicas-"));
    const env = {
      ...FAST_DELIVERY_ENV,
      // One key for every replica: each must open the webhook secrets another sealed.
      FLOWGATE_SECRET_KEY: "replicas-shared-secret-key".padEnd(40, "k"),
      // A delivery claimed by a killed server is sent by the other 3 s later.
      FLOWGATE_WEBHOOK_TIMEOUT_MS: "2000",
      FLOWGATE_WEBHOOK_LEASE_MS: "3000",
    };
    // Started together on the empty database: both migrate and seed under the start-up lock.
    servers = await Promise.all(
      ["a", "b"].map((n) =>
        startServer({ backendStoreUri: uri, artifacts, cache: path.join(artifacts, `cache-${n}`) }, { env }),
      ),
    );
    lb = await startHaproxy(servers.map((s) => s.url));
  });

  after(async () => {
    await lb?.stop();
    await Promise.all((servers ?? []).map((s) => s.stop()));
    await receiver?.stop();
  });

  it("both come up when started together on an empty database", async () => {
    for (const s of servers) assert.equal((await fetch(`${s.url}/health`)).status, 200);
    const db = new pg.Client({ connectionString: uri });
    await db.connect();
    try {
      const migrations = await db.query("select count(*)::int as n from kysely_migration");
      assert.ok(migrations.rows[0].n > 0);
      const defaults = await db.query("select count(*)::int as n from experiments where experiment_id = 0");
      assert.equal(defaults.rows[0].n, 1, "one Default experiment, seeded once");
    } finally {
      await db.end();
    }
  });

  it("loses no acknowledged write, gives no version number twice, delivers every event once, and keeps a canary going when one server is killed", async () => {
    const base = lb.url;
    assert.equal((await post(base, "/api/2.0/mlflow/registered-models/create", { name: MODEL })).status, 200);
    const hook = await post(base, "/api/2.0/mlflow/webhooks", {
      name: "replicas",
      url: receiver.url,
      secret: SECRET,
      events: [{ entity: "MODEL_VERSION", action: "CREATED" }],
    });
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    const run = await post(base, "/api/2.0/mlflow/runs/create", { experiment_id: "0" });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    const runId: string = run.body.run.info.run_id;
    const source = `${run.body.run.info.artifact_uri}/model`;
    const createVersion = () =>
      post(base, "/api/2.0/mlflow/model-versions/create", { name: MODEL, source, run_id: runId });
    for (let i = 0; i < 2; i++) assert.equal((await createVersion()).status, 200);

    // A canary of many short pauses: it moves a step every second while a controller holds its lease.
    const steps = Array.from({ length: PAUSE_STEPS }, () => ({ pause: { duration: "1s" } }));
    const created = await post(base, "/api/flowgate/v1/deployments", {
      spec: { name: DEPLOYMENT, model: MODEL, primary: "1", strategy: { canary: { version: "2", steps } } },
      reason: "replicas test",
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const stepOf = async (): Promise<number> =>
      (await get(base, `/api/flowgate/v1/deployments/${DEPLOYMENT}`)).body.deployment.status
        .stepIndex as number;
    await until("the canary to move", async () => ((await stepOf()) >= 2 ? true : undefined)).catch(
      async (err: unknown) => {
        const d = await get(base, `/api/flowgate/v1/deployments/${DEPLOYMENT}`);
        throw new Error(`${String(err)}: ${JSON.stringify(d.body.deployment?.status)}`);
      },
    );

    // Steady writes through the balancer from 8 clients: runs with a metric each, and new model versions.
    const acked = { runs: [] as string[], metrics: [] as [string, number][], versions: [] as number[] };
    let failedWrites = 0;
    let writing = true;
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; writing; i++) {
        try {
          if (i % 2 === 0) {
            const r = await createVersion();
            if (r.status === 200) acked.versions.push(Number(r.body.model_version.version));
            else failedWrites++;
          } else {
            const r = await post(base, "/api/2.0/mlflow/runs/create", { experiment_id: "0" });
            if (r.status !== 200) {
              failedWrites++;
              continue;
            }
            const id: string = r.body.run.info.run_id;
            acked.runs.push(id);
            const m = await post(base, "/api/2.0/mlflow/runs/log-metric", {
              run_id: id,
              key: "loss",
              value: w + i / 1000,
              timestamp: Date.now(),
              step: i,
            });
            if (m.status === 200) acked.metrics.push([id, w + i / 1000]);
            else failedWrites++;
          }
        } catch {
          failedWrites++; // no answer: not acknowledged, so not counted as written
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await new Promise((r) => setTimeout(r, 2000));

    // Kill the server whose controller holds the canary's lease, as a crash or an OOM kill would.
    const db = new pg.Client({ connectionString: uri });
    await db.connect();
    let killedAt: number;
    let stepAtKill: number;
    try {
      const lease = await db.query("select holder from controller_leases where deployment = $1", [
        DEPLOYMENT,
      ]);
      const pid = Number(String(lease.rows[0]?.holder ?? "").split(":")[1]);
      const victim = servers.find((s) => s.child.pid === pid);
      assert.ok(victim !== undefined, `the lease holder ${lease.rows[0]?.holder} is one of the servers`);
      stepAtKill = await stepOf();
      await victim.kill();
      killedAt = Date.now();
    } finally {
      await db.end();
    }
    // The survivor takes the lease over and moves the canary on.
    const movedAt = await until("the survivor to move the canary", async () =>
      (await stepOf()) > stepAtKill ? Date.now() : undefined,
    );
    await new Promise((r) => setTimeout(r, 3000));
    writing = false;
    await Promise.all(writers);

    const survivor = servers.find((s) => s.child.exitCode === null && s.child.signalCode === null)!;
    assert.ok(movedAt - killedAt < 5000, `the canary moved ${movedAt - killedAt} ms after the kill`);

    // Every acknowledged run and metric is there.
    assert.ok(acked.runs.length > 20, `only ${acked.runs.length} runs were written`);
    for (const id of acked.runs) {
      const r = await get(survivor.url, `/api/2.0/mlflow/runs/get?run_id=${id}`);
      assert.equal(r.status, 200, `acknowledged run ${id} is lost`);
    }
    for (const [id, value] of acked.metrics) {
      const h = await get(survivor.url, `/api/2.0/mlflow/metrics/get-history?run_id=${id}&metric_key=loss`);
      assert.ok(
        (h.body.metrics as { value: number }[]).some((m) => m.value === value),
        `acknowledged metric of ${id} is lost`,
      );
    }
    // Version numbers: each acknowledged once, and the registry holds no number twice.
    assert.equal(new Set(acked.versions).size, acked.versions.length, "a version number was given twice");
    const listed = await get(
      survivor.url,
      `/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent(`name='${MODEL}'`)}&max_results=10000`,
    );
    const numbers = (listed.body.model_versions as { version: string }[]).map((v) => Number(v.version));
    assert.equal(new Set(numbers).size, numbers.length, "the registry holds a version number twice");
    for (const v of acked.versions) assert.ok(numbers.includes(v), `acknowledged version ${v} is lost`);
    assert.deepEqual(
      [...numbers].sort((x, y) => x - y),
      Array.from({ length: numbers.length }, (_, i) => i + 1),
      "version numbers have no gaps",
    );

    // Every version created (also those whose answer the kill swallowed) is announced by exactly one event, and a
    // receiver that keeps the `webhook-id`s it has seen (as the Standard Webhooks receivers do) takes each event
    // once. A send is at least once: the victim may be killed after the receiver took a delivery and before it
    // recorded the answer; the survivor then sends it again when its lease lapses, under the same `webhook-id`.
    const versionOf = (r: { json: { data: Record<string, unknown> } }) => Number(r.json.data.version);
    await until(
      "every version's webhook event",
      async () => (new Set(receiver.received.map(versionOf)).size >= numbers.length ? true : undefined),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const eventsOf = new Map<number, Set<string>>();
    const sends = new Map<string, number>();
    for (const r of receiver.received) {
      eventsOf.set(versionOf(r), (eventsOf.get(versionOf(r)) ?? new Set()).add(r.id));
      sends.set(r.id, (sends.get(r.id) ?? 0) + 1);
    }
    const twice = [...eventsOf].filter(([, ids]) => ids.size > 1).map(([v]) => v);
    assert.deepEqual(twice, [], "a version was announced by more than one event");
    assert.deepEqual(
      [...eventsOf.keys()].sort((x, y) => x - y),
      [...numbers].sort((x, y) => x - y),
      "every version in the registry was announced",
    );
    // Sent again: only what the victim had in flight when it died (one dispatcher pass at most).
    const resent = [...sends.values()].filter((n) => n > 1).length;
    assert.ok(resent <= 20, `${resent} deliveries were sent again; only those in flight at the kill may be`);
    assert.ok(
      receiver.received.every((r) => r.verified),
      "every delivery is signed with the shared key",
    );
    console.log(
      `replicas: ${acked.runs.length} runs, ${acked.metrics.length} metrics, ${acked.versions.length} versions ` +
        `acknowledged; ${failedWrites} writes failed around the kill; canary moved ${movedAt - killedAt} ms after it; ` +
        `${resent} deliveries in flight at the kill sent again under their webhook-id`,
    );
  });
});
