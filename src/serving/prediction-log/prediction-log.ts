// The prediction log of one served deployment. On the request path `record` only decides the sample (by a
// hash of the request id, so every replica keeps the same requests) and pushes references into a bounded
// queue: it never awaits, never throws and encodes nothing. A background flusher copies queued requests into
// plain-data batches (the chosen input columns) for the segment encoder, a worker thread that turns them into
// records (inputs hashed, outputs read) and Parquet segments; the flusher rotates by rows or time, and uploads
// finished segments with retry and backoff. Memory is bounded three ways: queued rows, the open segment's
// rows, and finished segments being encoded or awaiting upload. While the sink stalls the flusher stops
// taking from the queue once those are full, so new requests are dropped and counted — never slowed.
import type { Logger } from "../../core/logger.js";
import type { RoutingSnapshot } from "../../delivery/deployment.js";
import { bucketOf } from "../../delivery/router.js";
import type { ModelInput } from "../frame.js";
import type { AnsweredRequest, LogConfig } from "./prediction-rows.js";
import { RowBatchBuilder } from "./row-batch.js";
import { WorkerSegmentEncoder, type SegmentEncoder } from "./segment-encoder.js";
import type { SegmentSink } from "./segment-sink.js";

export const DEFAULT_MAX_QUEUED_ROWS = 100_000;
export const DEFAULT_SEGMENT_ROWS = 50_000;
export const DEFAULT_SEGMENT_SECONDS = 10;
export const DEFAULT_MAX_PENDING_SEGMENTS = 4;
/** Rows one flusher round takes before it yields to requests (the rest in the next round, at once). */
const ROWS_PER_ROUND = 5_000;

export interface PredictionLogOptions {
  sink: SegmentSink;
  logger: Logger;
  /** Rows waiting for the flusher at most; beyond, new rows are dropped (default 100 000). */
  maxQueuedRows?: number;
  /** A segment is finished at this many rows, counted as the queue counts them (default 50 000)… */
  segmentRows?: number;
  /** …or this long after its first row (default 10 s). */
  segmentSeconds?: number;
  /** Finished segments awaiting upload at most (default 4); while full, the flusher stops taking rows. */
  maxPendingSegments?: number;
  /** How often the flusher runs (default 100 ms). */
  flushIntervalMs?: number;
  /** First retry delay of a failed upload, doubled each time up to `maxBackoffMs` (defaults 500 ms, 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** On stop, how long to keep trying to upload what is left (default 10 s). */
  stopTimeoutMs?: number;
  clock?: () => number;
  /** Where segments are encoded (default: a worker thread); `onLost` counts rows an encoder lost as dropped. */
  encoder?: (onLost: (rows: number) => void) => SegmentEncoder;
}

/** What the log counted so far (the metrics read these). */
export interface PredictionLogCounts {
  /** Rows accepted into the log (sampled in and queued). */
  rows: number;
  /** Rows dropped: the queue was full, or a segment could not be uploaded before stop or was refused. */
  dropped: number;
  /** Segments uploaded. */
  segments: number;
  /** Upload attempts that failed (each retry counts). */
  uploadFailures: number;
}

interface Pending {
  bytes: Uint8Array;
  seq: number;
  rows: number;
}

/** A finished segment the encoder is still encoding. */
interface Encoding {
  /** Rows as the queue counted them (dropped by these if it is lost). */
  rows: number;
  done: Promise<void>;
  /** Stop gave up waiting for it: its rows are already counted as dropped. */
  abandoned: boolean;
}

/** Whether a request is logged at `rate` (0–1): by its id, so replicas and retries agree. */
export function sampledForLog(requestId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return bucketOf(`log\n${requestId}`) < rate * 10_000;
}

function rowsOfInput(input: ModelInput): number {
  return input.kind === "frame" ? Math.max(1, input.frame.rows) : 1;
}

