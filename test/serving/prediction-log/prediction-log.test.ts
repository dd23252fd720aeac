// The prediction log as serving uses it: which requests it keeps (by request id, so replicas agree), which
// columns and how (subset, hashed), what it does when its sink is slow or down (drops and counts, never
// blocks a request), how segments rotate and retry, and that stop writes out everything queued.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PredictionLog, sampledForLog } from "../../../src/serving/prediction-log/prediction-log.js";
import { hashValue } from "../../../src/serving/prediction-log/prediction-rows.js";
import { frameInput, quietLogger, TestSink } from "./support.js";

const LOG_ALL = { sampleRate: 1, hashed: [] as string[] };

function entry(requestId: string, records: Record<string, unknown>[] = [{ amount: 12.5, country: "FR" }]) {
  return {
    requestId,
    version: "3",
    role: "primary" as const,
    latencyMs: 4.2,
    input: frameInput(records),
    predictions: JSON.stringify(records.map(() => 1)),
  };
}

function newLog(sink: TestSink, extra: Partial<ConstructorParameters<typeof PredictionLog>[0]> = {}) {
  return new PredictionLog({ sink, logger: quietLogger, backoffMs: 1, maxBackoffMs: 2, ...extra });
}

describe("prediction log", () => {
  it("keeps a request by a hash of its id, so every replica keeps the same ones at the same rate", () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `req-${i}`);
    const kept = ids.filter((id) => sampledForLog(id, 0.1));
    assert.ok(kept.length > 1700 && kept.length < 2300, `10% of 20000, got ${kept.length}`);
    // Another replica (the same function, another process) decides the same for each id.
    assert.deepEqual(
      ids.filter((id) => sampledForLog(id, 0.1)),
      kept,
    );
    // A larger rate keeps a superset: raising the rate never loses requests already logged.
    const more = new Set(ids.filter((id) => sampledForLog(id, 0.5)));
    assert.ok(kept.every((id) => more.has(id)));
    assert.equal(sampledForLog("x", 0), false);
    assert.equal(sampledForLog("x", 1), true);
  });

  it("logs only sampled requests, every row with its request id, version, role and latency", async () => {
    const sink = new TestSink();
    const log = newLog(sink);
    const config = { sampleRate: 0.3, hashed: [] as string[] };
    const ids = Array.from({ length: 200 }, (_, i) => `r${i}`);
    for (const id of ids) log.record(config, entry(id, [{ a: 1 }, { a: 2 }]));
    await log.flush();
    const rows = await sink.rows();
    const expected = ids.filter((id) => sampledForLog(id, 0.3));
    assert.deepEqual([...new Set(rows.map((r) => r.request_id))], expected);
    assert.equal(rows.length, expected.length * 2);
    assert.deepEqual(
      rows.slice(0, 2).map((r) => [r.row, r.version, r.role, r.latency_ms, r["input.a"]]),
      [
        [0, "3", "primary", 4.2, 1],
        [1, "3", "primary", 4.2, 2],
      ],
    );
    assert.equal(log.counts.rows, expected.length * 2);
  });

  it("logs the chosen input columns only, and hashed columns as truncated sha256 of their text", async () => {
    const sink = new TestSink();
    const log = newLog(sink);
    const record = { amount: 12.5, email: "ann@example.com", country: "FR", zip: 75001 };
    log.record(
      { sampleRate: 1, inputs: ["amount", "email", "zip"], hashed: ["email", "zip"] },
      entry("a", [record]),
    );
    await log.flush();
    const allSink = new TestSink();
    const all = newLog(allSink);
    all.record({ sampleRate: 1, hashed: "all" }, entry("b", [record]));
    await all.flush();
    const [a] = await sink.rows();
    const [b] = await allSink.rows();
    assert.equal(a!["input.amount"], 12.5);
    assert.equal(a!["input.email"], hashValue("ann@example.com"));
    assert.equal(a!["input.zip"], hashValue(75001));
    assert.match(String(a!["input.email"]), /^[0-9a-f]{16}$/);
    assert.equal(a!["input.country"] ?? null, null, "a column outside `inputs` is not logged");
    assert.equal(b!["input.amount"], hashValue(12.5));
    assert.equal(b!["input.country"], hashValue("FR"));
    assert.ok(!JSON.stringify([a, b]).includes("ann@example.com"));
  });

  it("never blocks a request: record() returns at once while the sink is stalled, and rows beyond the bound are dropped and counted", async () => {
    const sink = new TestSink();
    sink.stallUploads();
    const log = newLog(sink, { maxQueuedRows: 100, segmentRows: 10, maxPendingSegments: 2 });
    for (let i = 0; i < 300; i++) {
      const returned = log.record(LOG_ALL, entry(`s${i}`));
      assert.equal(returned, undefined, "record is synchronous: it returns no promise");
      if (i % 10 === 9) log.tick();
    }
    // Bounded: ≤ 100 queued + one open segment (10) + 2 finished segments (20) + the one being uploaded.
    assert.ok(log.queued <= 100);
    assert.ok(log.pendingSegments <= 2);
    assert.ok(log.counts.dropped > 0, "a stalled sink makes the log drop new rows");
    assert.equal(log.counts.rows + log.counts.dropped, 300);
    sink.resume();
    await log.flush();
    await log.flush();
    const rows = await sink.rows();
    assert.equal(rows.length, log.counts.rows, "every row taken in reaches the sink once it recovers");
  });

  it("works off a backlog in short rounds, yielding to requests between them", async () => {
    const sink = new TestSink();
    const log = newLog(sink, { segmentRows: 100_000 });
    for (let i = 0; i < 1200; i++)
      log.record(
        LOG_ALL,
        entry(
          `b${i}`,
          Array.from({ length: 10 }, () => ({ a: i })),
        ),
      );
    log.tick();
    assert.equal(log.queued, 7000, "one round converts 5000 rows, then yields");
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(log.queued, 0, "the next rounds follow at once");
    await log.flush();
    assert.equal((await sink.rows()).length, 12_000);
  });

  it("never throws from record(), whatever the input", () => {
    const log = newLog(new TestSink());
    assert.doesNotThrow(() =>
      log.record(LOG_ALL, { ...entry("x"), input: undefined as never, predictions: "{not json" }),
    );
  });

  it("rotates segments by rows and by time", async () => {
    let now = 1_000_000;
    const sink = new TestSink();
    const log = newLog(sink, { segmentRows: 5, segmentSeconds: 10, clock: () => now });
    for (let i = 0; i < 12; i++) log.record(LOG_ALL, entry(`r${i}`));
    log.tick();
    await log.flush();
    assert.deepEqual(await Promise.all(sink.stored.map(rowsIn)), [5, 5, 2]);

    const timed = new TestSink();
    const byTime = newLog(timed, { segmentRows: 1000, segmentSeconds: 10, clock: () => now });
    byTime.record(LOG_ALL, entry("t0"));
    byTime.tick();
    now += 5_000;
    byTime.tick();
    assert.equal(byTime.pendingSegments + timed.stored.length, 0, "a 5 s old segment stays open");
    now += 5_000;
    byTime.tick();
    await byTime.flush();
    assert.equal(timed.stored.length, 1, "a 10 s old segment is finished and uploaded");
  });

  it("retries a failed upload with backoff, counting each failure, and drops a refused segment", async () => {
    const sink = new TestSink();
    sink.failNext = ["retry", "retry"];
    const log = newLog(sink);
    log.record(LOG_ALL, entry("r1"));
    for (let i = 0; i < 3 && sink.stored.length === 0; i++) {
      await log.flush();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(sink.stored.length, 1);
    assert.equal(log.counts.uploadFailures, 2);
    assert.equal(log.counts.segments, 1);

    sink.failNext = ["refused"];
    log.record(LOG_ALL, entry("r2"));
    await log.flush();
    assert.equal(sink.stored.length, 1, "a refused segment is not retried");
    assert.equal(log.counts.dropped, 1);
    assert.equal(log.counts.uploadFailures, 3);
  });

  it("writes out and uploads everything queued on stop, and takes nothing after", async () => {
    const sink = new TestSink();
    const log = newLog(sink, { segmentRows: 3 });
    for (let i = 0; i < 7; i++) log.record(LOG_ALL, entry(`r${i}`));
    await log.stop();
    assert.equal((await sink.rows()).length, 7);
    log.record(LOG_ALL, entry("late"));
    assert.equal(log.queued, 0);
  });

  it("gives up on a hung sink at its stop timeout, counting what it could not upload as dropped", async () => {
    const sink = new TestSink();
    sink.stallUploads();
    const log = newLog(sink, { stopTimeoutMs: 50 });
    for (let i = 0; i < 4; i++) log.record(LOG_ALL, entry(`h${i}`));
    await log.stop();
    assert.equal(log.counts.dropped, 4);
    assert.equal(log.pendingSegments, 0, "nothing is held after stop");
    sink.resume();
  });

  it("does nothing when the snapshot does not log", async () => {
    const sink = new TestSink();
    const log = newLog(sink);
    log.record(undefined, entry("r"));
    await log.flush();
    assert.equal(sink.attempts, 0);
    assert.equal(log.counts.rows, 0);
  });
});

async function rowsIn(bytes: Uint8Array): Promise<number> {
  const { readSegment } = await import("../../../src/monitoring/segments/segment-reader.js");
  let n = 0;
  for await (const chunk of readSegment(bytes)) n += chunk.rows;
  return n;
}
