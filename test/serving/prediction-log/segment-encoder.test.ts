// The prediction log's segment encoder: requests cross to a worker thread as plain-data batches and come back
// as the very segment the main thread would have written, and a worker that cannot start costs nothing but
// speed (segments are then encoded on the main thread, with a warning).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { pino } from "pino";
import { SegmentWriter } from "../../../src/monitoring/segments/segment-writer.js";
import { PredictionLog } from "../../../src/serving/prediction-log/prediction-log.js";
import { recordsOf, type LoggedRequest } from "../../../src/serving/prediction-log/prediction-rows.js";
import { RowBatchBuilder } from "../../../src/serving/prediction-log/row-batch.js";
import { WorkerSegmentEncoder } from "../../../src/serving/prediction-log/segment-encoder.js";
import { frameInput, quietLogger, TestSink } from "./support.js";

const CONFIG = { sampleRate: 1, inputs: ["amount", "email", "country", "mixed", "late"], hashed: ["email"] };

/** Requests of every shape the log meets: hashed and chosen columns, nulls, CSV text, a column turning from
 * numbers to text, tensor input, answers with more or fewer rows than the frame, an unreadable answer. */
function requests(): LoggedRequest[] {
  const csv = frameInput([{ amount: "3.5", country: "FR", email: "a@b.c" }]);
  if (csv.kind === "frame") csv.frame.fromText = true;
  const base = { version: "2", role: "primary" as const, latencyMs: 3.25, config: CONFIG };
  return [
    {
      ...base,
      time: 1_780_000_000_000,
      requestId: "r0",
      input: frameInput([
        { amount: 12.5, email: "ann@example.com", country: "FR", mixed: 1, other: 9 },
        { amount: null, email: null, country: "DE", mixed: "two", other: 9 },
      ]),
      predictions: JSON.stringify([
        { label: "spam", probabilities: [0.2, 0.8] },
        { label: "ham", probabilities: [0.9, 0.1] },
      ]),
    },
    {
      ...base,
      time: 1_780_000_000_001,
      requestId: "r1",
      role: "canary",
      input: frameInput([{ amount: 7, mixed: "seven", late: true }]),
      predictions: "[1, 0]",
    },
    {
      ...base,
      time: 1_780_000_000_002,
      requestId: "r2",
      input: csv,
      predictions: '{"cat": 0.3, "dog": 0.7}',
    },
    {
      ...base,
      time: 1_780_000_000_003,
      requestId: "r3",
      input: { kind: "tensor", body: { inputs: [[1, 2]] }, params: undefined },
      predictions: "[[0.1, 0.9]]",
    },
    {
      ...base,
      time: 1_780_000_000_004,
      requestId: "r4",
      input: frameInput([{ amount: 1 }, { amount: 2 }, { amount: 3 }]),
      predictions: "{not json",
    },
  ];
}

function mainThreadSegment(reqs: LoggedRequest[]): Uint8Array {
  const writer = new SegmentWriter();
  for (const req of reqs) writer.append(recordsOf(req));
  return writer.finish();
}

function batchesOf(reqs: LoggedRequest[], perBatch: number) {
  const builder = new RowBatchBuilder();
  const out = [];
  for (let i = 0; i < reqs.length; i++) {
    const req = reqs[i]!;
    builder.add(
      req,
      req.time,
      req.config,
      req.input.kind === "frame" ? Math.max(1, req.input.frame.rows) : 1,
    );
    if ((i + 1) % perBatch === 0 || i === reqs.length - 1) out.push(builder.take());
  }
  return out;
}

function capturingLogger() {
  const lines: { msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { msg: string });
      done();
    },
  });
  return { logger: pino({ level: "warn" }, stream), lines };
}

describe("prediction log segment encoder", () => {
  it("writes on its worker thread, from batches, byte for byte the segment the main thread would write", async () => {
    const reqs = requests();
    const encoder = new WorkerSegmentEncoder({
      logger: quietLogger,
      onLost: () => assert.fail("nothing is lost"),
    });
    for (const { batch, transfer } of batchesOf(reqs, 2)) encoder.append(batch, transfer);
    const segment = await encoder.finish();
    const empty = await encoder.finish();
    assert.ok(encoder.offThread, "the worker encoded them");
    await encoder.close();
    assert.equal(segment.rows, 2 + 2 + 1 + 1 + 1, "one record per predicted row");
    assert.deepEqual(segment.bytes, mainThreadSegment(reqs));
    assert.deepEqual(empty, { bytes: undefined, rows: 0 }, "a segment with no rows is no file");
  });

  it("sends numeric columns as typed arrays (transferred, not cloned) and other columns as cells", () => {
    const [{ batch, transfer }] = batchesOf(requests().slice(0, 2), 2) as [
      ReturnType<RowBatchBuilder["take"]>,
    ];
    const byName = Object.fromEntries(batch.columns.map((c) => [c.name, c]));
    assert.ok(byName.amount!.numbers instanceof Float64Array);
    assert.ok(transfer.includes(byName.amount!.numbers.buffer as ArrayBuffer));
    assert.equal(byName.country!.numbers, undefined);
    assert.deepEqual(byName.country!.cells, ["FR", "DE"]);
  });

  it("encodes on the main thread, losing nothing, when its worker cannot start", async () => {
    const { logger, lines } = capturingLogger();
    const sink = new TestSink();
    const now = 1_780_000_000_000;
    const log = new PredictionLog({
      sink,
      logger,
      clock: () => now,
      encoder: (onLost) =>
        new WorkerSegmentEncoder({
          logger,
          onLost,
          workerUrl: new URL("./no-such-worker.js", import.meta.url),
        }),
    });
    const reqs = requests().map((r) => ({ ...r, time: now }));
    for (const req of reqs) log.record(req.config, req);
    await log.flush();
    assert.deepEqual(sink.stored, [mainThreadSegment(reqs)]);
    assert.equal(log.counts.dropped, 0);
    assert.ok(lines.some((l) => l.msg.includes("encoding segments on the main thread")));
    await log.stop();
  });
});
