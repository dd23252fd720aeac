// Stream-scoring benchmark on loopback: real brokers — Apache Kafka (KRaft), Redis Streams (redis-server) and
// NATS JetStream (nats-server) — and `flowgate stream score` processes scoring the iris classifier
// (scikit-learn saved by the real mlflow, served on the ONNX runtime). Per broker, the same two scenarios:
//   throughput: 100k events, one consumer process draining them (--idle-exit); its events/s over the busy span
//     (first event pulled → last commit/ack), as it reports it.
//   exactly once: 100k events (+ a few bad ones) and two consumers of one group; the first is SIGKILLed once it
//     has scored 20k, the survivor finishes its work (Kafka: a rebalance hands it the partitions; Redis: it
//     claims the dead consumer's pending entries after claimIdle; NATS: the durable redelivers the unacked
//     messages after ack_wait). The whole output stream, read back, must hold every event id exactly once and
//     the DLQ exactly the bad events. (Redis and NATS drop a republished id within the sink's dedupe window,
//     600 s here, far longer than a run.)
// Writes bench/results/stream.json (one entry per broker). Run: npm run bench:stream   (BENCH_EVENTS=100000;
// BENCH_BROKERS=kafka,redis,nats runs some and prints without writing; BENCH_CPU_PROF=<dir> profiles the
// throughput consumer with --cpu-prof).
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { Consumer as KafkaConsumer, FetchIsolationLevels } from "@platformatic/kafka";
import { Redis } from "ioredis";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { JetStreamPublisher } from "../src/stream/nats-publisher.js";
import { freePort } from "../test/support/free-port.js";
import { createTopic, produce as kafkaProduce, readCommitted, startKafka } from "../test/support/kafka.js";
import { startNats } from "../test/support/nats.js";
import { startRedis } from "../test/support/redis.js";
import { modelDir, PYTHON, REPO } from "../test/serving/support/serving-fixtures.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? "100000");
const BROKERS = (process.env.BENCH_BROKERS ?? "kafka,redis,nats").split(",");
const CPU_PROF = process.env.BENCH_CPU_PROF;
const BAD = ["{not json", JSON.stringify({ id: "bad-type", sepal_length: "long" }), "[1,2]"];
const GOAL = 20000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((l) => Number(l.toFixed(2)));

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

async function consumer(
  model: string,
  cacheRoot: string,
  args: string[],
  nodeFlags: string[] = [],
): Promise<Consumer> {
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
      ...nodeFlags,
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

async function metrics(c: Consumer): Promise<string> {
  try {
    return await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
  } catch {
    return "";
  }
}

async function scored(c: Consumer): Promise<number> {
  const match = /flowgate_stream_events_total\{[^}]*outcome="scored"[^}]*\} (\d+)/.exec(await metrics(c));
  return match ? Number(match[1]) : 0;
}

/** Until the consumer serves /metrics: its source, sink and DLQ are open (a NATS durable exists). */
async function serving(c: Consumer): Promise<void> {
  while ((await metrics(c)) === "") {
    if (c.child.exitCode !== null) throw new Error(`consumer exited ${c.child.exitCode}: ${c.stderr()}`);
    await sleep(100);
  }
}

