// Redis Streams as a stream source and sink, against a real redis-server: consumer groups with batched reads,
// acks after publish, a dead consumer's entries finished by another, idempotent output, lag.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { openRedisSink, openRedisSource } from "../../src/stream/redis-streams.js";
import type { StreamSource } from "../../src/stream/stream.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import {
  classifierWithCache,
  startStreamConsumer,
  until,
  type StreamConsumer,
} from "../support/stream-consumer.js";

let server: RedisServer;
let redis: Redis;
let streams = 0;

before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
after(async () => {
  await redis.quit();
  await server.stop();
});

/** A fresh stream holding `count` entries whose `value` is a row `{ "n": i }`. */
async function streamWith(count: number): Promise<string> {
  const name = `events-${++streams}`;
  const pipeline = redis.pipeline();
  for (let i = 0; i < count; i++) pipeline.xadd(name, "*", "value", JSON.stringify({ n: i }));
  await pipeline.exec();
  return name;
}

async function calls(command: string): Promise<number> {
  const stats = await redis.info("commandstats");
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats);
  return Number(match?.[1] ?? 0);
}

async function drain(source: StreamSource, batch: number): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const events = await source.pull(batch, 50);
    if (events.length === 0) return seen;
    seen.push(...events.map((e) => e.value.toString()));
    await source.ack(events);
  }
}