export class PredictionLog {
  readonly counts: PredictionLogCounts = { rows: 0, dropped: 0, segments: 0, uploadFailures: 0 };
  // The queue as parallel arrays: one entry per request is all record() keeps.
  private queue: AnsweredRequest[] = [];
  private queueTimes: number[] = [];
  private queueConfigs: LogConfig[] = [];
  private queuedRows = 0;
  private readonly batch = new RowBatchBuilder();
  private segmentEncoder: SegmentEncoder | undefined;
  /** Rows (as the queue counts them) sent to the open segment. */
  private openRows = 0;
  private segmentStartedAt = 0;
  private readonly encoding = new Set<Encoding>();
  private readonly pending: Pending[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private uploading: Promise<void> | undefined;
  private retryAt = 0;
  private failuresInRow = 0;
  private stopped = false;
  private readonly now: () => number;
  private again: NodeJS.Immediate | undefined;

  constructor(private readonly options: PredictionLogOptions) {
    this.now = options.clock ?? Date.now;
  }

  /**
   * Logs one answered request, if the snapshot logs and the request is in the sample. O(1) and allocation
   * free: `entry` itself is queued (its input frame and predictions' text read later by the flusher; neither
   * is changed after the answer).
   */
  record(config: RoutingSnapshot["predictionLog"], entry: AnsweredRequest): void {
    try {
      if (config === undefined || this.stopped) return;
      if (!sampledForLog(entry.requestId, config.sampleRate)) return;
      const rows = rowsOfInput(entry.input);
      if (this.queuedRows + rows > (this.options.maxQueuedRows ?? DEFAULT_MAX_QUEUED_ROWS)) {
        this.counts.dropped += rows;
        return;
      }
      this.queue.push(entry);
      this.queueTimes.push(this.now());
      this.queueConfigs.push(config);
      this.queuedRows += rows;
      this.counts.rows += rows;
    } catch {
      // Logging must never fail a request; a row that could not be queued is simply not logged.
    }
  }

  /** Rows waiting for the flusher. */
  get queued(): number {
    return this.queuedRows;
  }

  /** Finished segments being encoded or waiting for upload. */
  get pendingSegments(): number {
    return this.pending.length + this.encoding.size;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.flushIntervalMs ?? 100);
    this.timer.unref();
  }

