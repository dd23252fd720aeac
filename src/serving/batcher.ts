// Adaptive dynamic batching: concurrent requests are coalesced into one runtime call of at most maxBatchSize
// rows. Adaptive: a request that finds a runtime slot free is dispatched at once (a lone request at low load
// never waits for company); requests that arrive while every slot is busy queue up and leave together as soon as
// a slot frees. maxBatchDelayMs only matters when some slots are busy and another is free: a small queue then
// waits up to that long for batch-mates before taking the free slot. The queue is bounded: beyond it, fast 503.
import { FlowgateError } from "../core/errors.js";
import { rowsOf, type ModelRuntime, type PredictionResult, type RuntimeInput } from "./runtime.js";

export interface BatcherOptions {
  maxBatchSize: number;
  maxBatchDelayMs: number;
  /** Requests allowed to wait; more are refused with 503 at once. */
  maxQueue: number;
  /** Called with the number of requests and rows of every dispatched batch (metrics). */
  onBatch?: (requests: number, rows: number) => void;
}

interface Pending {
  input: RuntimeInput;
  rows: number;
  enqueuedAt: number;
  settled: boolean;
  resolve: (result: PredictionResult) => void;
}

export class Batcher {
  private readonly queue: Pending[] = [];
  private busy = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Batches allowed to run at once (at most the runtime's slots); see shareSlots. */
  private slotLimit = Infinity;

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly options: BatcherOptions,
  ) {}

  /** Queues one request; the promise never rejects (errors come back as results). `cancel` drops it if still queued. */
  submit(input: RuntimeInput): { result: Promise<PredictionResult>; cancel: () => void } {
    if (this.queue.length >= this.options.maxQueue) {
      const error = new FlowgateError(
        "TEMPORARILY_UNAVAILABLE",
        `The server is busy: ${this.queue.length} requests are already waiting (limit ${this.options.maxQueue}). Retry later.`,
      );
      return { result: Promise.resolve({ ok: false, error }), cancel: () => undefined };
    }
    let pending: Pending | undefined;
    const result = new Promise<PredictionResult>((resolve) => {
      pending = { input, rows: rowsOf(input), enqueuedAt: Date.now(), settled: false, resolve };
    });
    const item = pending as unknown as Pending;
    this.queue.push(item);
    this.pump();
    return {
      result,
      cancel: () => {
        const at = this.queue.indexOf(item);
        if (at >= 0) this.queue.splice(at, 1);
        item.settled = true;
      },
    };
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Caps the batches that run at once below the runtime's slots. Versions that share a machine (a deployment's
   * split) get slots in proportion to their traffic: a version with 10% of the requests and all of its slots
   * would run many tiny batches, each paying the whole per-call cost, and take CPU from the others. Fewer slots
   * make its batches larger; at least one always runs.
   */
  limitSlots(limit: number): void {
    this.slotLimit = Math.max(1, limit);
    this.pump();
  }

  /** Batches allowed to run at once: the runtime's slots, or fewer under limitSlots. */
  get slots(): number {
    return Math.min(this.runtime.slots, this.slotLimit);
  }

  private pump(): void {
    while (this.busy < this.slots && this.queue.length > 0) {
      if (this.shouldWait()) return;
      const batch = this.take();
      if (batch.length === 0) return;
      this.busy++;
      void this.run(batch).finally(() => {
        this.busy--;
        this.pump();
      });
    }
  }

  /** Hold a small queue briefly for batch-mates only when other batches are running (there is load). */
  private shouldWait(): boolean {
    const { maxBatchDelayMs, maxBatchSize } = this.options;
    if (maxBatchDelayMs <= 0 || this.busy === 0) return false;
    const rows = this.queue.reduce((n, p) => n + p.rows, 0);
    if (rows >= maxBatchSize) return false;
    const waited = Date.now() - (this.queue[0] as Pending).enqueuedAt;
    if (waited >= maxBatchDelayMs) return false;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, maxBatchDelayMs - waited);
    }
    return true;
  }

  private take(): Pending[] {
    const batch: Pending[] = [];
    let rows = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Pending;
      if (batch.length > 0 && rows + next.rows > this.options.maxBatchSize) break;
      this.queue.shift();
      if (next.settled) continue;
      batch.push(next);
      rows += next.rows;
    }
    return batch;
  }

  private async run(batch: Pending[]): Promise<void> {
    this.options.onBatch?.(
      batch.length,
      batch.reduce((n, p) => n + p.rows, 0),
    );
    let results: PredictionResult[];
    try {
      results = await this.runtime.predictBatch(batch.map((p) => p.input));
    } catch (err) {
      // A whole-batch failure must not fail batch-mates of a bad request: run each alone.
      if (batch.length > 1) {
        results = [];
        for (const p of batch) results.push(await this.runOne(p.input));
      } else {
        results = [failure(err)];
      }
    }
    batch.forEach((p, i) => {
      p.settled = true;
      p.resolve(results[i] ?? failure(new Error("the runtime returned too few results")));
    });
  }

  private async runOne(input: RuntimeInput): Promise<PredictionResult> {
    try {
      return (await this.runtime.predictBatch([input]))[0] ?? failure(new Error("no result"));
    } catch (err) {
      return failure(err);
    }
  }
}

function failure(err: unknown): PredictionResult {
  if (err instanceof FlowgateError) return { ok: false, error: err };
  return {
    ok: false,
    error: new FlowgateError(
      "BAD_REQUEST",
      `Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference. Error: ${(err as Error).message}`,
    ),
  };
}
