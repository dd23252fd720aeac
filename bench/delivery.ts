// Progressive-delivery benchmark, in one run on loopback against the built CLI: a `flowgate server` (SQLite) with
// iris versions registered by the real mlflow client, and `flowgate models serve` processes.
//   throughput: plain `models serve -m models:/<m>/<v>` against one `models serve --deployment` replica of the
//     same model with a 90/10 split and one with a 100% shadow, all three running, measured in turn for
//     BENCH_ROUNDS rounds (the ratio is the median of the rounds'); 64 connections, closed loop, single-row JSON.
//     Twice: as auto serves the versions (logged with an input example: ONNX in-process) and on the Python
//     worker pool (--runtime python), since a split costs each runtime differently.
//   rollback: two replicas under steady open-loop load; 20 times: a new primary is written and served, then
//     `rollback` is called; the time from the call's start until every replica answers only with the old version
//     (read from the answers' X-Flowgate-Version: the send time of the first request after a replica's last
//     answer from the new version).
//   policy: the same with 20 changes of a policy value, read from the answers of a pyfunc that echoes it.
// Writes bench/results/delivery.json. Run: npm run bench:delivery   (BENCH_DURATION_S=8 per measurement, BENCH_ROUNDS=3)
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import type { DeploymentSpec } from "../src/delivery/deployment.js";
import { createDeploymentsClient, type DeploymentsClient } from "../src/sdk/deployments-client.js";
import {
  percentile,
  saturate,
  startOpenLoad,
  type LoadRecord,
  type OpenLoad,
  type SaturationResult,
} from "../test/support/load-generator.js";
import {
  REPO,
  irisBody,
  registerDeliveryModels,
  startServer,
  startServing,
  type DeliveryVersions,
  type FlowgateProcess,
} from "../test/delivery/support/delivery-processes.js";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? "8");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? "3");
const CYCLES = Number(process.env.BENCH_CYCLES ?? "20");
const CONNECTIONS = 64;
/** Open-loop rate per replica while switching. */
const SWITCH_RATE = 200;
const MODEL = "iris-bench";

type Replica = FlowgateProcess & { cacheDir: string };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

async function throughput(url: string): Promise<SaturationResult> {
  const request = (seq: number): { body: string } => ({ body: irisBody(seq) });
  await saturate({ targets: [url], connections: 8, seconds: 3, request }); // warm-up
  return saturate({ targets: [url], connections: CONNECTIONS, seconds: DURATION_S, request });
}

/** Until every replica serves the server's current routing snapshot (its /metadata shows the same ETag). */
async function applied(client: DeploymentsClient, name: string, replicas: Replica[]): Promise<void> {
  const { snapshot } = await client.routing(name);
  for (const replica of replicas) {
    for (let i = 0; ; i++) {
      const meta = (await (await fetch(`${replica.url}/metadata`)).json()) as {
        deployment?: { routing?: { etag?: string } };
      };
      if (meta.deployment?.routing?.etag === snapshot.etag) break;
      if (i > 3000) throw new Error(`${replica.url} never served revision ${snapshot.revision}`);
      await sleep(10);
    }
  }
}

/**
 * How long after `t0` (ms on the load's clock) every replica answered only with `isNew` answers: per replica, the
 * send time of the first request after its last old answer in [t0, end), the latest over the replicas.
 */
function switchMs(
  records: LoadRecord[],
  replicas: number,
  t0: number,
  end: number,
  isNew: (r: LoadRecord) => boolean,
): number {
  let latest = 0;
  for (let target = 0; target < replicas; target++) {
    const mine = records.filter((r) => r.target === target && r.sentAt >= t0 && r.sentAt < end);
    const lastOld = mine.reduce((at, r, i) => (isNew(r) ? at : i), -1);
    const first = mine[lastOld + 1];
    if (first === undefined)
      throw new Error(`replica ${target}: no answer from the new version before ${end}`);
    latest = Math.max(latest, first.sentAt - t0);
  }
  return latest;
}

interface SwitchCycle {
  callMs: number;
  appliedMs: number;
}

