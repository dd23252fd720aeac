// Stream-scoring benchmark on loopback: a real Apache Kafka broker (KRaft) and `flowgate stream score`
// processes scoring the iris classifier (scikit-learn saved by the real mlflow, served on the ONNX runtime).
//   throughput: 100k events in a 4-partition topic, one consumer process draining it (--idle-exit); its
//     events/s over the busy span (first event pulled → last transaction committed), as it reports it.
//   exactly once: 100k events (+ a few bad ones) and two consumers of one group; the first is SIGKILLed once it
//     has scored 20k, the survivor takes its partitions and finishes; the output topic, read as a read_committed
//     consumer reads it, must hold every event id exactly once and the DLQ exactly the bad events.
// Writes bench/results/stream.json. Run: npm run bench:stream   (BENCH_EVENTS=100000)
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { Consumer as KafkaConsumer, FetchIsolationLevels } from "@platformatic/kafka";
import { freePort } from "../test/support/free-port.js";
import { createTopic, produce, readCommitted, startKafka } from "../test/support/kafka.js";
import { modelDir, PYTHON, REPO } from "../test/serving/support/serving-fixtures.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? "100000");
const BAD = ["{not json", JSON.stringify({ id: "bad-type", sepal_length: "long" }), "[1,2]"];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function event(i: number, prefix: string): string {
  const f = (k: number) => ((i * 7919 + k * 104729) % 1000) / 1000;
  return JSON.stringify({
    id: `${prefix}-${i}`,
    sepal_length: 4 + 4 * f(1),
    sepal_width: 2 + 2.5 * f(2),
    petal_length: 1 + 6 * f(3),
    petal_width: 0.1 + 2.4 * f(4),
  });
}

