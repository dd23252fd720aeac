// Kafka as a stream source (a consumer group; batched fetches of every assigned partition; offsets committed
// after the results are published) and sink (an idempotent producer, records keyed by event id). When the
// source, the sink and the DLQ are on one cluster, a transaction holds the results, the dead letters and the
// consumer's offsets together: a read_committed reader of the output sees each event exactly once, whatever
// consumer was killed when.
import os from "node:os";
import { randomUUID } from "node:crypto";
import {
  Admin,
  ConnectionPool,
  Consumer,
  FetchIsolationLevels,
  ListOffsetTimestamps,
  Producer,
  type Message,
  type MessageToProduce,
} from "@platformatic/kafka";
import { notFound } from "../core/errors.js";
import type { EndpointUrls, Endpoints, Outcome, SourceOptions, StreamBroker } from "./endpoints.js";
import { committedRecords, fetchCommitted, type FetchRequestTopic } from "./kafka-fetch.js";
import { parseKafkaUrl, positiveParam, sameCluster, type KafkaUrl } from "./kafka-url.js";
import type { StreamEvent, StreamRecord, StreamSink, StreamSource } from "./stream.js";

/** Where an event came from, and under which group generation it was fetched (for fencing). */
interface KafkaPosition {
  partition: number;
  offset: bigint;
  /** The source's assignment epoch when fetched: events of an earlier epoch are not acked (rebalanced). */
  epoch: number;
  generationId: number;
  memberId: string;
}

function clientId(role: string): string {
  return `flowgate-stream-${role}-${os.hostname()}-${process.pid}`;
}

/** Whether any of the broker's errors in `err` (a client error or an aggregate of them) has `property` = `value`. */
function hasError(err: unknown, property: string, value: unknown): boolean {
  const found = (err as { findBy?: (property: string, value: unknown) => unknown }).findBy?.(property, value);
  return found !== undefined && found !== null && found !== false;
}

/** The broker refused a group operation of an old generation or unknown member: a rebalance is under way. */
function needsRejoin(err: unknown): boolean {
  return hasError(err, "needsRejoin", true);
}

/**
 * Retries back off from 10 ms to 1 s: a transaction's next AddPartitions answers CONCURRENT_TRANSACTIONS for
 * the few ms its predecessor's markers take, and the client's flat 1 s default would stall every commit.
 */
const RETRIES = {
  retries: 12,
  retryDelay: (_c: unknown, _op: string, attempt: number) => Math.min(1000, 10 * 2 ** attempt),
};

