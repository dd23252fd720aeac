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
import {
  classifierWithCache,
  startStreamConsumer,
  until,
  type StreamConsumer,
} from "../support/stream-consumer.js";

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
    // A pull hands over what the open fetch has delivered so far, so on a busy machine a 500-message fetch may
    // arrive over several pulls; what must hold is batching: at least 50 messages a pull on average, and few
    // pull requests.
    assert.ok(sizes.length <= 1200 / 50, `pull sizes ${sizes.join(", ")}`);
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

describe("flowgate stream score on NATS JetStream", () => {
  /** A deterministic iris-like row for event i. */
  const row = (i: number) => {
    const f = (k: number) => ((i * 7919 + k * 104729) % 1000) / 1000;
    return {
      sepal_length: 4 + 4 * f(1),
      sepal_width: 2 + 2.5 * f(2),
      petal_length: 1 + 6 * f(3),
      petal_width: 0.1 + 2.4 * f(4),
    };
  };
  const produce = async (subject: string, values: string[]) => {
    const js = jetstream(nc);
    await Promise.all(values.map((v) => js.publish(subject, v)));
  };
  /** Every payload stored in a stream, read by a durable consumer of its own. */
  const payloads = async (stream: string) => {
    const count = (await jsm.streams.info(stream)).state.messages;
    const reader = await openNatsSource(`${server.url}/${stream}?consumer=check`);
    const events = await collect(reader, count, 10_000);
    await reader.close();
    return events.map((e) => JSON.parse(e.value.toString()) as Record<string, unknown>);
  };

  test("a consumer SIGKILLed mid-way leaves messages unacked; a second one of the same durable gets them after ack_wait and finishes; every event once in the output, only bad ones in the DLQ", async () => {
    const { model, cacheRoot } = await classifierWithCache("nats");
    await jsm.streams.add({ name: "killin", subjects: ["killin"] });
    const ids = Array.from({ length: 6000 }, (_, i) => `n-${i}`);
    const events = ids.map((id, i) => JSON.stringify({ id, ...row(i) }));
    const badEvents = ["{oops", JSON.stringify({ id: "n-bad", sepal_length: "x" })];
    const start = (flags: string[]) =>
      startStreamConsumer({
        model,
        cacheRoot,
        source: `${server.url}/killin?subject=killin&consumer=kill&ackWait=2000`,
        sink: `${server.url}/killout?subject=killout`,
        dlq: `${server.url}/killdlq?subject=killdlq`,
        flags,
      });
    // Both open the same durable consumer; started one after the other so that only one creates it.
    // The first scores event by event (a request each), so it is slow and surely holds messages when killed;
    // the second starts after the kill, so it finishes only through redelivery (ack_wait 2 s).
    await produce("killin", [...events.slice(0, 3000), ...badEvents, ...events.slice(3000)]);
    const killed = await start(["--max-batch", "100", "--max-in-flight", "200", "--rows-per-request", "1"]);
    let survivor: StreamConsumer | undefined;
    try {
      await until(async () => (await killed.scored()) > 0, "the first consumer scores");
      killed.child.kill("SIGKILL");
      const atKill = await jsm.consumers.info("killin", "kill");
      assert.ok(atKill.num_ack_pending > 0, "the killed consumer left messages unacked");
      survivor = await start(["--max-batch", "500", "--max-in-flight", "1000"]);
      const finishing = survivor;
      await until(
        async () => (await jsm.streams.info("killout").catch(() => undefined))?.state.messages === ids.length,
        "the output is complete",
        60_000,
      );
      await until(
        async () => /flowgate_stream_lag_events(\{[^}]*\})? 0\n/.test(await finishing.metrics()),
        "the survivor reports no lag",
      );
      assert.equal(await survivor.stop(), 0, survivor.stderr());
      // The killed one's unacked messages were delivered again: more deliveries than messages in the stream.
      const durable = await jsm.consumers.info("killin", "kill");
      assert.ok(durable.delivered.consumer_seq > ids.length + badEvents.length, "messages were redelivered");

      const counts = new Map<string, number>();
      for (const out of await payloads("killout"))
        counts.set(String(out.id), (counts.get(String(out.id)) ?? 0) + 1);
      assert.deepEqual(
        [...counts].filter(([, n]) => n !== 1),
        [],
      );
      assert.deepEqual(new Set(counts.keys()), new Set(ids));
      const dead = await payloads("killdlq");
      assert.deepEqual(dead.map((d) => d.payload).sort(), [...badEvents].sort());
    } finally {
      for (const c of [killed, survivor]) if (c?.child.exitCode === null) c.child.kill("SIGKILL");
    }
  });
});
