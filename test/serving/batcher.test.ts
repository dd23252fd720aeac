// The adaptive batcher on a scripted in-memory runtime (the runtime is the unit under the batcher; no model).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Batcher } from "../../src/serving/batcher.js";
import { FlowgateError } from "../../src/core/errors.js";
import type { ModelRuntime, PredictionResult, RuntimeInput } from "../../src/serving/runtime.js";

/** A runtime whose calls finish only when the test releases them, recording every batch it was given. */
function scriptedRuntime(slots = 1) {
  const batches: RuntimeInput[][] = [];
  const waiting: (() => void)[] = [];
  const runtime: ModelRuntime = {
    kind: "onnx",
    slots,
    ready: () => true,
    recovering: () => false,
    notReadyReason: () => undefined,
    describe: () => ({}),
    close: async () => undefined,
    async predictBatch(inputs) {
      batches.push([...inputs]);
      await new Promise<void>((resolve) => waiting.push(resolve));
      if (inputs.length > 1 && inputs.some((i) => i.kind === "tensor")) throw new Error("batch poisoned");
      return inputs.map((i): PredictionResult =>
        i.kind === "tensor"
          ? { ok: false, error: new FlowgateError("BAD_REQUEST", "bad") }
          : { ok: true, predictions: String(i.frame.rows) },
      );
    },
  };
  const releaseAll = async () => {
    while (waiting.length > 0) {
      waiting.splice(0).forEach((r) => r());
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { runtime, batches, releaseAll };
}

const frame = (rows: number): RuntimeInput => ({
  kind: "frame",
  frame: { columns: ["x"], data: [Array<number>(rows).fill(1)], rows, fromText: false, dtypes: undefined },
  params: undefined,
});

describe("adaptive batcher", () => {
  test("a lone request is dispatched at once, not held back for company", async () => {
    const { runtime, batches, releaseAll } = scriptedRuntime();
    const batcher = new Batcher(runtime, { maxBatchSize: 64, maxBatchDelayMs: 1000, maxQueue: 10 });
    const { result } = batcher.submit(frame(1));
    assert.equal(batches.length, 1, "dispatched synchronously on submit");
    await releaseAll();
    assert.deepEqual(await result, { ok: true, predictions: "1" });
  });

  test("requests arriving while the runtime is busy are coalesced into one call", async () => {
    const { runtime, batches, releaseAll } = scriptedRuntime();
    const batcher = new Batcher(runtime, { maxBatchSize: 64, maxBatchDelayMs: 0, maxQueue: 100 });
    const first = batcher.submit(frame(1));
    const rest = Array.from({ length: 5 }, () => batcher.submit(frame(2)));
    assert.equal(batches.length, 1);
    await releaseAll();
    await Promise.all([first.result, ...rest.map((r) => r.result)]);
    assert.equal(batches.length, 2);
    assert.equal(batches[1]?.length, 5);
  });

  test("a batch never exceeds max_batch_size rows", async () => {
    const { runtime, batches, releaseAll } = scriptedRuntime();
    const batcher = new Batcher(runtime, { maxBatchSize: 4, maxBatchDelayMs: 0, maxQueue: 100 });
    const all = [batcher.submit(frame(1)), ...Array.from({ length: 6 }, () => batcher.submit(frame(2)))];
    await releaseAll();
    await Promise.all(all.map((r) => r.result));
    const sizes = batches.map((b) => b.reduce((n, i) => n + (i.kind === "frame" ? i.frame.rows : 1), 0));
    assert.ok(
      sizes.every((s) => s <= 4),
      `batch rows ${sizes.join(",")}`,
    );
  });

  test("one bad request never fails its batch-mates", async () => {
    const { runtime, releaseAll } = scriptedRuntime();
    const batcher = new Batcher(runtime, { maxBatchSize: 64, maxBatchDelayMs: 0, maxQueue: 100 });
    const first = batcher.submit(frame(1));
    const good = batcher.submit(frame(3));
    const bad = batcher.submit({ kind: "tensor", body: { inputs: [] }, params: undefined });
    await releaseAll();
    assert.deepEqual(await first.result, { ok: true, predictions: "1" });
    assert.deepEqual(await good.result, { ok: true, predictions: "3" });
    const failed = await bad.result;
    assert.equal(failed.ok, false);
  });

  test("beyond the bounded queue a request is refused with 503 at once", async () => {
    const { runtime, releaseAll } = scriptedRuntime();
    const batcher = new Batcher(runtime, { maxBatchSize: 64, maxBatchDelayMs: 0, maxQueue: 2 });
    const accepted = [batcher.submit(frame(1)), batcher.submit(frame(1)), batcher.submit(frame(1))];
    const refused = await batcher.submit(frame(1)).result;
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.error.status, 503);
    await releaseAll();
    await Promise.all(accepted.map((r) => r.result));
  });

  test("a cancelled (timed-out) request leaves the queue and is never run", async () => {
    const { runtime, batches, releaseAll } = scriptedRuntime();
    const batcher = new Batcher(runtime, { maxBatchSize: 64, maxBatchDelayMs: 0, maxQueue: 10 });
    const first = batcher.submit(frame(1));
    const doomed = batcher.submit(frame(5));
    doomed.cancel();
    await releaseAll();
    await first.result;
    assert.equal(batches.length, 1);
  });

  test("with its slots limited, a version runs fewer, larger batches; lifting the limit uses every slot", async () => {
    const { runtime, batches, releaseAll } = scriptedRuntime(2);
    const batcher = new Batcher(runtime, { maxBatchSize: 64, maxBatchDelayMs: 0, maxQueue: 100 });
    batcher.limitSlots(1);
    const all = Array.from({ length: 4 }, () => batcher.submit(frame(1)));
    assert.equal(batches.length, 1, "one batch runs; the second slot stays free");
    batcher.limitSlots(Infinity);
    assert.equal(batches.length, 2, "the queued requests take the freed slot together");
    assert.equal(batches[1]?.length, 3);
    await releaseAll();
    await Promise.all(all.map((r) => r.result));
  });

  test("a limit of zero slots still runs one batch at a time", async () => {
    const { runtime, batches, releaseAll } = scriptedRuntime(2);
    const batcher = new Batcher(runtime, { maxBatchSize: 64, maxBatchDelayMs: 0, maxQueue: 100 });
    batcher.limitSlots(0);
    const { result } = batcher.submit(frame(1));
    assert.equal(batches.length, 1);
    await releaseAll();
    await result;
  });
});