describe("Redis Streams source", () => {
  test("a pull of 500 returns 500 entries in one XREADGROUP, ids being the entries' ids", async () => {
    const stream = await streamWith(1200);
    const source = await openRedisSource(`${server.url}/${stream}?group=scorers&consumer=a`);
    const first = await source.pull(500, 100);
    assert.equal(first.length, 500);
    const before = await calls("xreadgroup");
    const second = await source.pull(500, 100);
    assert.equal((await calls("xreadgroup")) - before, 1);
    assert.equal(second.length, 500);
    assert.match(second[0]!.id, /^\d+-\d+$/);
    assert.deepEqual(JSON.parse(second[0]!.value.toString()), { n: 500 });
    const third = await source.pull(500, 100);
    assert.equal(third.length, 200);
    await source.ack([...first, ...second, ...third]);
    await source.close();
  });

  test("a pull on an empty stream waits for new entries and returns what arrived", async () => {
    const stream = `events-${++streams}`;
    const source = await openRedisSource(`${server.url}/${stream}?group=scorers&consumer=a`);
    const pulled = source.pull(100, 5_000);
    await sleep(100);
    await redis.xadd(stream, "*", "value", '{"n":1}');
    const events = await pulled;
    assert.deepEqual(
      events.map((e) => e.value.toString()),
      ['{"n":1}'],
    );
    await source.ack(events);
    await source.close();
  });

  test("entries a dead consumer pulled but never acked are claimed by another after claimIdle", async () => {
    const stream = await streamWith(100);
    const url = `${server.url}/${stream}?group=scorers&claimIdle=200`;
    const dying = await openRedisSource(`${url}&consumer=dying`);
    const taken = await dying.pull(100, 100);
    assert.equal(taken.length, 100);
    await dying.ack(taken.slice(0, 40));
    // `dying` pulls nothing more from here on: to Redis it is a dead consumer with 60 entries pending.
    await sleep(300);
    const survivor = await openRedisSource(`${url}&consumer=survivor`);
    const claimed = await survivor.pull(500, 100);
    assert.deepEqual(
      claimed.map((e) => e.id),
      taken.slice(40).map((e) => e.id),
    );
    await survivor.ack(claimed);
    assert.deepEqual(await survivor.pull(500, 50), []);
    assert.equal(await survivor.lag(), 0);
    await survivor.close();
    await dying.close();
  });

  test("a consumer restarted under the same name gets its own pending entries first, without waiting", async () => {
    const stream = await streamWith(30);
    const url = `${server.url}/${stream}?group=scorers&consumer=worker-1`;
    const crashed = await openRedisSource(url);
    const taken = await crashed.pull(20, 100);
    const restarted = await openRedisSource(url);
    const again = await restarted.pull(500, 100);
    assert.deepEqual(
      again.map((e) => e.id),
      taken.map((e) => e.id),
    );
    const rest = await restarted.pull(500, 100);
    assert.equal(rest.length, 10);
    await restarted.ack([...again, ...rest]);
    await restarted.close();
    await crashed.close();
  });

  test("lag counts entries not yet read plus entries read but not acked", async () => {
    const stream = await streamWith(300);
    const source = await openRedisSource(`${server.url}/${stream}?group=scorers&consumer=a`);
    assert.equal(await source.lag(), 300);
    const events = await source.pull(100, 100);
    assert.equal(await source.lag(), 300);
    await source.ack(events);
    assert.equal(await source.lag(), 200);
    await source.close();
  });

  test("closing leaves the group when nothing is pending, and stays for a claim when something is", async () => {
    const stream = await streamWith(10);
    const done = await openRedisSource(`${server.url}/${stream}?group=scorers&consumer=done`);
    await drain(done, 100);
    const busy = await openRedisSource(`${server.url}/${stream}?group=other&consumer=busy`);
    await busy.pull(5, 100);
    await done.close();
    await busy.close();
    const consumers = async (group: string) =>
      ((await redis.call("XINFO", "CONSUMERS", stream, group)) as unknown[][]).map((c) => c[1]);
    assert.deepEqual(await consumers("scorers"), []);
    assert.deepEqual(await consumers("other"), ["busy"]);
  });

  test("a group created with start=$ reads only entries added after it", async () => {
    const stream = await streamWith(5);
    const source = await openRedisSource(`${server.url}/${stream}?group=late&consumer=a&start=$`);
    await redis.xadd(stream, "*", "value", '{"n":"new"}');
    assert.deepEqual(await drain(source, 100), ['{"n":"new"}']);
    await source.close();
  });

  test("a URL that names no stream, a bad parameter or an unreachable server is refused with what is allowed", async () => {
    await assert.rejects(openRedisSource(`${server.url}/`), {
      code: "INVALID_PARAMETER_VALUE",
      message: /redis:\/\/host:port\[\/db\]\/<stream>/,
    });
    await assert.rejects(openRedisSource(`${server.url}/a/b`), { code: "INVALID_PARAMETER_VALUE" });
    await assert.rejects(openRedisSource(`${server.url}/s?claimIdle=soon`), {
      code: "INVALID_PARAMETER_VALUE",
      message: /'claimIdle' is 'soon'; it must be a positive integer/,
    });
    await assert.rejects(openRedisSink("nats://127.0.0.1:1/s"), { code: "INVALID_PARAMETER_VALUE" });
    await assert.rejects(openRedisSink("redis://127.0.0.1:1/s"), {
      code: "TEMPORARILY_UNAVAILABLE",
      message: /cannot reach Redis at 127\.0\.0\.1:1/,
    });
  });
});

describe("Redis Streams sink", () => {
  test("publishing the same ids again leaves each id once, with its first value", async () => {
    const stream = `out-${++streams}`;
    const sink = await openRedisSink(`${server.url}/${stream}`);
    const records = (from: number, to: number, tag: string) =>
      Array.from({ length: to - from }, (_, i) => ({ id: `e${from + i}`, value: Buffer.from(tag) }));
    await sink.publish(records(0, 1200, "first"));
    await sink.publish(records(600, 1800, "again"));
    await sink.close();
    const entries = await redis.xrange(stream, "-", "+");
    const ids = entries.map(([, fields]) => fields[1]);
    assert.equal(ids.length, 1800);
    assert.equal(new Set(ids).size, 1800);
    const values = new Map(entries.map(([, fields]) => [fields[1], fields[3]]));
    assert.equal(values.get("e1199"), "first");
    assert.equal(values.get("e1200"), "again");
  });

  test("remembers a published id for dedupeWindow seconds, in a key of the stream's hash slot", async () => {
    const stream = `out-${++streams}`;
    const sink = await openRedisSink(`${server.url}/${stream}?dedupeWindow=60`);
    await sink.publish([{ id: "e1", value: Buffer.from("{}") }]);
    await sink.close();
    const ttl = await redis.ttl(`{${stream}}:flowgate-published:e1`);
    assert.ok(ttl > 0 && ttl <= 60, `TTL ${ttl}`);
  });

  test("a sink on database 2 writes there, and maxlen trims the stream approximately", async () => {
    const stream = `capped-${++streams}`;
    const sink = await openRedisSink(`${server.url}/2/${stream}?maxlen=100`);
    await sink.publish(Array.from({ length: 1000 }, (_, i) => ({ id: String(i), value: Buffer.from("{}") })));
    await sink.close();
    const db2 = new Redis(`${server.url}/2`);
    const length = await db2.xlen(stream);
    await db2.quit();
    assert.ok(length >= 100 && length < 1000, `XLEN ${length}`);
    assert.equal(await redis.exists(stream), 0);
  });
});