  /** One flusher round: queued rows into the open segment, rotation, and an upload if one is due. */
  tick(): void {
    try {
      const more = this.drain(false);
      this.rotateIfDue();
      this.uploadSoon();
      // A backlog is worked off in short rounds, so a request never waits long behind the flusher.
      if (more && !this.stopped && this.again === undefined) {
        this.again = setImmediate(() => {
          this.again = undefined;
          this.tick();
        });
      }
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, "prediction log: flush failed");
    }
  }

  /** Everything queued into segments and every segment uploaded now (tests; stop). */
  async flush(): Promise<void> {
    this.drain(true);
    this.finishSegment();
    await this.encoded();
    this.retryAt = 0;
    this.uploadSoon();
    await this.uploading;
  }

  /** Stops taking rows, writes what is queued and tries to upload it for up to `stopTimeoutMs`. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    if (this.again !== undefined) clearImmediate(this.again);
    const deadline = this.now() + (this.options.stopTimeoutMs ?? 10_000);
    this.drain(true);
    this.finishSegment();
    await this.until(this.encoded(), deadline);
    for (const e of this.encoding) {
      e.abandoned = true;
      this.counts.dropped += e.rows;
    }
    this.encoding.clear();
    while (this.pending.length > 0 && this.now() < deadline) {
      this.retryAt = 0;
      this.uploadSoon();
      // A hung upload must not hold the process past its stop timeout.
      await this.until(this.uploading, deadline);
      if (this.pending.length > 0) await sleep(Math.min(this.backoff(), Math.max(0, deadline - this.now())));
    }
    for (const p of this.pending.splice(0)) this.counts.dropped += p.rows;
    const encoder = this.segmentEncoder;
    this.segmentEncoder = undefined;
    await encoder?.close();
  }

  /** Waits for `promise`, but not past `deadline`. */
  private async until(promise: Promise<void> | undefined, deadline: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - this.now()));
    });
    await Promise.race([promise, timeout]);
    clearTimeout(timer);
  }

  /** Every segment asked for so far encoded (and queued for upload). */
  private async encoded(): Promise<void> {
    await Promise.all(Array.from(this.encoding, (e) => e.done));
  }

  /** Started with the first batch: a log that never logs starts no worker. */
  private encoder(): SegmentEncoder {
    const onLost = (rows: number): void => {
      this.counts.dropped += rows;
    };
    this.segmentEncoder ??=
      this.options.encoder?.(onLost) ?? new WorkerSegmentEncoder({ logger: this.options.logger, onLost });
    return this.segmentEncoder;
  }

  /**
   * Moves queued requests into the open segment: all of them when `force`, else up to one round's rows while
   * there is room. True when it stopped for the round's budget with rows left (room permitting, more to do).
   */
  private drain(force: boolean): boolean {
    const segmentRows = this.options.segmentRows ?? DEFAULT_SEGMENT_ROWS;
    const maxPending = this.options.maxPendingSegments ?? DEFAULT_MAX_PENDING_SEGMENTS;
    let taken = 0;
    let converted = 0;
    let budgetSpent = false;
    try {
      while (taken < this.queue.length) {
        if (!force && converted >= ROWS_PER_ROUND) {
          budgetSpent = true;
          break;
        }
        if (this.openRows >= segmentRows) {
          // A stalled sink: no room for another finished segment, so rows stay queued (and new ones drop).
          if (!force && this.pendingSegments >= maxPending) break;
          this.finishSegment();
        }
        const i = taken++;
        const req = this.queue[i]!;
        const rows = rowsOfInput(req.input);
        this.queuedRows -= rows;
        converted += rows;
        if (this.openRows === 0) this.segmentStartedAt = this.now();
        this.batch.add(req, this.queueTimes[i]!, this.queueConfigs[i]!, rows);
        this.openRows += rows;
      }
    } finally {
      if (taken === this.queue.length) {
        this.queue = [];
        this.queueTimes = [];
        this.queueConfigs = [];
      } else {
        this.queue.splice(0, taken);
        this.queueTimes.splice(0, taken);
        this.queueConfigs.splice(0, taken);
      }
      this.sendBatch();
    }
    return budgetSpent;
  }

  private sendBatch(): void {
    if (this.batch.requests === 0) return;
    const { batch, transfer } = this.batch.take();
    this.encoder().append(batch, transfer);
  }

  private rotateIfDue(): void {
    if (this.openRows === 0) return;
    const maxPending = this.options.maxPendingSegments ?? DEFAULT_MAX_PENDING_SEGMENTS;
    const seconds = this.options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
    const full = this.openRows >= (this.options.segmentRows ?? DEFAULT_SEGMENT_ROWS);
    const old = this.now() - this.segmentStartedAt >= seconds * 1000;
    if ((full || old) && this.pendingSegments < maxPending) this.finishSegment();
  }

  /** Asks the encoder for the open segment; once encoded it waits for upload (the encoder keeps the order). */
  private finishSegment(): void {
    if (this.openRows === 0) return;
    this.sendBatch();
    const job: Encoding = { rows: this.openRows, done: Promise.resolve(), abandoned: false };
    this.openRows = 0;
    job.done = this.encoder()
      .finish()
      .then(
        (segment) => {
          if (job.abandoned || segment.bytes === undefined) return;
          this.pending.push({ bytes: segment.bytes, seq: this.seq++, rows: segment.rows });
          this.uploadSoon();
        },
        (err: Error) => {
          if (job.abandoned) return;
          this.counts.dropped += job.rows;
          this.options.logger.warn({ err: err.message }, "prediction log: a segment could not be encoded");
        },
      )
      .finally(() => this.encoding.delete(job));
    this.encoding.add(job);
  }

  private backoff(): number {
    const base = this.options.backoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    return Math.min(max, base * 2 ** Math.min(20, Math.max(0, this.failuresInRow - 1)));
  }

  /** Starts the upload loop unless it runs or is backing off. */
  private uploadSoon(): void {
    if (this.uploading !== undefined || this.pending.length === 0 || this.now() < this.retryAt) return;
    this.uploading = this.uploadAll().finally(() => {
      this.uploading = undefined;
    });
  }

  private async uploadAll(): Promise<void> {
    while (this.pending.length > 0) {
      const next = this.pending[0] as Pending;
      const outcome = await this.options.sink.upload(next).catch(() => "retry" as const);
      if (outcome === "retry") {
        this.counts.uploadFailures++;
        this.failuresInRow++;
        this.retryAt = this.now() + this.backoff();
        return;
      }
      this.failuresInRow = 0;
      this.pending.shift();
      if (outcome === "stored") {
        this.counts.segments++;
      } else {
        // A refusal (bad segment, no permission) will not change by retrying: say so and move on.
        this.counts.uploadFailures++;
        this.counts.dropped += next.rows;
        this.options.logger.warn(
          { rows: next.rows, seq: next.seq },
          "prediction log: the control plane refused a segment; it is dropped",
        );
      }
    }
  }
}

/** Keeps the process alive while it waits: stop() must finish its uploads before the process may exit. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
