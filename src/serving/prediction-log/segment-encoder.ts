// Where the prediction log's segments are laid out and Parquet-encoded: on a worker thread, so encoding a
// 50 000-row segment (hundreds of ms) never holds up a request. Batches go to the worker as plain data (typed
// arrays transferred); finished segment bytes come back transferred. A worker that cannot start or dies is
// replaced by encoding on the main thread (with a warning): serving goes on, slower, rather than failing.
import type { Worker } from "node:worker_threads";
import { siblingEntry, startWorker } from "../../core/worker-thread.js";
import type { Logger } from "../../core/logger.js";
import { SegmentWriter } from "../../monitoring/segments/segment-writer.js";
import { appendRowBatch, type RowBatch } from "./row-batch.js";

/** A finished segment: its bytes (none when its requests predicted no rows) and its records. */
export interface EncodedSegment {
  bytes: Uint8Array | undefined;
  rows: number;
}

export interface SegmentEncoder {
  /** Adds a batch to the open segment. */
  append(batch: RowBatch, transfer: ArrayBuffer[]): void;
  /** Finishes the open segment; segments are finished in the order asked. */
  finish(): Promise<EncodedSegment>;
  close(): Promise<void>;
}

/** Main thread → worker. */
export type EncoderRequest = { kind: "append"; batch: RowBatch } | { kind: "finish" };
/** Worker → main thread: `ready` once loaded, one `segment` or `failed` per finish, `warning` for a bad batch. */
export type EncoderAnswer =
  | { kind: "ready" }
  | { kind: "segment"; bytes: Uint8Array | undefined; rows: number }
  | { kind: "failed"; message: string }
  | { kind: "warning"; message: string };

/** The open segment, wherever it is encoded. */
export class SegmentAssembler {
  private readonly writer = new SegmentWriter();

  append(batch: RowBatch): void {
    appendRowBatch(this.writer, batch);
  }

  finish(): EncodedSegment {
    const rows = this.writer.rows;
    return { bytes: rows === 0 ? undefined : this.writer.finish(), rows };
  }
}

/** The worker's entry: a sibling file, TypeScript under tsx (tests), JavaScript in dist/. */
export const ENCODER_WORKER_URL = siblingEntry("segment-encoder-worker", import.meta.url);

export function inProcessEncoder(logger: Logger): SegmentEncoder {
  const assembler = new SegmentAssembler();
  return {
    append(batch) {
      try {
        assembler.append(batch);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, "prediction log: a batch could not be logged");
      }
    },
    finish: () => Promise.resolve().then(() => assembler.finish()),
    close: () => Promise.resolve(),
  };
}

type Early =
  | { kind: "append"; batch: RowBatch; transfer: ArrayBuffer[] }
  | { kind: "finish"; resolve: (s: EncodedSegment) => void; reject: (err: Error) => void };

/**
 * Encodes on a worker thread. Until the worker says it is ready, requests wait here, so a worker that cannot
 * start loses nothing: they are replayed on the main thread. If it dies later, what it held (the segments
 * asked for and the rows of the open one) is lost and reported through `onLost`/rejections.
 */
export class WorkerSegmentEncoder implements SegmentEncoder {
  private worker: Worker | undefined;
  private fallback: SegmentEncoder | undefined;
  private ready = false;
  private closed = false;
  private early: Early[] = [];
  private readonly waiting: Early[] = [];
  /** Rows sent to the worker since the last finish it was sent. */
  private openRows = 0;

  constructor(
    private readonly options: {
      logger: Logger;
      /** Rows lost with a dead worker's open segment. */
      onLost: (rows: number) => void;
      workerUrl?: URL;
    },
  ) {
    let worker: Worker;
    try {
      worker = startWorker(options.workerUrl ?? ENCODER_WORKER_URL);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    this.worker = worker;
    // Idle, the worker must not keep the process alive; it is referenced while a segment is awaited.
    worker.unref();
    worker.on("message", (m: EncoderAnswer) => this.answer(m));
    worker.on("error", (err) => this.fail(err));
    worker.on("exit", (code) => {
      if (!this.closed) this.fail(new Error(`the encoder worker exited with code ${code}`));
    });
  }

  /** Whether segments are encoded on the worker (it started and is alive). */
  get offThread(): boolean {
    return this.ready && this.fallback === undefined && !this.closed;
  }

  append(batch: RowBatch, transfer: ArrayBuffer[]): void {
    if (this.fallback !== undefined) {
      this.fallback.append(batch, transfer);
    } else if (!this.ready) {
      this.early.push({ kind: "append", batch, transfer });
    } else {
      this.post({ kind: "append", batch }, transfer);
      this.openRows += batch.rows;
    }
  }

  finish(): Promise<EncodedSegment> {
    if (this.fallback !== undefined) return this.fallback.finish();
    return new Promise((resolve, reject) => {
      const request: Early = { kind: "finish", resolve, reject };
      if (this.ready) this.sendFinish(request);
      else this.early.push(request);
      this.worker?.ref();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
    await this.fallback?.close();
  }

  private post(message: EncoderRequest, transfer: ArrayBuffer[] = []): void {
    this.worker!.postMessage(message, transfer);
  }

  private sendFinish(request: Early): void {
    this.post({ kind: "finish" });
    this.openRows = 0;
    this.waiting.push(request);
  }

  private answer(m: EncoderAnswer): void {
    if (m.kind === "ready") {
      this.ready = true;
      for (const request of this.early.splice(0)) {
        if (request.kind === "append") this.append(request.batch, request.transfer);
        else this.sendFinish(request);
      }
      return;
    }
    if (m.kind === "warning") {
      this.options.logger.warn({ err: m.message }, "prediction log: a batch could not be logged");
      return;
    }
    const request = this.waiting.shift();
    if (this.waiting.length === 0) this.worker?.unref();
    if (request?.kind !== "finish") return;
    if (m.kind === "segment") request.resolve({ bytes: m.bytes, rows: m.rows });
    else request.reject(new Error(m.message));
  }

  private fail(err: Error): void {
    if (this.fallback !== undefined || this.closed) return;
    this.options.logger.warn(
      { err: err.message },
      "prediction log: the segment encoder worker failed; encoding segments on the main thread",
    );
    const fallback = inProcessEncoder(this.options.logger);
    this.fallback = fallback;
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate().catch(() => undefined);
    for (const request of this.waiting.splice(0)) if (request.kind === "finish") request.reject(err);
    if (this.openRows > 0) this.options.onLost(this.openRows);
    this.openRows = 0;
    for (const request of this.early.splice(0)) {
      if (request.kind === "append") fallback.append(request.batch, request.transfer);
      else fallback.finish().then(request.resolve, request.reject);
    }
  }
}