/** Creates a sink topic up front (broker-default partitions), so the first commit waits on no auto-creation. */
async function ensureTopic(url: KafkaUrl): Promise<void> {
  const admin = new Admin({ clientId: clientId("admin"), bootstrapBrokers: url.brokers, ...RETRIES });
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(url.topic)) {
      try {
        await admin.createTopics({ topics: [url.topic], partitions: -1, replicas: -1 });
      } catch (err) {
        // Created meanwhile by another consumer of the group (which the broker's metadata may not list yet): fine.
        if (!hasError(err, "apiId", "TOPIC_ALREADY_EXISTS")) throw err;
      }
    }
  } finally {
    await admin.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads `kafka://…/<topic>?group=<g>[&sessionTimeout=ms][&heartbeat=ms]`. Partitions without a committed
 * offset for the group are read from the earliest offset. On every (re)assignment the positions restart from
 * the group's committed offsets, read with require_stable so an offset commit still inside an open transaction
 * is waited for, and everything fetched before is dropped unacked: another consumer may own it now.
 */
export class KafkaSource implements StreamSource {
  readonly consumer: Consumer;
  private readonly admin: Admin;
  /** Bumped on each assignment; positions, buffered events and acks of earlier epochs are void. */
  epoch = 0;
  private ready: Promise<void>;
  private resolveFirst: (() => void) | undefined;
  private failed: Error | undefined;
  private positions = new Map<number, bigint>();
  private committed = new Map<number, bigint>();
  private highWatermarks = new Map<number, bigint>();
  private member = { generationId: -1, memberId: "" };
  private buffer: StreamEvent[] = [];
  private readonly fetches: ConnectionPool;
  /**
   * The offset commit (or transaction) under way, if any. A new assignment reads the group's offsets only after
   * it ends: a join that keeps the generation leaves that commit valid, and offsets read before it lands would
   * send the events it covers round again.
   */
  private committing: Promise<unknown> = Promise.resolve();

  constructor(
    readonly url: KafkaUrl,
    options: SourceOptions,
  ) {
    const sessionTimeout = positiveParam(url.params, "sessionTimeout", 10_000);
    const heartbeatInterval = positiveParam(
      url.params,
      "heartbeat",
      Math.min(3000, Math.floor(sessionTimeout / 3)),
    );
    this.consumer = new Consumer({
      clientId: options.consumer ?? clientId("source"),
      bootstrapBrokers: url.brokers,
      groupId: url.group,
      autocommit: false,
      sessionTimeout,
      heartbeatInterval,
      rebalanceTimeout: Math.max(sessionTimeout, 30_000),
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      ...RETRIES,
    });
    this.admin = new Admin({ clientId: clientId("admin"), bootstrapBrokers: url.brokers, ...RETRIES });
    this.fetches = new ConnectionPool(clientId("fetch"));
    this.ready = new Promise((resolve) => (this.resolveFirst = resolve));
    this.consumer.on("consumer:group:join", () => this.assigned());
  }

  async start(): Promise<void> {
    this.consumer.topics.trackAll(this.url.topic);
    await this.consumer.joinGroup({});
    await this.settled();
  }

  private assigned(): void {
    const epoch = ++this.epoch;
    this.buffer = [];
    const loading = this.loadPositions(epoch).catch((err: Error) => {
      this.failed = err;
    });
    this.ready = loading;
    void loading.then(() => this.resolveFirst?.());
  }

  /** Waits until the latest assignment's positions are known (a rebalance during the wait starts again). */
  private async settled(): Promise<void> {
    for (;;) {
      const current = this.ready;
      await current;
      if (this.failed) throw this.failed;
      if (current === this.ready) return;
    }
  }

  private async loadPositions(epoch: number): Promise<void> {
    await this.committing;
    const topic = this.url.topic;
    const partitions = this.consumer.assignments?.find((a) => a.topic === topic)?.partitions ?? [];
    const member = { generationId: this.consumer.generationId, memberId: this.consumer.memberId ?? "" };
    const committed = new Map<number, bigint>();
    if (partitions.length > 0) {
      for (const { committedOffset, partitionIndex } of await this.stableOffsets(partitions)) {
        if (committedOffset >= 0n) committed.set(partitionIndex, committedOffset);
      }
      if (committed.size < partitions.length) {
        const earliest = await this.consumer.listOffsets({
          topics: [topic],
          timestamp: ListOffsetTimestamps.EARLIEST,
        });
        const offsets = earliest.get(topic) ?? [];
        for (const p of partitions) if (!committed.has(p)) committed.set(p, offsets[p] ?? 0n);
      }
    }
    if (epoch !== this.epoch) return;
    this.member = member;
    this.positions = new Map(committed);
    this.committed = new Map(committed);
    this.highWatermarks = new Map();
  }

  /** The group's committed offsets, waiting out offsets committed in a transaction not yet ended. */
  private async stableOffsets(partitions: number[]) {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const [group] = await this.admin.listConsumerGroupOffsets({
          groups: [
            { groupId: this.url.group, topics: [{ name: this.url.topic, partitionIndexes: partitions }] },
          ],
          requireStable: true,
        });
        return group?.topics.find((t) => t.name === this.url.topic)?.partitions ?? [];
      } catch (err) {
        // UNSTABLE_OFFSET_COMMIT: a transaction (maybe of a killed consumer) holds an offset for these
        // partitions until it commits or times out.
        if (Date.now() > deadline) throw err;
        await sleep(250);
      }
    }
  }

  async pull(max: number, waitMs: number): Promise<StreamEvent[]> {
    await this.settled();
    if (this.buffer.length === 0) await this.fetch(waitMs);
    return this.buffer.splice(0, max);
  }

  /** One fetch per partition leader covering every assigned partition: the broker batches for us. */
  private async fetch(waitMs: number): Promise<void> {
    const epoch = this.epoch;
    if (this.positions.size === 0) {
      await sleep(waitMs);
      return;
    }
    const topic = this.url.topic;
    const metadata = await this.consumer.metadata({ topics: [topic] });
    const topicMeta = metadata.topics.get(topic);
    if (topicMeta === undefined) {
      throw notFound(
        `Kafka topic '${topic}' does not exist on ${this.url.brokers.join(",")}: create it, or check --source.`,
      );
    }
    const byLeader = new Map<number, FetchRequestTopic>();
    for (const [partition, fetchOffset] of this.positions) {
      const leader = topicMeta.partitions[partition]?.leader ?? -1;
      const request = byLeader.get(leader) ?? { topicId: topicMeta.id, partitions: [] };
      request.partitions.push({
        partition,
        fetchOffset,
        partitionMaxBytes: 4 * 1024 * 1024,
        currentLeaderEpoch: -1,
        lastFetchedEpoch: -1,
      });
      byLeader.set(leader, request);
    }
    const responses = await Promise.all(
      [...byLeader].map(([node, request]) =>
        fetchCommitted(this.fetches, metadata, node, [request], waitMs, 16 * 1024 * 1024),
      ),
    );
    // Reassigned while fetching: these positions are no longer ours to advance.
    if (epoch !== this.epoch) return;
    const { generationId, memberId } = this.member;
    for (const response of responses) {
      for (const topicResponse of response.responses) {
        for (const partition of topicResponse.partitions) {
          const p = partition.partitionIndex;
          const from = this.positions.get(p);
          if (from === undefined) continue;
          if (partition.errorCode !== 0) {
            // Leadership moved or metadata is stale: the next fetch asks again.
            await this.consumer.metadata({ topics: [topic], forceUpdate: true });
            continue;
          }
          this.highWatermarks.set(
            p,
            partition.lastStableOffset >= 0n ? partition.lastStableOffset : partition.highWatermark,
          );
          const { records, next } = committedRecords(partition, from);
          for (const { offset, record } of records) {
            const position: KafkaPosition = { partition: p, offset, epoch, generationId, memberId };
            this.buffer.push({
              id: `${topic}-${p}-${offset}`,
              value: record.value ?? Buffer.alloc(0),
              position,
            });
          }
          if (next !== undefined && next > from) this.positions.set(p, next);
        }
      }
    }
  }

  /** The highest offset per partition among the events of the current epoch (stale ones are left out). */
  lastOffsets(events: readonly StreamEvent[]): Map<number, KafkaPosition> {
    const last = new Map<number, KafkaPosition>();
    for (const event of events) {
      const position = event.position as KafkaPosition;
      if (position.epoch !== this.epoch) continue;
      const seen = last.get(position.partition);
      if (seen === undefined || seen.offset < position.offset) last.set(position.partition, position);
    }
    return last;
  }

  /**
   * Voids everything fetched so far (the broker fenced this member's commit): positions restart from the
   * committed offsets of the assignment this consumer holds once it has rejoined.
   */
  invalidate(): void {
    this.assigned();
  }

  isCurrent(event: StreamEvent): boolean {
    return (event.position as KafkaPosition).epoch === this.epoch;
  }

  /** Runs an offset commit so that no assignment reads the group's offsets while it is under way. */
  async committingOffsets<T>(commit: () => Promise<T>): Promise<T> {
    const running = this.committing.then(commit);
    this.committing = running.catch(() => undefined);
    return running;
  }

  markCommitted(last: Map<number, KafkaPosition>): void {
    for (const [partition, position] of last) {
      if (position.epoch === this.epoch) this.committed.set(partition, position.offset + 1n);
    }
  }

  /** The consumer's metadata a TxnOffsetCommit carries, so the broker fences a consumer rebalanced away. */
  offsetMessage(position: KafkaPosition): Message {
    return {
      topic: this.url.topic,
      partition: position.partition,
      offset: position.offset,
      metadata: {
        consumer: {
          groupId: this.url.group,
          generationId: position.generationId,
          memberId: position.memberId,
          coordinatorId: this.consumer.coordinatorId ?? -1,
        },
      },
    } as unknown as Message;
  }

  async ack(events: readonly StreamEvent[]): Promise<void> {
    const last = this.lastOffsets(events);
    if (last.size === 0) return;
    await this.committingOffsets(() =>
      this.consumer.commit({
        offsets: [...last.values()].map((p) => ({
          topic: this.url.topic,
          partition: p.partition,
          offset: p.offset + 1n,
          leaderEpoch: -1,
        })),
      }),
    );
    this.markCommitted(last);
  }

  async lag(): Promise<number | undefined> {
    let lag = 0n;
    let known = false;
    for (const [partition, committed] of this.committed) {
      const end = this.highWatermarks.get(partition);
      if (end === undefined) continue;
      known = true;
      if (end > committed) lag += end - committed;
    }
    return known ? Number(lag) : undefined;
  }

  async close(): Promise<void> {
    // Closing leaves the group: the coordinator hands our partitions to the others at once.
    await this.consumer.close();
    await this.admin.close();
    await this.fetches.close();
  }
}