interface Switches {
  cycles: SwitchCycle[];
  load: { requests: number; failed: number };
}

/**
 * Runs `cycles` switches under open-loop load on `replicas`: `prepare` puts the deployment in the state before
 * the switch (and waits until it is served), `change` makes the switch, `isNew` tells an answer after it.
 */
async function switches(
  client: DeploymentsClient,
  name: string,
  replicas: Replica[],
  cycles: number,
  prepare: (cycle: number) => Promise<void>,
  change: (cycle: number) => Promise<unknown>,
  isNew: (cycle: number) => (r: LoadRecord) => boolean,
): Promise<Switches> {
  const load: OpenLoad = startOpenLoad({
    targets: replicas.map((r) => r.url),
    rate: SWITCH_RATE * replicas.length,
    keepBodies: true,
    request: (seq) => ({ body: irisBody(seq) }),
  });
  const marks: { t0: number; callMs: number; end: number }[] = [];
  let records: LoadRecord[];
  try {
    for (let cycle = 0; cycle < cycles; cycle++) {
      await prepare(cycle);
      await applied(client, name, replicas);
      await sleep(100);
      const t0 = performance.now() - load.startedAt;
      await change(cycle);
      const callMs = performance.now() - load.startedAt - t0;
      await applied(client, name, replicas);
      await sleep(200);
      marks.push({ t0, callMs, end: performance.now() - load.startedAt });
    }
  } finally {
    records = await load.stop();
  }
  return {
    cycles: marks.map((m, cycle) => ({
      callMs: round(m.callMs),
      appliedMs: round(switchMs(records, replicas.length, m.t0, m.end, isNew(cycle))),
    })),
    load: { requests: records.length, failed: records.filter((r) => r.status !== 200).length },
  };
}

function summary(cycles: SwitchCycle[]): Record<string, number> {
  const applied = cycles.map((c) => c.appliedMs).sort((a, b) => a - b);
  const calls = cycles.map((c) => c.callMs).sort((a, b) => a - b);
  return {
    cycles: cycles.length,
    applied_p50_ms: percentile(applied, 0.5),
    applied_p99_ms: percentile(applied, 0.99),
    applied_max_ms: applied[applied.length - 1] as number,
    call_p50_ms: percentile(calls, 0.5),
    call_p99_ms: percentile(calls, 0.99),
  };
}

