// Kafka as a stream source and sink, against a real Apache Kafka broker (KRaft, loopback): pulls come in batches
// across partitions, acked offsets are where the group resumes, two consumers of a group share the partitions
// and closing one hands its partitions to the other, and a transactional commit makes results, dead letters
// and offsets visible together to a read_committed reader.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openEndpoints, type Endpoints } from "../../src/stream/endpoints.js";
import type { KafkaSource } from "../../src/stream/kafka.js";
import { parseKafkaUrl } from "../../src/stream/kafka-url.js";
import type { StreamEvent, StreamSource } from "../../src/stream/stream.js";
import { createTopic, produce, readCommitted, startKafka, type KafkaBroker } from "../support/kafka.js";

/** Pulls until `count` events arrived (or nothing came for a few pulls), recording each pull's size. */
async function pullAll(source: StreamSource, count: number, sizes: number[] = []): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for (let idle = 0; events.length < count && idle < 20;) {
    const got = await source.pull(1000, 200);
    if (got.length === 0) idle++;
    else sizes.push(got.length);
    events.push(...got);
  }
  return events;
}

describe("Kafka source and sink", () => {
  let kafka: KafkaBroker;
  before(async () => {
    kafka = await startKafka();
  });
  after(async () => kafka.stop());

  test("kafka:// URLs name brokers, a topic and a group; anything else is refused with the expected shape", () => {
    assert.deepEqual(parseKafkaUrl("kafka://a:9093,b/events?group=g1").brokers, ["a:9093", "b:9092"]);
    assert.equal(parseKafkaUrl("kafka://a:9093/events?group=g1").group, "g1");
    assert.equal(parseKafkaUrl("kafka://a:9093/events").group, "flowgate");
    assert.throws(() => parseKafkaUrl("kafka://a:9093"), /kafka:\/\/host:port\[,host:port\]\/<topic>/);
    assert.throws(() => parseKafkaUrl("kafka://a:9093/bad topic"), /1–249 of/);
    assert.throws(() => parseKafkaUrl("kafka://a:x/t"), /brokers are host:port/);
  });

  test("pulls return many events per call from every partition; acked offsets are where the group resumes", async () => {
    await createTopic(kafka.bootstrap, "resume-in", 4);
    await produce(
      kafka.bootstrap,
      "resume-in",
      Array.from({ length: 3000 }, (_, i) => `{"n":${i}}`),
    );
    const urls = {
      source: `kafka://${kafka.bootstrap}/resume-in?group=resume`,
      // Another bootstrap spelling of the same broker is another cluster to endpoints: plain sink, plain acks.
      sink: `kafka://${kafka.bootstrap.replace("127.0.0.1", "localhost")}/resume-out`,
    };
    const first = await openEndpoints(urls);
    assert.equal("commit" in first, false);
    const sizes: number[] = [];
    const events = await pullAll(first.source, 3000, sizes);
    assert.equal(events.length, 3000);
    assert.ok(Math.max(...sizes) >= 500, `pull sizes ${sizes.join(",")}`);
    assert.equal(new Set(events.map((e) => e.id.split("-").at(-2))).size, 4);
    // Ack the first 1000 in pull order; the group resumes after them, so a new consumer sees the other 2000.
    await first.sink.publish(events.slice(0, 1000).map((e) => ({ id: e.id, value: e.value })));
    await first.source.ack(events.slice(0, 1000));
    assert.equal(await first.source.lag(), 2000);
    await first.close();
    const second = await openEndpoints(urls);
    const rest = await pullAll(second.source, 2000);
    await second.close();
    assert.deepEqual(
      rest.map((e) => e.id).sort(),
      events
        .slice(1000)
        .map((e) => e.id)
        .sort(),
    );
    const out = await readCommitted(kafka.bootstrap, "resume-out");
    assert.equal(out.length, 1000);
    assert.deepEqual(new Set(out.map((r) => r.key)), new Set(events.slice(0, 1000).map((e) => e.id)));
  });

  test("two consumers of a group share the partitions; closing one hands its partitions to the other", async () => {
    await createTopic(kafka.bootstrap, "share-in", 4);
    const urls = {
      source: `kafka://${kafka.bootstrap}/share-in?group=share&sessionTimeout=6000`,
      sink: `kafka://${kafka.bootstrap}/share-out`,
    };
    const a = await openEndpoints(urls);
    const b = await openEndpoints(urls);
    await produce(
      kafka.bootstrap,
      "share-in",
      Array.from({ length: 400 }, (_, i) => `{"n":${i}}`),
    );
    const commitAll = async (endpoints: Endpoints, events: StreamEvent[]) => {
      assert.ok("commit" in endpoints, "one cluster: a transactional pipeline");
      await endpoints.commit?.(
        events.map((event) => ({ event, output: { id: event.id, value: event.value } })),
      );
    };
    // Both pull and commit while the group's rebalance settles. What a consumer fetched under an assignment
    // the group has moved past is not committed (void, or fenced by the broker) and is read again by the
    // partition's owner from the committed offsets: the output ends with every event once.
    const drain = async (consumers: Endpoints[], total: number) => {
      let out: Array<{ key: string }> = [];
      for (let round = 0; round < 100 && out.length < total; round++) {
        const pulled = await Promise.all(consumers.map((c) => c.source.pull(1000, 200)));
        await Promise.all(consumers.map((c, i) => commitAll(c, pulled[i] ?? [])));
        out = await readCommitted(kafka.bootstrap, "share-out");
      }
      return out;
    };
    let out = await drain([a, b], 400);
    assert.equal(out.length, 400);
    assert.equal(new Set(out.map((r) => r.key)).size, 400);
    const owned = (e: Endpoints) =>
      (e.source as KafkaSource).consumer.assignments?.find((x) => x.topic === "share-in")?.partitions ?? [];
    assert.ok(
      owned(a).length > 0 && owned(b).length > 0,
      `partitions ${owned(a).join()} + ${owned(b).join()}`,
    );
    assert.equal(owned(a).length + owned(b).length, 4);
    await a.close();
    await produce(
      kafka.bootstrap,
      "share-in",
      Array.from({ length: 400 }, (_, i) => `{"n":${400 + i}}`),
    );
    out = await drain([b], 800);
    assert.deepEqual([...owned(b)].sort(), [0, 1, 2, 3]);
    await b.close();
    assert.equal(out.length, 800);
    assert.equal(new Set(out.map((r) => r.key)).size, 800);
  });
});