function toMessages(topic: string, records: readonly StreamRecord[]): MessageToProduce[] {
  return records.map((r) => ({ topic, key: Buffer.from(r.id), value: r.value }));
}

/** `kafka://…/<topic>`: records keyed by event id (a compacted topic keeps one per id). */
class KafkaSink implements StreamSink {
  private readonly producer: Producer;

  constructor(private readonly url: KafkaUrl) {
    this.producer = new Producer({
      clientId: clientId("sink"),
      bootstrapBrokers: url.brokers,
      // Retried sends are not duplicated: the broker drops a batch it already has (producer id + sequence).
      idempotent: true,
      acks: -1,
      autocreateTopics: true,
      ...RETRIES,
    });
  }

  async publish(records: readonly StreamRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.producer.send({ messages: toMessages(this.url.topic, records) });
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}

/**
 * Source, sink and DLQ on one cluster: a transactional producer writes each commit's results and dead letters
 * and commits the source offsets in the same transaction (KIP-98/447). Killed mid-way, a consumer's open
 * transaction is aborted (its records never reach a read_committed reader) and its offsets stay where they
 * were, so whoever takes its partitions scores those events again, once.
 */
class KafkaTransactional implements Endpoints {
  readonly sink: StreamSink;
  readonly dlq: StreamSink | undefined;
  private readonly producer: Producer;

