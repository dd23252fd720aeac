// The prediction log of one served deployment. On the request path `record` only decides the sample (by a
// hash of the request id, so every replica keeps the same requests) and pushes references into a bounded
// queue: it never awaits, never throws and encodes nothing. A background flusher turns queued requests into
// records (inputs chosen and hashed, outputs read), appends them to a Parquet SegmentWriter, rotates by rows
// or time, and uploads finished segments with retry and backoff. Memory is bounded three ways: queued rows,
// the open segment's rows, and finished segments awaiting upload. While the sink stalls the flusher stops
// taking from the queue once those are full, so new requests are dropped and counted — never slowed.
import type { Logger } from "../../core/logger.js";
import type { RoutingSnapshot } from "../../delivery/deployment.js";
import { bucketOf } from "../../delivery/router.js";
import type { PredictionRole } from "../../monitoring/segments/prediction-record.js";
import { SegmentWriter } from "../../monitoring/segments/segment-writer.js";
import type { ModelInput } from "../frame.js";
import { ColumnPlan, recordsOf, type LoggedRequest } from "./prediction-rows.js";
import type { SegmentSink } from "./segment-sink.js";

export const DEFAULT_MAX_QUEUED_ROWS = 100_000;
export const DEFAULT_SEGMENT_ROWS = 50_000;
export const DEFAULT_SEGMENT_SECONDS = 10;
export const DEFAULT_MAX_PENDING_SEGMENTS = 4;
/** Rows one flusher round converts before it yields to requests (the rest in the next round, at once). */
const ROWS_PER_ROUND = 5_000;

export interface PredictionLogOptions {
  sink: SegmentSink;
  logger: Logger;
  /** Rows waiting for the flusher at most; beyond, new rows are dropped (default 100 000). */
  maxQueuedRows?: number;
  /** A segment is finished at this many rows (default 50 000)… */
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
  private queue: LoggedRequest[] = [];
  private queuedRows = 0;
  private readonly writer = new SegmentWriter();
  private segmentStartedAt = 0;
  private readonly pending: Pending[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private uploading: Promise<void> | undefined;
  private retryAt = 0;
  private failuresInRow = 0;
  private stopped = false;
  private readonly plan = new ColumnPlan();
  private readonly now: () => number;
  private again: NodeJS.Immediate | undefined;

  constructor(private readonly options: PredictionLogOptions) {
    this.now = options.clock ?? Date.now;
  }

  /**
   * Logs one answered request, if the snapshot logs and the request is in the sample. O(1): the input frame
   * and the predictions' text are kept by reference and read later by the flusher (neither is changed after
   * the answer).
   */
  record(
    config: RoutingSnapshot["predictionLog"],
    entry: {
      requestId: string;
      version: string;
      role: PredictionRole;
      latencyMs: number;
      input: ModelInput;
      predictions: string;
    },
  ): void {
    try {
      if (config === undefined || this.stopped) return;
      if (!sampledForLog(entry.requestId, config.sampleRate)) return;
      const rows = rowsOfInput(entry.input);
      if (this.queuedRows + rows > (this.options.maxQueuedRows ?? DEFAULT_MAX_QUEUED_ROWS)) {
        this.counts.dropped += rows;
        return;
      }
      this.queue.push({ ...entry, time: this.now(), config });
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

  /** Finished segments waiting for upload. */
  get pendingSegments(): number {
    return this.pending.length;
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
    while (this.pending.length > 0 && this.now() < deadline) {
      this.retryAt = 0;
      this.uploadSoon();
      // A hung upload must not hold the process past its stop timeout.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadline - this.now()));
      });
      await Promise.race([this.uploading, timeout]);
      clearTimeout(timer);
      if (this.pending.length > 0) await sleep(Math.min(this.backoff(), Math.max(0, deadline - this.now())));
    }
    for (const p of this.pending.splice(0)) this.counts.dropped += p.rows;
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
    while (taken < this.queue.length) {
      if (!force && converted >= ROWS_PER_ROUND) {
        budgetSpent = true;
        break;
      }
      if (this.writer.rows >= segmentRows) {
        // A stalled sink: no room for another finished segment, so rows stay queued (and new ones drop).
        if (!force && this.pending.length >= maxPending) break;
        this.finishSegment();
      }
      const req = this.queue[taken++] as LoggedRequest;
      const rows = rowsOfInput(req.input);
      this.queuedRows -= rows;
      converted += rows;
      if (this.writer.rows === 0) this.segmentStartedAt = this.now();
      this.writer.append(recordsOf(req, this.plan));
    }
    this.queue = taken === this.queue.length ? [] : this.queue.slice(taken);
    return budgetSpent;
  }

  private rotateIfDue(): void {
    if (this.writer.rows === 0) return;
    const maxPending = this.options.maxPendingSegments ?? DEFAULT_MAX_PENDING_SEGMENTS;
    const seconds = this.options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
    const full = this.writer.rows >= (this.options.segmentRows ?? DEFAULT_SEGMENT_ROWS);
    const old = this.now() - this.segmentStartedAt >= seconds * 1000;
    if ((full || old) && this.pending.length < maxPending) this.finishSegment();
  }

  private finishSegment(): void {
    if (this.writer.rows === 0) return;
    const rows = this.writer.rows;
    this.pending.push({ bytes: this.writer.finish(), seq: this.seq++, rows });
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