interface Consumer {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

async function consumer(model: string, cacheRoot: string, args: string[]): Promise<Consumer> {
  const port = await freePort();
  const entry = path.join(REPO, "src/cli/commands/stream.ts");
  const script = [
    `const { Command } = await import("commander");`,
    `const { registerStreamCommand } = await import(${JSON.stringify(entry)});`,
    `const program = new Command().name("flowgate"); registerStreamCommand(program);`,
    `await program.parseAsync([process.argv[0], "flowgate", ...process.argv.slice(1)]);`,
  ].join(" ");
  const child = spawn(
    process.execPath,
    [
      ...["--import", "tsx", "--input-type=module", "-e", script],
      ...["stream", "score", "-m", model, "--metrics-port", String(port), ...args],
    ],
    {
      env: {
        ...process.env,
        FLOWGATE_CACHE_DIR: cacheRoot,
        FLOWGATE_PYTHON: PYTHON,
        FLOWGATE_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  return { child, port, stdout: () => stdout, stderr: () => stderr, exited };
}

async function scored(c: Consumer): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
    const match = /flowgate_stream_events_total\{[^}]*outcome="scored"[^}]*\} (\d+)/.exec(text);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Per partition of a topic: its end offset and its last stable offset (an open transaction holds the latter). */
async function outputOffsets(
  bootstrap: string,
  topic: string,
): Promise<Array<{ end: string; stable: string }>> {
  const consumer = new KafkaConsumer({
    clientId: "bench",
    groupId: "bench-offsets",
    bootstrapBrokers: [bootstrap],
  });
  try {
    const ends =
      (
        await consumer.listOffsets({ topics: [topic], isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED })
      ).get(topic) ?? [];
    const stable =
      (
        await consumer.listOffsets({ topics: [topic], isolationLevel: FetchIsolationLevels.READ_COMMITTED })
      ).get(topic) ?? [];
    return ends.map((e, i) => ({ end: String(e), stable: String(stable[i]) }));
  } finally {
    await consumer.close();
  }
}

async function main(): Promise<void> {
  const [kafka, model] = await Promise.all([startKafka(), modelDir("classifier")]);
  const cacheRoot = path.join(tmpdir(), `flowgate-stream-cache-${path.basename(path.dirname(model))}`);
  const b = kafka.bootstrap;
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg_at_start: loadavg().map((l) => Number(l.toFixed(2))) },
    broker: "Apache Kafka 4.1.1, one KRaft node (broker+controller) on loopback, topics of 4 partitions",
    model: "iris RandomForest (scikit-learn, saved by mlflow 3), ONNX runtime via skl2onnx, 1 ONNX thread",
    events: EVENTS,
  };
  try {
    // Throughput of one process.
    await createTopic(b, "tp-in", 4);
    await produce(
      b,
      "tp-in",
      Array.from({ length: EVENTS }, (_, i) => event(i, "tp")),
    );
    const one = await consumer(model, cacheRoot, [
      ...["--source", `kafka://${b}/tp-in?group=tp`, "--sink", `kafka://${b}/tp-out`],
      ...[
        "--dlq",
        `kafka://${b}/tp-dlq`,
        "--max-batch",
        "5000",
        "--max-in-flight",
        "40000",
        "--idle-exit",
        "3",
      ],
    ]);
    const code = await one.exited;
    if (code !== 0) throw new Error(`throughput consumer exited ${code}: ${one.stderr()}`);
    const summary = JSON.parse(one.stdout().trim().split("\n").at(-1) as string) as Record<string, number>;
    const tpOut = await readCommitted(b, "tp-out");
    report.throughput = {
      processes: 1,
      scored: summary.scored,
      dead: summary.dead,
      transactions: summary.commits,
      busy_seconds: summary.seconds,
      events_per_second: Math.round(summary.eventsPerSecond ?? 0),
      goal_events_per_second: 20000,
      met: (summary.eventsPerSecond ?? 0) >= 20000,
      output_records: tpOut.length,
      output_unique_ids: new Set(tpOut.map((r) => r.key)).size,
    };
    console.log("throughput", report.throughput);

    // Exactly once with a consumer killed mid-way.
    await createTopic(b, "kill-in", 4);
    const source = `kafka://${b}/kill-in?group=kill&sessionTimeout=6000&transactionTimeout=5000`;
    const args = [
      ...["--source", source, "--sink", `kafka://${b}/kill-out`, "--dlq", `kafka://${b}/kill-dlq`],
      ...["--max-batch", "2000", "--max-in-flight", "10000"],
    ];
    const [victim, survivor] = await Promise.all([
      consumer(model, cacheRoot, args),
      consumer(model, cacheRoot, args),
    ]);
    const started = Date.now();
    const half = Math.floor(EVENTS / 2);
    await produce(b, "kill-in", [
      ...Array.from({ length: half }, (_, i) => event(i, "k")),
      ...BAD,
      ...Array.from({ length: EVENTS - half }, (_, i) => event(half + i, "k")),
    ]);
    while ((await scored(victim)) < Math.min(20000, EVENTS / 5)) {
      if (victim.child.exitCode !== null) throw new Error(`consumer exited: ${victim.stderr()}`);
      await sleep(20);
    }
    const victimScored = await scored(victim);
    victim.child.kill("SIGKILL");
    const killedAt = Date.now();
    let out = await readCommitted(b, "kill-out");
    while (out.length < EVENTS && Date.now() - killedAt < 180_000) {
      await sleep(500);
      out = await readCommitted(b, "kill-out");
    }
    const finishedAt = Date.now();
    const survivorScored = await scored(survivor);
    survivor.child.kill("SIGTERM");
    const survivorCode = await survivor.exited;
    out = await readCommitted(b, "kill-out");
    const counts = new Map<string, number>();
    for (const r of out) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
    const dead = (await readCommitted(b, "kill-dlq")).map(
      (r) => JSON.parse(r.value) as { payload: string; reason: string },
    );
    const offsets = await outputOffsets(b, "kill-out");
    const missing = Array.from({ length: EVENTS }, (_, i) => `k-${i}`).filter((id) => !counts.has(id));
    report.exactly_once = {
      consumers: 2,
      killed: "SIGKILL after it had committed " + victimScored + " events",
      survivor_scored: survivorScored,
      survivor_exit_code_after_sigterm: survivorCode,
      output_records: out.length,
      unique_ids: counts.size,
      ids_more_than_once: [...counts.values()].filter((n) => n > 1).length,
      ids_missing: missing.length,
      output_partitions_end_vs_last_stable: offsets,
      dlq_records: dead.length,
      dlq_only_bad_events: dead.length === BAD.length && dead.every((d) => BAD.includes(d.payload)),
      dlq_reasons: dead.map((d) => d.reason.slice(0, 120)),
      seconds_from_kill_to_complete_output: (finishedAt - killedAt) / 1000,
      seconds_total: (finishedAt - started) / 1000,
      exactly_once: out.length === EVENTS && counts.size === EVENTS && missing.length === 0,
    };
    console.log("exactly once", report.exactly_once);
  } finally {
    await kafka.stop();
  }
  writeFileSync(path.join(REPO, "bench/results/stream.json"), JSON.stringify(report, null, 2) + "\n");
  process.exit(0);
}

await main();