/** What the scenarios need of one broker; `in`/`out`/`dlq` are stream (topic) names. */
interface Harness {
  broker: string;
  describe: string;
  source(stream: string, group: string, kill: boolean): string;
  sink(stream: string): string;
  /** Input streams exist before a consumer starts (Kafka: with 4 partitions). */
  create(stream: string): Promise<void>;
  produce(stream: string, values: string[]): Promise<void>;
  /** Records in the output stream so far (cheap: polled while the survivor works). */
  count(stream: string): Promise<number>;
  /** Every output record's id, in stream order, read back as a downstream reader would. */
  ids(stream: string): Promise<string[]>;
  /** The DLQ's records, each {id, reason, payload}. */
  dead(stream: string): Promise<Array<{ payload: string; reason: string }>>;
  /** Extra flags per consumer of the kill scenario (Redis: a consumer name each). */
  consumerFlags(name: string): string[];
  /** Start the two consumers one after the other (the second once the first serves). */
  sequentialStart: boolean;
  /** Work the killed consumer left behind (Redis: its pending entries, which the survivor must claim). */
  leftAtKill?(): Promise<number>;
  /** Broker-specific facts about the output after the kill scenario. */
  extra?(out: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

async function kafkaHarness(): Promise<Harness> {
  const kafka = await startKafka();
  const b = kafka.bootstrap;
  return {
    broker: "kafka",
    describe: "Apache Kafka 4.1.1, one KRaft node (broker+controller) on loopback, topics of 4 partitions",
    source: (stream, group, kill) =>
      `kafka://${b}/${stream}?group=${group}` + (kill ? "&sessionTimeout=6000&transactionTimeout=5000" : ""),
    sink: (stream) => `kafka://${b}/${stream}`,
    create: (stream) => createTopic(b, stream, 4),
    produce: (stream, values) => kafkaProduce(b, stream, values),
    count: async (stream) => (await readCommitted(b, stream)).length,
    ids: async (stream) => (await readCommitted(b, stream)).map((r) => r.key),
    dead: async (stream) =>
      (await readCommitted(b, stream)).map((r) => JSON.parse(r.value) as { payload: string; reason: string }),
    consumerFlags: () => [],
    sequentialStart: false,
    extra: async (out) => ({ output_partitions_end_vs_last_stable: await outputOffsets(b, out) }),
    stop: () => kafka.stop(),
  };
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

async function redisHarness(): Promise<Harness> {
  const server = await startRedis();
  const redis = new Redis(server.url);
  /** Every entry's fields, read in pages (XRANGE with an exclusive start after the last id). */
  const entries = async (stream: string): Promise<string[][]> => {
    const all: string[][] = [];
    let from = "-";
    for (;;) {
      const page = await redis.xrange(stream, from, "+", "COUNT", 10000);
      for (const [, fields] of page) all.push(fields);
      if (page.length < 10000) return all;
      from = `(${page.at(-1)?.[0] as string}`;
    }
  };
  return {
    broker: "redis",
    describe: "Redis (Debian redis-server) on loopback, appendonly yes; a consumer group per scenario",
    // claimIdle 5 s: the survivor claims the dead consumer's pending entries 5 s after it last touched them.
    source: (stream, group, kill) =>
      `${server.url}/${stream}?group=${group}` + (kill ? "&claimIdle=5000" : ""),
    sink: (stream) => `${server.url}/${stream}`,
    create: async () => {},
    produce: async (stream, values) => {
      for (let i = 0; i < values.length; i += 10000) {
        const pipeline = redis.pipeline();
        for (const value of values.slice(i, i + 10000)) pipeline.xadd(stream, "*", "value", value);
        await pipeline.exec();
      }
    },
    count: (stream) => redis.xlen(stream),
    // The sink writes fields `id`, `value`.
    ids: async (stream) => (await entries(stream)).map((fields) => fields[1] as string),
    dead: async (stream) =>
      (await entries(stream)).map(
        (fields) => JSON.parse(fields[3] as string) as { payload: string; reason: string },
      ),
    consumerFlags: (name) => ["--consumer", name],
    sequentialStart: false,
    // The victim's entries read but never acked: the survivor must claim them.
    leftAtKill: async () =>
      ((await redis.call("XPENDING", "kill-in", "kill", "-", "+", 100000, "victim")) as unknown[]).length,
    extra: async () => ({
      pending_in_group_after: ((await redis.call("XPENDING", "kill-in", "kill")) as unknown[])[0],
    }),
    stop: async () => {
      await redis.quit();
      await server.stop();
    },
  };
}

async function natsHarness(): Promise<Harness> {
  const server = await startNats();
  const nc: NatsConnection = await connect({ servers: server.url.replace("nats://", "") });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  const messages = async (stream: string) =>
    (await jsm.streams.info(stream).catch(() => undefined))?.state.messages ?? 0;
  /** Every payload in a stream, read from its first message by an ordered (ack-less, ephemeral) consumer. */
  const payloads = async (stream: string): Promise<string[]> => {
    const total = await messages(stream);
    const out: string[] = [];
    if (total === 0) return out;
    const reader = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All });
    const iter = await reader.consume({ max_messages: 5000 });
    for await (const m of iter) {
      out.push(m.string());
      if (out.length >= total) break;
    }
    await iter.close();
    return out;
  };
  return {
    broker: "nats",
    describe:
      "NATS JetStream (Debian nats-server 2.9.10) on loopback, file storage; one durable per scenario",
    // ackWait 5 s: the unacked messages of the dead process are redelivered 5 s after their delivery.
    source: (stream, group, kill) =>
      `${server.url}/${stream}?subject=${stream}&consumer=${group}` + (kill ? "&ackWait=5000" : ""),
    sink: (stream) => `${server.url}/${stream}?subject=${stream}`,
    create: async (stream) => {
      await jsm.streams.add({ name: stream, subjects: [stream] });
    },
    produce: async (stream, values) => {
      const publisher = new JetStreamPublisher(nc, stream);
      for (let i = 0; i < values.length; i += 10000) {
        await publisher.publish(
          values.slice(i, i + 10000).map((v, j) => ({ id: `in-${i + j}`, value: Buffer.from(v) })),
        );
      }
      publisher.close();
    },
    count: messages,
    ids: async (stream) => (await payloads(stream)).map((p) => String((JSON.parse(p) as { id: unknown }).id)),
    dead: async (stream) =>
      (await payloads(stream)).map((p) => JSON.parse(p) as { payload: string; reason: string }),
    consumerFlags: () => [],
    // Both open one durable: only the first creates it.
    sequentialStart: true,
    extra: async () => {
      const durable = await jsm.consumers.info("kill-in", "kill");
      return {
        // Deliveries beyond one per message: the victim's unacked messages handed out again after ack_wait.
        redelivered: durable.delivered.consumer_seq - (EVENTS + BAD.length),
        durable_ack_pending_after: durable.num_ack_pending,
      };
    },
    stop: async () => {
      await nc.close();
      await server.stop();
    },
  };
}

async function throughput(h: Harness, model: string, cacheRoot: string): Promise<Record<string, unknown>> {
  await h.create("tp-in");
  await h.produce(
    "tp-in",
    Array.from({ length: EVENTS }, (_, i) => event(i, "tp")),
  );
  const loadAtStart = load();
  const nodeFlags =
    CPU_PROF === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", path.join(CPU_PROF, h.broker)];
  const one = await consumer(
    model,
    cacheRoot,
    [
      ...["--source", h.source("tp-in", "tp", false), "--sink", h.sink("tp-out"), "--dlq", h.sink("tp-dlq")],
      ...["--max-batch", "5000", "--max-in-flight", "40000", "--idle-exit", "3"],
    ],
    nodeFlags,
  );
  const code = await one.exited;
  if (code !== 0) throw new Error(`${h.broker} throughput consumer exited ${code}: ${one.stderr()}`);
  const summary = JSON.parse(one.stdout().trim().split("\n").at(-1) as string) as Record<string, number>;
  const ids = await h.ids("tp-out");
  return {
    processes: 1,
    loadavg_at_start: loadAtStart,
    scored: summary.scored,
    dead: summary.dead,
    commits: summary.commits,
    busy_seconds: summary.seconds,
    events_per_second: Math.round(summary.eventsPerSecond ?? 0),
    goal_events_per_second: GOAL,
    met: (summary.eventsPerSecond ?? 0) >= GOAL,
    output_records: ids.length,
    output_unique_ids: new Set(ids).size,
  };
}

async function exactlyOnce(h: Harness, model: string, cacheRoot: string): Promise<Record<string, unknown>> {
  await h.create("kill-in");
  const args = (name: string) => [
    ...[
      "--source",
      h.source("kill-in", "kill", true),
      "--sink",
      h.sink("kill-out"),
      "--dlq",
      h.sink("kill-dlq"),
    ],
    ...["--max-batch", "2000", "--max-in-flight", "10000", ...h.consumerFlags(name)],
  ];
  const loadAtStart = load();
  let victim: Consumer;
  let survivor: Consumer;
  if (h.sequentialStart) {
    victim = await consumer(model, cacheRoot, args("victim"));
    await serving(victim);
    survivor = await consumer(model, cacheRoot, args("survivor"));
  } else {
    [victim, survivor] = await Promise.all([
      consumer(model, cacheRoot, args("victim")),
      consumer(model, cacheRoot, args("survivor")),
    ]);
  }
  try {
    await Promise.all([serving(victim), serving(survivor)]);
    const started = Date.now();
    const half = Math.floor(EVENTS / 2);
    // Produced while the consumers work, so that the kill comes mid-stream with work in the victim's hands.
    const producing = h.produce("kill-in", [
      ...Array.from({ length: half }, (_, i) => event(i, "k")),
      ...BAD,
      ...Array.from({ length: EVENTS - half }, (_, i) => event(half + i, "k")),
    ]);
    let victimScored = 0;
    while ((victimScored = await scored(victim)) < Math.min(20000, EVENTS / 5)) {
      if (victim.child.exitCode !== null) throw new Error(`consumer exited: ${victim.stderr()}`);
      await sleep(20);
    }
    victim.child.kill("SIGKILL");
    const killedAt = Date.now();
    // Acks the victim wrote before it died may still be on their way to the broker.
    await sleep(300);
    const left = await h.leftAtKill?.();
    await producing;
    const producedAt = Date.now();
    while ((await h.count("kill-out")) < EVENTS && Date.now() - killedAt < 180_000) {
      if (survivor.child.exitCode !== null) throw new Error(`survivor exited: ${survivor.stderr()}`);
      await sleep(500);
    }
    const finishedAt = Date.now();
    // The output is complete; the survivor's last acks follow its publishes: lag 0 says they are in.
    const lagDeadline = Date.now() + 30_000;
    while (!/flowgate_stream_lag_events(\{[^}]*\})? 0\n/.test(await metrics(survivor))) {
      if (Date.now() > lagDeadline) break;
      await sleep(200);
    }
    const survivorScored = await scored(survivor);
    survivor.child.kill("SIGTERM");
    const survivorCode = await survivor.exited;
    const ids = await h.ids("kill-out");
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const dead = await h.dead("kill-dlq");
    const missing = Array.from({ length: EVENTS }, (_, i) => `k-${i}`).filter((id) => !counts.has(id));
    return {
      consumers: 2,
      loadavg_at_start: loadAtStart,
      killed: `SIGKILL after it had committed ${victimScored} events`,
      ...(left !== undefined && { left_unacked_at_kill: left }),
      survivor_scored: survivorScored,
      survivor_exit_code_after_sigterm: survivorCode,
      output_records: ids.length,
      unique_ids: counts.size,
      ids_more_than_once: [...counts.values()].filter((n) => n > 1).length,
      ids_missing: missing.length,
      ...(await h.extra?.("kill-out")),
      dlq_records: dead.length,
      dlq_only_bad_events: dead.length === BAD.length && dead.every((d) => BAD.includes(d.payload)),
      dlq_reasons: dead.map((d) => d.reason.slice(0, 120)),
      seconds_from_kill_to_complete_output: (finishedAt - killedAt) / 1000,
      seconds_from_kill_to_all_produced: (producedAt - killedAt) / 1000,
      seconds_total: (finishedAt - started) / 1000,
      exactly_once: ids.length === EVENTS && counts.size === EVENTS && missing.length === 0,
    };
  } finally {
    for (const c of [victim, survivor]) if (c.child.exitCode === null) c.child.kill("SIGKILL");
  }
}