interface ThroughputSection {
  /** What each process serves its versions with (from /metadata). */
  runtimes: Record<"plain" | "split" | "shadow", string>;
  rounds: { plain: SaturationResult; split: SaturationResult; shadow: SaturationResult }[];
  shadow_mirrored: { requests: number; dropped: number; errors: number };
  split_vs_plain_per_round: number[];
  shadow_vs_plain_per_round: number[];
  split_vs_plain: number;
  shadow_vs_plain: number;
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function runtimeOf(replica: Replica): Promise<string> {
  const meta = (await (await fetch(`${replica.url}/metadata`)).json()) as {
    models?: { version: string; runtime: string }[];
  };
  return (meta.models ?? []).map((m) => `v${m.version}: ${m.runtime}`).join(", ");
}

/** Plain serving, the 90/10 split and the 100% shadow, all three running, measured in turn round after round. */
async function throughputSection(
  client: DeploymentsClient,
  trackingUri: string,
  plainUri: string,
  extraArgs: string[],
): Promise<ThroughputSection> {
  // The three run side by side and are measured in turn, round after round: on a shared machine the load
  // drifts, and each round's ratios compare measurements taken a few seconds apart.
  const targets = await Promise.all(
    ([{ modelUri: plainUri }, { deployment: "bench-split" }, { deployment: "bench-shadow" }] as const).map(
      (target) => startServing({ trackingUri, built: true, extraArgs, ...target }),
    ),
  );
  const [plainProc, splitProc, shadowProc] = targets as [Replica, Replica, Replica];
  const rounds: ThroughputSection["rounds"] = [];
  const shadowSince = Date.now();
  let runtimes: ThroughputSection["runtimes"];
  try {
    runtimes = {
      plain: await runtimeOf(plainProc),
      split: await runtimeOf(splitProc),
      shadow: await runtimeOf(shadowProc),
    };
    console.log(`runtimes ${JSON.stringify(runtimes)}`);
    for (let i = 0; i < ROUNDS; i++) {
      const plain = await throughput(plainProc.url);
      const split = await throughput(splitProc.url);
      const shadow = await throughput(shadowProc.url);
      rounds.push({ plain, split, shadow });
      console.log(
        `round ${i + 1}: plain ${plain.reqPerS} req/s, split 90/10 ${split.reqPerS} (${JSON.stringify(split.versions)}), shadow 100% ${shadow.reqPerS}`,
      );
    }
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
  const shadowPoints = (await client.metrics("bench-shadow", { since: shadowSince, step: 1 })).shadow;
  const mirrored = {
    requests: shadowPoints.reduce((n, p) => n + p.requests, 0),
    dropped: shadowPoints.reduce((n, p) => n + p.dropped, 0),
    errors: shadowPoints.reduce((n, p) => n + p.errors, 0),
  };
  console.log("shadow mirrored", JSON.stringify(mirrored));
  const splitRatios = rounds.map((r) => round(r.split.reqPerS / r.plain.reqPerS, 2));
  const shadowRatios = rounds.map((r) => round(r.shadow.reqPerS / r.plain.reqPerS, 2));
  return {
    runtimes,
    rounds,
    shadow_mirrored: mirrored,
    split_vs_plain_per_round: splitRatios,
    shadow_vs_plain_per_round: shadowRatios,
    split_vs_plain: median(splitRatios),
    shadow_vs_plain: median(shadowRatios),
  };
}

async function main(): Promise<void> {
  const load0 = loadavg();
  const server = await startServer(undefined, { built: true });
  const results: Record<string, unknown> = {};
  try {
    const v: DeliveryVersions = await registerDeliveryModels(server.url, MODEL, { inputExample: true });
    const client = createDeploymentsClient({ trackingUri: server.url });
    const create = (spec: Omit<DeploymentSpec, "model">, reason: string) =>
      client.create({ model: MODEL, ...spec }, reason);
    const plainUri = `models:/${MODEL}/${v.good}`;

    await create(
      {
        name: "bench-split",
        primary: v.good,
        // Prediction logging (on by default) is measured by bench/monitoring.ts; here, routing alone.
        monitoring: { enabled: false },
        strategy: {
          abTest: {
            split: [
              { version: v.good, weight: 90 },
              { version: v.good_v2, weight: 10 },
            ],
          },
        },
      },
      "benchmark: 90/10 split",
    );
    await create(
      {
        name: "bench-shadow",
        primary: v.good,
        shadow: { version: v.good_v2, percent: 100 },
        monitoring: { enabled: false },
      },
      "benchmark: 100% shadow",
    );
    // Measured twice: as `auto` serves these versions (logged with an input example, so converted to ONNX and
    // run in-process) and with every process forced onto the Python worker pool (a model ONNX cannot express).
    const onAuto = await throughputSection(client, server.url, plainUri, []);
    const onPython = await throughputSection(client, server.url, plainUri, ["--runtime", "python"]);
    results.throughput = { auto: onAuto, python: onPython };

    // Rollback: the new primary (good_v2) is written, then rolled back to good, CYCLES times.
    await create({ name: "bench-rollback", primary: v.good }, "benchmark: rollback");
    const rollbackReplicas = await Promise.all(
      [0, 1].map(() => startServing({ trackingUri: server.url, deployment: "bench-rollback", built: true })),
    );
    let rollback: Switches;
    try {
      rollback = await switches(
        client,
        "bench-rollback",
        rollbackReplicas,
        CYCLES,
        (cycle) =>
          client
            .update(
              "bench-rollback",
              { name: "bench-rollback", model: MODEL, primary: v.good_v2 },
              `ship v2 (${cycle})`,
            )
            .then(() => undefined),
        (cycle) => client.rollback("bench-rollback", `v2 misbehaves (${cycle})`),
        () => (r) => r.version === v.good,
      );
    } finally {
      await Promise.all(rollbackReplicas.map((r) => r.stop()));
    }
    console.log("rollback", JSON.stringify(summary(rollback.cycles)), JSON.stringify(rollback.load));

    // Policy: the policy model echoes the threshold it was given; each cycle writes a new one.
    const thresholdOf = (r: LoadRecord): number | undefined => {
      try {
        return (JSON.parse(r.text ?? "") as { predictions: { threshold: number }[] }).predictions[0]
          ?.threshold;
      } catch {
        return undefined;
      }
    };
    const policySpec = (threshold: number): DeploymentSpec => ({
      name: "bench-policy",
      model: MODEL,
      primary: v.policy,
      policy: {
        schema: {
          type: "object",
          properties: { threshold: { type: "number", minimum: 0, maximum: 1 } },
          required: ["threshold"],
        },
        values: { threshold },
      },
    });
    const thresholdAt = (cycle: number): number => round(0.31 + 0.01 * cycle, 2);
    await client.create(policySpec(0.3), "benchmark: policy");
    const policyReplicas = await Promise.all(
      [0, 1].map(() => startServing({ trackingUri: server.url, deployment: "bench-policy", built: true })),
    );
    let policy: Switches;
    try {
      policy = await switches(
        client,
        "bench-policy",
        policyReplicas,
        CYCLES,
        async () => undefined,
        (cycle) =>
          client.update("bench-policy", policySpec(thresholdAt(cycle)), `threshold ${thresholdAt(cycle)}`),
        (cycle) => (r) => thresholdOf(r) === thresholdAt(cycle),
      );
    } finally {
      await Promise.all(policyReplicas.map((r) => r.stop()));
    }
    console.log("policy", JSON.stringify(summary(policy.cycles)), JSON.stringify(policy.load));

    Object.assign(results, {
      rollback: { ...summary(rollback.cycles), load: rollback.load, cycles_ms: rollback.cycles },
      policy_change: { ...summary(policy.cycles), load: policy.load, cycles_ms: policy.cycles },
    });
    const ratios = {
      split_vs_plain: onAuto.split_vs_plain,
      shadow_vs_plain: onAuto.shadow_vs_plain,
      split_vs_plain_python: onPython.split_vs_plain,
      shadow_vs_plain_python: onPython.shadow_vs_plain,
    };
    const report = {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        loadavg_before: load0,
        loadavg_after: loadavg(),
        note: "shared with other workloads",
      },
      setup: {
        model:
          "iris LogisticRegression versions logged with an input example; throughput measured as auto serves them (results.throughput.auto: ONNX in-process, see its runtimes) and forced onto the Python worker pool (results.throughput.python, --runtime python, 2 workers per version); policy: a pyfunc echoing its threshold (Python runtime)",
        request: "single-row dataframe_split JSON",
        throughput: {
          connections: CONNECTIONS,
          duration_s: DURATION_S,
          rounds: ROUNDS,
          replicas: 1,
          ratio: "median over the rounds of deployment req/s / plain req/s in the same round",
        },
        switches: { replicas: 2, open_loop_req_per_s_per_replica: SWITCH_RATE, cycles: CYCLES },
      },
      results,
      ...ratios,
      rollback_p99_ms: summary(rollback.cycles).applied_p99_ms,
      policy_p99_ms: summary(policy.cycles).applied_p99_ms,
      goals: {
        split_vs_plain: 0.8,
        shadow_vs_plain: 0.45,
        rollback_p99_ms: 1000,
        policy_p99_ms: 1000,
        note: "the throughput goals apply to each runtime: split_vs_plain/shadow_vs_plain are auto's, *_python the worker pool's",
      },
    };
    writeFileSync(path.join(REPO, "bench/results/delivery.json"), JSON.stringify(report, null, 2) + "\n");
    console.log(
      JSON.stringify({
        ...ratios,
        rollback_p99_ms: report.rollback_p99_ms,
        policy_p99_ms: report.policy_p99_ms,
      }),
    );
  } finally {
    await server.stop();
  }
}

await main();