describe("flowgate stream score on Redis Streams", () => {
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
  const produce = async (stream: string, values: string[]) => {
    const pipeline = redis.pipeline();
    for (const value of values) pipeline.xadd(stream, "*", "value", value);
    await pipeline.exec();
  };

  test("a consumer SIGKILLed mid-way leaves entries pending; a second one of the group claims them and finishes; every event once in the output, only bad ones in the DLQ", async () => {
    const { model, cacheRoot } = await classifierWithCache("redis");
    const ids = Array.from({ length: 6000 }, (_, i) => `r-${i}`);
    const events = ids.map((id, i) => JSON.stringify({ id, ...row(i) }));
    const badEvents = ["{oops", JSON.stringify({ id: "r-bad", sepal_length: "x" })];
    const start = (name: string, flags: string[]) =>
      startStreamConsumer({
        model,
        source: `${server.url}/kill-in?group=kill&claimIdle=2000`,
        sink: `${server.url}/kill-out`,
        dlq: `${server.url}/kill-dlq`,
        flags: ["--consumer", name, ...flags],
        cacheRoot,
      });
    // The first scores event by event (a request each), so it is slow and surely holds entries when killed;
    // the second starts after the kill, so it finishes only by claiming them (claimIdle 2 s).
    await produce("kill-in", [...events.slice(0, 3000), ...badEvents, ...events.slice(3000)]);
    const killed = await start("killed", [
      "--max-batch",
      "100",
      "--max-in-flight",
      "200",
      "--rows-per-request",
      "1",
    ]);
    let survivor: StreamConsumer | undefined;
    try {
      await until(async () => (await killed.scored()) > 0, "the first consumer scores");
      killed.child.kill("SIGKILL");
      const left = (await redis.call("XPENDING", "kill-in", "kill", "-", "+", 10, "killed")) as unknown[];
      assert.ok(left.length > 0, "the killed consumer left entries pending");
      survivor = await start("survivor", ["--max-batch", "500", "--max-in-flight", "1000"]);
      const finishing = survivor;
      await until(async () => (await redis.xlen("kill-out")) >= ids.length, "the output is complete", 60_000);
      await until(
        async () => /flowgate_stream_lag_events(\{[^}]*\})? 0\n/.test(await finishing.metrics()),
        "the survivor reports no lag",
      );
      assert.equal(await survivor.stop(), 0, survivor.stderr());
      // Nothing is left pending in the group: the claimed entries were acked by the survivor.
      assert.deepEqual(await redis.call("XPENDING", "kill-in", "kill", "-", "+", 10), []);

      const out = await redis.xrange("kill-out", "-", "+");
      const counts = new Map<string, number>();
      for (const [, fields] of out) counts.set(fields[1]!, (counts.get(fields[1]!) ?? 0) + 1);
      assert.deepEqual(
        [...counts].filter(([, n]) => n !== 1),
        [],
      );
      assert.deepEqual(new Set(counts.keys()), new Set(ids));
      const dead = (await redis.xrange("kill-dlq", "-", "+")).map(
        ([, fields]) => JSON.parse(fields[3]!) as { payload: string },
      );
      assert.deepEqual(dead.map((d) => d.payload).sort(), [...badEvents].sort());
    } finally {
      for (const c of [killed, survivor]) if (c?.child.exitCode === null) c.child.kill("SIGKILL");
    }
  });
});