const HARNESSES: Record<string, () => Promise<Harness>> = {
  kafka: kafkaHarness,
  redis: redisHarness,
  nats: natsHarness,
};

async function main(): Promise<void> {
  const model = await modelDir("classifier");
  const cacheRoot = path.join(tmpdir(), `flowgate-stream-cache-${path.basename(path.dirname(model))}`);
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg_at_start: load() },
    model: "iris RandomForest (scikit-learn, saved by mlflow 3), ONNX runtime via skl2onnx, 1 ONNX thread",
    events: EVENTS,
    bad_events: BAD.length,
  };
  const brokers: Record<string, unknown> = {};
  report.brokers = brokers;
  for (const name of BROKERS) {
    const open = HARNESSES[name];
    if (open === undefined) throw new Error(`BENCH_BROKERS: unknown broker '${name}'`);
    const h = await open();
    try {
      const entry: Record<string, unknown> = { broker: h.describe };
      brokers[name] = entry;
      entry.throughput = await throughput(h, model, cacheRoot);
      console.log(name, "throughput", entry.throughput);
      entry.exactly_once = await exactlyOnce(h, model, cacheRoot);
      console.log(name, "exactly once", entry.exactly_once);
    } finally {
      await h.stop();
    }
  }
  report.summary = Object.fromEntries(
    Object.entries(brokers).map(([name, e]) => {
      const { throughput: t, exactly_once: x } = e as Record<string, Record<string, unknown>>;
      return [name, { events_per_second: t?.events_per_second, exactly_once: x?.exactly_once }];
    }),
  );
  console.log(report.summary);
  if (process.env.BENCH_BROKERS === undefined) {
    writeFileSync(path.join(REPO, "bench/results/stream.json"), JSON.stringify(report, null, 2) + "\n");
  }
  process.exit(0);
}

await main();