  constructor(
    readonly source: KafkaSource,
    private readonly sinkUrl: KafkaUrl,
    private readonly dlqUrl: KafkaUrl | undefined,
  ) {
    this.producer = new Producer({
      clientId: clientId("transactions"),
      bootstrapBrokers: sinkUrl.brokers,
      // One id per process: a restarted consumer is a new member; a dead one's open transaction is aborted by
      // the coordinator after `timeout` (the transaction timeout this client asks for).
      transactionalId: `flowgate-${source.url.group}-${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
      idempotent: true,
      acks: -1,
      autocreateTopics: true,
      timeout: positiveParam(source.url.params, "transactionTimeout", 10_000),
      ...RETRIES,
    });
    const publishAlone = (url: KafkaUrl): StreamSink => ({
      publish: async (records) => {
        if (records.length === 0) return;
        const tx = await this.producer.beginTransaction();
        await tx.send({ messages: toMessages(url.topic, records) });
        await tx.commit();
      },
      close: async () => undefined,
    });
    this.sink = publishAlone(sinkUrl);
    this.dlq = dlqUrl === undefined ? undefined : publishAlone(dlqUrl);
  }

  async commit(outcomes: readonly Outcome[]): Promise<readonly Outcome[]> {
    return this.source.committingOffsets(() => this.commitNow(outcomes));
  }

  private async commitNow(outcomes: readonly Outcome[]): Promise<readonly Outcome[]> {
    const current = outcomes.filter((o) => this.source.isCurrent(o.event));
    if (current.length === 0) return [];
    const messages: MessageToProduce[] = [];
    for (const { output, dead } of current) {
      if (output) messages.push(...toMessages(this.sinkUrl.topic, [output]));
      if (dead && this.dlqUrl) messages.push(...toMessages(this.dlqUrl.topic, [dead]));
    }
    const last = this.source.lastOffsets(current.map((o) => o.event));
    const epoch = this.source.epoch;
    const tx = await this.producer.beginTransaction();
    try {
      if (messages.length > 0) await tx.send({ messages });
      await tx.addConsumer(this.source.consumer);
      for (const position of last.values()) await tx.addOffset(this.source.offsetMessage(position));
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      // Rebalanced mid-commit: the broker fenced our offsets (an old generation), the transaction is void
      // and the events go to whoever owns their partitions now, from the last committed offset.
      if (epoch !== this.source.epoch) return [];
      // Fenced before this consumer noticed the rebalance (an old generation): the same, found first here.
      if (needsRejoin(err)) {
        this.source.invalidate();
        return [];
      }
      throw err;
    }
    this.source.markCommitted(last);
    return current;
  }

  async close(): Promise<void> {
    await this.source.close();
    await this.producer.close();
  }
}

async function openSource(url: string, options: SourceOptions): Promise<KafkaSource> {
  const source = new KafkaSource(parseKafkaUrl(url), options);
  try {
    await source.start();
  } catch (err) {
    await source.close().catch(() => undefined);
    throw err;
  }
  return source;
}

export const kafkaBroker: StreamBroker = {
  openSource,
  openSink: async (url) => {
    const parsed = parseKafkaUrl(url);
    await ensureTopic(parsed);
    return new KafkaSink(parsed);
  },
  openAtomic: async (urls: EndpointUrls, options: SourceOptions) => {
    const source = parseKafkaUrl(urls.source);
    const sink = parseKafkaUrl(urls.sink);
    const dlq = urls.dlq === undefined ? undefined : parseKafkaUrl(urls.dlq);
    if (!sameCluster(source, sink) || (dlq !== undefined && !sameCluster(source, dlq))) return undefined;
    await ensureTopic(sink);
    if (dlq !== undefined) await ensureTopic(dlq);
    return new KafkaTransactional(await openSource(urls.source, options), sink, dlq);
  },
};
