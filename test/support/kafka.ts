// A real Apache Kafka broker for the streaming tests and bench: one KRaft node (broker and controller in one
// JVM, no ZooKeeper) on free loopback ports, from the jars scripts/setup-kafka.sh resolves into
// .services/kafka/libs. One per test file; stopped after its tests.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { Admin, ConnectionPool, Consumer, FetchIsolationLevels, Producer } from "@platformatic/kafka";
import { committedRecords, fetchCommitted } from "../../src/stream/kafka-fetch.js";
import { freePort } from "./free-port.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const LIBS = path.join(ROOT, ".services", "kafka", "libs");

export interface KafkaBroker {
  /** `127.0.0.1:<port>`: the bootstrap address, as in `kafka://127.0.0.1:<port>/<topic>`. */
  bootstrap: string;
  stop(): Promise<void>;
}

const running: ChildProcess[] = [];
after(() => {
  for (const child of running) child.kill("SIGKILL");
});

function ensureJars(): void {
  if (existsSync(LIBS) && readdirSync(LIBS).some((f) => f.startsWith(".flowgate-kafka-"))) return;
  const setup = spawnSync(path.join(ROOT, "scripts", "setup-kafka.sh"), { stdio: "inherit" });
  if (setup.status !== 0) throw new Error("scripts/setup-kafka.sh failed");
}

function java(args: string[]): string[] {
  // Small heap and serial GC: a test broker holds a few MB of data, and the machine's two cores are shared.
  return ["-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", `${LIBS}/*`, ...args];
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function startKafka(): Promise<KafkaBroker> {
  ensureJars();
  const port = await freePort();
  const controllerPort = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "flowgate-kafka-"));
  const config = path.join(dir, "server.properties");
  writeFileSync(
    config,
    [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      "controller.listener.names=CONTROLLER",
      "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "inter.broker.listener.name=PLAINTEXT",
      `log.dirs=${path.join(dir, "data")}`,
      "num.partitions=4",
      // One node: every internal topic has one replica, and few partitions so the broker starts in seconds.
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=4",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "transaction.state.log.num.partitions=4",
      // Consumers join at once; a killed consumer's open transaction is aborted within a second or two of
      // its timeout instead of the default ten-second sweep, so a test's handover takes seconds.
      "group.initial.rebalance.delay.ms=0",
      "group.min.session.timeout.ms=1000",
      "transaction.abort.timed.out.transaction.cleanup.interval.ms=1000",
      "transaction.remove.expired.transaction.cleanup.interval.ms=10000",
      "",
    ].join("\n"),
  );
  // base64url may start with "-"; the tool takes it as "--cluster-id=…" so it is never read as an option.
  const clusterId = randomBytes(16).toString("base64url");
  const format = spawnSync(
    "java",
    java(["kafka.tools.StorageTool", "format", `--cluster-id=${clusterId}`, "-c", config]),
    { encoding: "utf8" },
  );
  if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stderr}`);
  const child = spawn("java", java(["kafka.Kafka", config]), { stdio: ["ignore", "ignore", "pipe"] });
  running.push(child);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const deadline = Date.now() + 60_000;
  // The broker logs "Kafka Server started" once both listeners accept and metadata is loaded.
  while (!stderr.includes("Kafka Server started") || !(await listening(port))) {
    if (child.exitCode !== null) throw new Error(`kafka exited (${child.exitCode}): ${stderr.slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`kafka did not start on ${port}: ${stderr.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    bootstrap: `127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a topic with `partitions` partitions (one replica: one broker). */
export async function createTopic(bootstrap: string, topic: string, partitions = 4): Promise<void> {
  const admin = new Admin({ clientId: "flowgate-test-admin", bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

/** Produces values (keyed by their index, spread over the partitions), in sends of 5,000. */
export async function produce(
  bootstrap: string,
  topic: string,
  values: readonly (string | Buffer)[],
): Promise<void> {
  const producer = new Producer({
    clientId: "flowgate-test-producer",
    bootstrapBrokers: [bootstrap],
    acks: -1,
  });
  try {
    for (let i = 0; i < values.length; i += 5000) {
      await producer.send({
        messages: values.slice(i, i + 5000).map((value, j) => ({
          topic,
          key: Buffer.from(String(i + j)),
          value: Buffer.from(value),
        })),
      });
    }
  } finally {
    await producer.close();
  }
}

/**
 * Every record of a topic as a read_committed consumer sees it (aborted transactions left out), from the
 * start to the last stable offset of each partition: what a downstream reader of the output gets.
 */
export async function readCommitted(
  bootstrap: string,
  topic: string,
): Promise<Array<{ key: string; value: string }>> {
  const consumer = new Consumer({
    clientId: "flowgate-test-reader",
    groupId: `reader-${randomBytes(4).toString("hex")}`,
    bootstrapBrokers: [bootstrap],
  });
  const pool = new ConnectionPool("flowgate-test-reader");
  try {
    const metadata = await consumer.metadata({ topics: [topic] });
    const meta = metadata.topics.get(topic);
    if (meta === undefined) return [];
    // Latest offsets under read_committed are the last stable offsets: no open transaction is waited for.
    const ends =
      (
        await consumer.listOffsets({ topics: [topic], isolationLevel: FetchIsolationLevels.READ_COMMITTED })
      ).get(topic) ?? [];
    const out: Array<{ key: string; value: string }> = [];
    for (let partition = 0; partition < meta.partitionsCount; partition++) {
      const end = ends[partition] ?? 0n;
      let offset = 0n;
      while (offset < end) {
        const topics = [
          {
            topicId: meta.id,
            partitions: [
              {
                partition,
                fetchOffset: offset,
                partitionMaxBytes: 8 << 20,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
              },
            ],
          },
        ];
        const leader = meta.partitions[partition]?.leader ?? 1;
        const response = await fetchCommitted(pool, metadata, leader, topics, 100, 8 << 20);
        const fetched = response.responses[0]?.partitions[0];
        if (fetched === undefined) break;
        const { records, next } = committedRecords(fetched, offset);
        for (const { offset: at, record } of records) {
          if (at < end)
            out.push({ key: record.key?.toString() ?? "", value: record.value?.toString() ?? "" });
        }
        if (next === undefined || next <= offset) break;
        offset = next;
      }
    }
    return out;
  } finally {
    await pool.close();
    await consumer.close();
  }
}
