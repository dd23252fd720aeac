// Progressive delivery end to end on loopback: a real `flowgate server` (SQLite), model versions registered by the
// real mlflow client, and two `flowgate models serve --deployment` replicas following one deployment through its
// life — a sticky A/B test, a broken then a slow shadow, a canary that fails one input in ten (rolled back by the
// controller while load runs), and a registry outage (server killed; a replica restarted from its cache).
// The load is open-loop at a steady rate and every answer is recorded with the version that gave it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { DeploymentSpec, Route } from "../../src/delivery/deployment.js";
import type { DeploymentView } from "../../src/delivery/deployment.js";
import { createDeploymentsClient, type DeploymentsClient } from "../../src/sdk/deployments-client.js";
import {
  percentile,
  runClosedLoad,
  runOpenLoad,
  startOpenLoad,
  type LoadRecord,
} from "../support/load-generator.js";
import {
  badCanaryFails,
  irisBody,
  registerDeliveryModels,
  startServer,
  startServing,
  type DeliveryVersions,
  type FlowgateProcess,
} from "./support/delivery-processes.js";

const MODEL = "iris-e2e";
const NAME = "iris-e2e";
const RATE = 200;

type Replica = FlowgateProcess & { cacheDir: string };

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err as Error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? "" : `: ${last.message}`}`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- /metadata is read as the replica writes it
async function metadata(replica: Replica): Promise<any> {
  return (await fetch(`${replica.url}/metadata`)).json();
}

/** Waits until every replica serves the server's current routing snapshot (same ETag). */
async function applied(client: DeploymentsClient, replicas: Replica[]): Promise<void> {
  const { snapshot } = await client.routing(NAME);
  for (const replica of replicas) {
    await until(`${replica.url} to serve revision ${snapshot.revision} (${snapshot.etag})`, async () =>
      (await metadata(replica)).deployment?.routing?.etag === snapshot.etag ? true : undefined,
    );
  }
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

/** Failures described for an assertion message: status, version and text of the first few. */
function describeFailures(records: LoadRecord[]): string {
  const failed = records.filter((r) => r.status !== 200);
  return `${failed.length} failed: ${JSON.stringify(failed.slice(0, 5))}`;
}

describe(
  "progressive delivery end to end (server, real mlflow client, two serving replicas)",
  {
    timeout: 900_000,
  },
  () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    let v: DeliveryVersions;
    let client: DeploymentsClient;
    let replicas: Replica[] = [];

    const spec = (rest: Partial<DeploymentSpec> = {}): DeploymentSpec => ({
      name: NAME,
      model: MODEL,
      primary: v.good,
      ...rest,
    });

    before(async () => {
      server = await startServer();
      v = await registerDeliveryModels(server.url, MODEL);
      client = createDeploymentsClient({ trackingUri: server.url });
      await client.create(spec(), "serve the first iris model");
      replicas = await Promise.all(
        [0, 1].map(() => startServing({ trackingUri: server.url, deployment: NAME })),
      );
    });

    after(async () => {
      await Promise.all(replicas.map((r) => r.stop()));
      await server?.stop();
    });

    test("sticky A/B: over 10k requests every key stays on one version (on both replicas), each share within ±2 points of its weight", async () => {
      await client.update(
        NAME,
        spec({
          strategy: {
            abTest: {
              split: [
                { version: v.good, weight: 70 },
                { version: v.good_v2, weight: 30 },
              ],
              sticky: { header: "x-user" },
            },
          },
        }),
        "A/B: 30% of users on the retrained model",
      );
      await applied(client, replicas);
      // 2,500 users, 4 requests each; a user's requests alternate between the replicas.
      const users = 2500;
      const records = await runClosedLoad({
        targets: replicas.map((r) => r.url),
        connections: 16,
        total: 4 * users,
        request: (seq) => ({
          target: Math.floor(seq / users) % 2,
          body: irisBody(seq),
          headers: { "x-user": `user-${seq % users}` },
          tag: `user-${seq % users}`,
        }),
      });
      assert.equal(records.length, 10_000);
      assert.ok(
        records.every((r) => r.status === 200),
        describeFailures(records),
      );
      const versionsOf = new Map<string, Set<string>>();
      for (const r of records) {
        const seen = versionsOf.get(r.tag as string) ?? new Set();
        seen.add(r.version as string);
        versionsOf.set(r.tag as string, seen);
      }
      const split = [...versionsOf].filter(([, versions]) => versions.size !== 1);
      assert.deepEqual(split, [], "users answered by more than one version");
      const shares = countBy(records, (r) => r.version as string);
      assert.deepEqual(Object.keys(shares).sort(), [v.good, v.good_v2].sort());
      const percent = (version: string): number => ((shares[version] ?? 0) / records.length) * 100;
      assert.ok(Math.abs(percent(v.good) - 70) <= 2, `${v.good}: ${percent(v.good)}% of requests, weight 70`);
      assert.ok(
        Math.abs(percent(v.good_v2) - 30) <= 2,
        `${v.good_v2}: ${percent(v.good_v2)}% of requests, weight 30`,
      );
    });

    for (const [shadow, what] of [
      ["raising", "errors"],
      ["slow", "slowness"],
    ] as const) {
      test(`a shadow's ${what} never reach callers: every answer is the primary's 200, sooner than the shadow could answer`, async () => {
        const since = Date.now();
        await client.update(
          NAME,
          spec({ shadow: { version: v[shadow], percent: 100 } }),
          `shadow the ${shadow} version`,
        );
        const load = startOpenLoad({
          targets: replicas.map((r) => r.url),
          rate: RATE,
          request: (seq) => ({ body: irisBody(seq) }),
        });
        let records: LoadRecord[];
        try {
          await applied(client, replicas);
          // A replica mirrors requests to the shadow once it has loaded it.
          for (const replica of replicas) {
            await until(`${replica.url} to load the ${shadow} shadow`, async () =>
              ((await metadata(replica)).deployment?.loaded as string[]).includes(v[shadow])
                ? true
                : undefined,
            );
          }
          await new Promise((r) => setTimeout(r, 4000));
        } finally {
          records = await load.stop();
        }
        assert.ok(records.length > 0);
        assert.ok(
          records.every((r) => r.status === 200),
          describeFailures(records),
        );
        assert.deepEqual(
          countBy(records, (r) => r.version ?? "none"),
          { [v.good]: records.length },
        );
        // The shadow did run, as the replicas' windows say: it failed, or took its second (and under this load
        // most requests were dropped from it rather than queued)…
        const { shadow: points } = await client.metrics(NAME, { since, step: 1 });
        assert.ok(
          points.some((p) => (shadow === "raising" ? p.errors > 0 : p.p99 >= 1000)),
          JSON.stringify(points),
        );
        // …and callers did not wait for it: had they, every one would have taken at least the slow shadow's 1 s.
        const latencies = records.map((r) => r.latencyMs).sort((a, b) => a - b);
        assert.ok(percentile(latencies, 0.5) < 1000, `median ${percentile(latencies, 0.5)} ms`);
      });
    }

    test("a canary failing 10% of its requests is rolled back automatically under steady load; no request the primary answered fails", async () => {
      const load = startOpenLoad({
        targets: replicas.map((r) => r.url),
        rate: RATE,
        request: (seq) => ({ body: irisBody(seq) }),
      });
      let records: LoadRecord[];
      let degraded: DeploymentView;
      try {
        await client.update(
          NAME,
          spec({
            strategy: {
              canary: {
                version: v.bad_canary,
                steps: [
                  { setWeight: 20 },
                  { pause: {} },
                  { analysis: { templates: ["error-rate"] } },
                  { setWeight: 50 },
                  { pause: {} },
                ],
              },
            },
            analysisTemplates: [
              {
                name: "error-rate",
                interval: "1s",
                count: 3,
                failureLimit: 1,
                successCondition: "result < 0.02",
                provider: { serving: { metric: "error_rate" } },
              },
            ],
          }),
          "canary the pyfunc candidate",
        );
        // The ramp waits at 20% until both replicas route to the loaded canary, then its analysis runs.
        for (const replica of replicas) {
          await until(`${replica.url} to give the canary 20%`, async () => {
            const routes = ((await metadata(replica)).deployment?.routing?.routes ?? []) as Route[];
            return routes.some((r) => r.role === "canary" && r.weight === 20) ? true : undefined;
          });
        }
        await client.promote(NAME, "the canary is loaded on every replica");
        degraded = await until("the rollout to be rolled back", async () => {
          const d = await client.get(NAME);
          return d.status.phase === "Degraded" ? d : undefined;
        });
        // Load goes on until each replica has answered 200 requests in a row from the primary.
        for (const target of [0, 1]) {
          await until(`replica ${target} to answer only from the primary`, async () => {
            const mine = [...load.records].filter((r) => r.target === target).sort((a, b) => a.seq - b.seq);
            const tail = mine.slice(-200);
            return tail.length === 200 && tail.every((r) => r.version === v.good) ? true : undefined;
          });
        }
      } finally {
        records = await load.stop();
      }

      assert.deepEqual(
        records.filter((r) => r.status === 0),
        [],
        "every request was answered",
      );
      const byPrimary = records.filter((r) => r.version === v.good);
      const byCanary = records.filter((r) => r.version === v.bad_canary);
      assert.ok(
        byPrimary.every((r) => r.status === 200),
        `the primary's share: ${describeFailures(byPrimary)}`,
      );
      assert.deepEqual(
        countBy(records, (r) => r.version ?? "none"),
        {
          [v.good]: byPrimary.length,
          [v.bad_canary]: byCanary.length,
        },
      );
      // The canary got traffic and failed exactly the inputs it fails on.
      assert.ok(
        byCanary.some((r) => badCanaryFails(r.seq)),
        "the canary answered inputs it fails on",
      );
      for (const r of byCanary) assert.equal(r.status === 200, !badCanaryFails(r.seq), JSON.stringify(r));

      // The controller measured the error rate, judged it against its threshold, and put the primary back at 100%.
      const failed = degraded.status.analyses
        .flatMap((a) => a.measurements)
        .filter((m) => m.phase === "Failed");
      assert.ok(failed.length >= 2, JSON.stringify(degraded.status.analyses));
      for (const m of failed) {
        assert.equal(m.successCondition, "result < 0.02");
        assert.ok(m.value !== undefined && m.value >= 0.02, JSON.stringify(m));
      }
      const { snapshot } = await client.routing(NAME);
      assert.deepEqual(
        snapshot.routes.filter((r) => r.weight > 0).map((r) => [r.version, r.weight]),
        [[v.good, 100]],
      );
      // After a replica's last canary answer, everything it answered came from the primary.
      for (const target of [0, 1]) {
        const mine = records.filter((r) => r.target === target);
        const lastCanary = Math.max(...mine.filter((r) => r.version === v.bad_canary).map((r) => r.seq));
        const afterwards = mine.filter((r) => r.seq > lastCanary);
        assert.ok(afterwards.length >= 200);
        assert.ok(afterwards.every((r) => r.version === v.good && r.status === 200));
      }
    });

    test("registry outage: with the server killed serving stays at 100%, and a replica restarted meanwhile comes up from its cache", async () => {
      const both = replicas.map((r) => r.url);
      const load = startOpenLoad({ targets: both, rate: RATE, request: (seq) => ({ body: irisBody(seq) }) });
      let during: LoadRecord[];
      try {
        await new Promise((r) => setTimeout(r, 2000));
        await server.kill();
        await new Promise((r) => setTimeout(r, 3000));
      } finally {
        during = await load.stop();
      }
      assert.ok(
        during.every((r) => r.status === 200 && r.version === v.good),
        describeFailures(during),
      );

      // Replica 1 is restarted (same cache, same port) while the server is still down; replica 0 carries the load.
      const [first, second] = replicas as [Replica, Replica];
      const alone = startOpenLoad({
        targets: [first.url],
        rate: RATE,
        request: (seq) => ({ body: irisBody(seq) }),
      });
      let restarted: Replica;
      let meanwhile: LoadRecord[];
      try {
        await second.stop();
        restarted = await startServing({
          trackingUri: server.url,
          deployment: NAME,
          cacheDir: second.cacheDir,
          port: second.port,
        });
        replicas[1] = restarted;
      } finally {
        meanwhile = await alone.stop();
      }
      assert.ok(
        meanwhile.every((r) => r.status === 200),
        describeFailures(meanwhile),
      );
      const health = await fetch(`${restarted.url}/health`);
      assert.equal(health.status, 200);
      assert.match(
        JSON.stringify(await health.json()),
        /serving revision \d+, control plane unreachable since \d{4}-\d\d-\d\dT/,
      );

      const after = await runOpenLoad({
        targets: [first.url, restarted.url],
        rate: RATE,
        seconds: 3,
        request: (seq) => ({ body: irisBody(seq) }),
      });
      assert.ok(
        after.every((r) => r.status === 200 && r.version === v.good),
        describeFailures(after),
      );
      assert.ok(after.some((r) => r.target === 1));
    });
  },
);
