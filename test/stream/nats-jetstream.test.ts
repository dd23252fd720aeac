// NATS JetStream as a stream source and sink, against a real nats-server 2.9 with JetStream: a durable pull
// consumer read in batched fetches, acks after publish, redelivery after ack_wait, idempotent output through
// Nats-Msg-Id within the duplicate window, lag.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { openNatsSink, openNatsSource } from "../../src/stream/nats-jetstream.js";
import type { StreamEvent, StreamSource } from "../../src/stream/stream.js";
import { startNats, type NatsServer } from "../support/nats.js";

let server: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
let streams = 0;

before(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url.replace("nats://", "") });
  jsm = await jetstreamManager(nc);
});
after(async () => {
  await nc.close();
  await server.stop();
});

/** A fresh stream (subject `<name>.in`) holding `count` messages whose payload is a row `{ "n": i }`. */
async function streamWith(count: number): Promise<string> {
  const name = `events${++streams}`;
  await jsm.streams.add({ name, subjects: [`${name}.in`] });
  const js = jetstream(nc);
  await Promise.all(Array.from({ length: count }, (_, n) => js.publish(`${name}.in`, JSON.stringify({ n }))));
  return name;
}

/** Pulls until `count` events came or `deadlineMs` passed, acking none. */
async function collect(source: StreamSource, count: number, deadlineMs: number): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  const deadline = Date.now() + deadlineMs;
  while (events.length < count && Date.now() < deadline) events.push(...(await source.pull(count, 200)));
  return events;
}

describe("NATS JetStream source", () => {
  test("pulls come in batches of up to the asked size, a few pull requests for the whole stream", async () => {
    const stream = await streamWith(1200);
    const requests = nc.subscribe(`$JS.API.CONSUMER.MSG.NEXT.${stream}.scorers`);
    const source = await openNatsSource(`${server.url}/${stream}?subject=${stream}.in&consumer=scorers`);
    const sizes: number[] = [];
    const seen = new Set<string>();
    while (seen.size < 1200) {
      const events = await source.pull(500, 1_000);
      assert.ok(events.length > 0 && events.length <= 500, `a pull returned ${events.length}`);
      sizes.push(events.length);
      for (const e of events) seen.add(e.id);
      await source.ack(events);
    }
    await nc.flush();
    assert.ok(sizes.includes(500), `pull sizes ${sizes.join(", ")}`);
    assert.ok(requests.getReceived() <= 3, `${requests.getReceived()} pull requests for 1200 messages`);
    requests.unsubscribe();
    // Ids are stream sequences.
    assert.deepEqual(
      [...seen].map(Number).sort((a, b) => a - b),
      Array.from({ length: 1200 }, (_, i) => i + 1),
    );
    await source.close();
  });

  test("messages a dead consumer pulled but never acked are redelivered to another after ack_wait", async () => {
    const stream = await streamWith(100);
    const url = `${server.url}/${stream}?consumer=scorers&ackWait=1000`;
    const dying = await openNatsSource(url);
    const taken = await collect(dying, 100, 5_000);
    assert.equal(taken.length, 100);
    await dying.ack(taken.slice(0, 40));
    await dying.close();
    const survivor = await openNatsSource(url);
    const redelivered = await collect(survivor, 60, 10_000);
    assert.deepEqual(
      redelivered.map((e) => e.id).sort(),
      taken
        .slice(40)
        .map((e) => e.id)
        .sort(),
    );
    await survivor.ack(redelivered);
    assert.equal(await survivor.lag(), 0);
    await survivor.close();
  });

  test("closing hands back messages fetched but never pulled at once, without waiting for ack_wait", async () => {
    const stream = await streamWith(100);
    // ack_wait is the default 30 s: only a nak on close can bring the 90 back within the deadline.
    const url = `${server.url}/${stream}?consumer=scorers&prefetch=100`;
    const first = await openNatsSource(url);
    const ten = await first.pull(10, 5_000);
    await first.ack(ten);
    await first.close();
    const second = await openNatsSource(url);
    const rest = await collect(second, 100 - ten.length, 5_000);
    assert.equal(rest.length, 100 - ten.length);
    await second.ack(rest);
    await second.close();
  });

  test("lag counts messages not yet delivered plus messages delivered but not acked", async () => {
    const stream = await streamWith(300);
    const source = await openNatsSource(`${server.url}/${stream}?consumer=scorers`);
    assert.equal(await source.lag(), 300);
    const events = await collect(source, 100, 5_000);
    assert.equal(await source.lag(), 300);
    await source.ack(events);
    assert.equal(await source.lag(), 200);
    await source.close();
  });

  test("a URL that names no stream, a subject its stream does not capture or an unreachable server is refused with what is allowed", async () => {
    await assert.rejects(openNatsSource(`${server.url}/`), {
      code: "INVALID_PARAMETER_VALUE",
      message: /nats:\/\/host:port\/<stream>\?subject=<s>/,
    });
    await assert.rejects(openNatsSource(`${server.url}/a.b`), { code: "INVALID_PARAMETER_VALUE" });
    await assert.rejects(openNatsSource(`${server.url}/s?ackWait=-1`), {
      code: "INVALID_PARAMETER_VALUE",
      message: /'ackWait' is '-1'; it must be a positive integer/,
    });
    const existing = await streamWith(0);
    await assert.rejects(openNatsSink(`${server.url}/${existing}?subject=elsewhere`), {
      code: "INVALID_PARAMETER_VALUE",
      message: new RegExp(`subject 'elsewhere' is not captured by JetStream stream '${existing}'`),
    });
    await assert.rejects(openNatsSink("nats://127.0.0.1:1/s"), {
      code: "TEMPORARILY_UNAVAILABLE",
      message: /cannot reach NATS at 127\.0\.0\.1:1/,
    });
  });
});

describe("NATS JetStream sink", () => {
  const records = (from: number, to: number, tag: string) =>
    Array.from({ length: to - from }, (_, i) => ({
      id: `e${from + i}`,
      value: Buffer.from(JSON.stringify({ id: `e${from + i}`, tag })),
    }));

  test("creates its stream and, publishing the same ids again, leaves each id once with its first value", async () => {
    const stream = `out${++streams}`;
    const sink = await openNatsSink(`${server.url}/${stream}?subject=${stream}.scored`);
    await sink.publish(records(0, 1200, "first"));
    await sink.publish(records(600, 1800, "again"));
    await sink.close();
    const info = await jsm.streams.info(stream);
    assert.deepEqual(info.config.subjects, [`${stream}.scored`]);
    assert.equal(info.config.duplicate_window, 600 * 1e9);
    assert.equal(info.state.messages, 1800);
    const reader = await openNatsSource(`${server.url}/${stream}?consumer=check`);
    const values = new Map<string, string>();
    for (const e of await collect(reader, 1800, 10_000)) {
      const { id, tag } = JSON.parse(e.value.toString());
      assert.ok(!values.has(id), `${id} twice`);
      values.set(id, tag);
    }
    await reader.close();
    assert.equal(values.size, 1800);
    assert.equal(values.get("e1199"), "first");
    assert.equal(values.get("e1200"), "again");
  });

  test("an id republished after the duplicate window is stored again", async () => {
    const stream = `out${++streams}`;
    const sink = await openNatsSink(`${server.url}/${stream}?dedupeWindow=1`);
    await sink.publish(records(0, 1, "first"));
    await sink.publish(records(0, 1, "within"));
    await sleep(1_200);
    await sink.publish(records(0, 1, "after"));
    await sink.close();
    assert.equal((await jsm.streams.info(stream)).state.messages, 2);
  });
});
