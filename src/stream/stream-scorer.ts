// The stream-scoring engine: pulls batches of events from a source, decodes each into a row of the model's
// inputs, scores them through a Scorer (its batcher coalesces rows across events), publishes results to the
// sink and bad events to the DLQ, and only then acks: at-least-once in, exactly once in the output (see
// endpoints.ts). Events are committed in pull order, so an ack never passes an event still being scored.
//
// An event's payload is a JSON object: a row of the model's input columns, with the event id in field
// `idField` (removed before scoring), or `{ "<idField>": …, "inputs": { …row… } }`. Without the id field the
// broker's own id names the event (Kafka: topic-partition-offset).
import type { Logger } from "../core/logger.js";
import type { Scorer } from "../scoring/scorer.js";
import { frameFromRecords } from "../serving/frame.js";
import type { PredictionResult } from "../serving/runtime.js";
import type { Endpoints, Outcome } from "./endpoints.js";
import type { StreamMetrics } from "./stream-metrics.js";
import type { StreamEvent, StreamRecord } from "./stream.js";

export interface StreamScoreOptions {
  /** The payload field holding the event id (default `id`). */
  idField: string;
  /** Events asked of the source per pull. */
  maxBatch: number;
  /** Events pulled and not yet acked at most: when full, the engine stops pulling until commits free room. */
  maxInFlight: number;
  /**
   * Rows per scoring request. 1 gives every event its own request, whose request id is the event id (the
   * prediction log's request_id, so labels join by it; a deployment's policy routes each event). Larger
   * requests score faster; a request that fails is scored again event by event to find the bad ones.
   */
  rowsPerRequest: number;
  /** Longest a pull waits for its first event (ms). */
  pollMs?: number;
  /** Stops (as on SIGTERM) once no event has arrived for this long (ms): drains a stream and exits. */
  idleExitMs?: number;
  signal?: AbortSignal;
  metrics?: StreamMetrics;
  logger?: Logger;
}

export interface StreamSummary {
  scored: number;
  dead: number;
  commits: number;
  /** From the first event pulled to the last commit. */
  seconds: number;
  eventsPerSecond: number;
}

/** What an event decodes to: its id and row, or its id and why it cannot be scored. */
type Decoded = { id: string; row: Record<string, unknown> } | { id: string; reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function decodeEvent(event: StreamEvent, idField: string): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.value.toString("utf8"));
  } catch (err) {
    return { id: event.id, reason: `INVALID_JSON: the payload is not JSON (${(err as Error).message})` };
  }
  if (!isObject(parsed)) {
    const kind = Array.isArray(parsed) ? "an array" : parsed === null ? "null" : `a ${typeof parsed}`;
    return {
      id: event.id,
      reason: `INVALID_JSON: the payload is ${kind}; an event is a JSON object: a row of the model's input columns`,
    };
  }
  const rawId = parsed[idField];
  const id = typeof rawId === "string" || typeof rawId === "number" ? String(rawId) : event.id;
  const keys = Object.keys(parsed);
  if (isObject(parsed.inputs) && keys.every((k) => k === "inputs" || k === idField)) {
    return { id, row: parsed.inputs };
  }
  const row: Record<string, unknown> = {};
  for (const key of keys) if (key !== idField) row[key] = parsed[key];
  return { id, row };
}

/** One request's predictions split per row, each as a one-row request would have them; undefined if it cannot. */
function splitPredictions(text: string, rows: number): string[] | undefined {
  if (rows === 1) return [text];
  const value: unknown = JSON.parse(text);
  if (Array.isArray(value)) {
    return value.length === rows ? value.map((v) => JSON.stringify([v])) : undefined;
  }
  if (isObject(value)) {
    const columns = Object.entries(value);
    if (!columns.every(([, v]) => Array.isArray(v) && v.length === rows)) return undefined;
    return Array.from({ length: rows }, (_, i) =>
      JSON.stringify(Object.fromEntries(columns.map(([k, v]) => [k, [(v as unknown[])[i]]]))),
    );
  }
  return undefined;
}

/** Busy or loading, not wrong: scored again after a pause instead of dead-lettered. */
function transient(result: PredictionResult): boolean {
  return (
    !result.ok &&
    (result.error.code === "TEMPORARILY_UNAVAILABLE" || result.error.code === "RESOURCE_EXHAUSTED")
  );
}

class Stopped extends Error {}

/** Bounds the rows being scored at once: enough to keep every runtime slot busy with full batches. */
class RowBudget {
  private used = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async take(rows: number): Promise<void> {
    while (this.used > 0 && this.used + rows > this.limit)
      await new Promise<void>((r) => this.waiters.push(r));
    this.used += rows;
  }
  give(rows: number): void {
    this.used -= rows;
    this.waiters.splice(0).forEach((wake) => wake());
  }
}

/** Rows a runtime slot scores per model call at most (the scorer's batcher default); two per slot in flight. */
const ROWS_PER_SLOT = 256 * 2;

export async function scoreStream(
  scorer: Scorer,
  endpoints: Endpoints,
  options: StreamScoreOptions,
): Promise<StreamSummary> {
  const { source, sink, dlq } = endpoints;
  const { idField, metrics, logger, signal } = options;
  const maxInFlight = Math.max(1, options.maxInFlight);
  const maxBatch = Math.max(1, Math.min(options.maxBatch, maxInFlight));
  const pollMs = options.pollMs ?? 200;
  const budget = new RowBudget(Math.max(options.rowsPerRequest, scorer.slots * ROWS_PER_SLOT));
  const started = Date.now();
  const summary = { scored: 0, dead: 0, commits: 0 };
  /** The rate in the summary is over the busy span: from the first event pulled to the last commit. */
  let firstEventAt: number | undefined;
  let lastCommitAt: number | undefined;
  const recent: Array<{ at: number; events: number }> = [];
  metrics?.setProbe({
    lag: () => source.lag(),
    eventsPerSecond: () => {
      const since = Date.now() - 10_000;
      const events = recent.filter((r) => r.at >= since).reduce((n, r) => n + r.events, 0);
      return events / Math.min(10, Math.max(0.001, (Date.now() - started) / 1000));
    },
  });

  const stopping = () => signal?.aborted === true;
  const header = (id: string) => `{"id":${JSON.stringify(id)},"predictions":`;
  const tail = `,"model":${JSON.stringify(scorer.name)},"version":${JSON.stringify(scorer.version)}}`;
  const deadLetter = (event: StreamEvent, id: string, reason: string): Outcome => ({
    event,
    dead: {
      id,
      value: Buffer.from(JSON.stringify({ id, reason, payload: event.value.toString("utf8") })),
    },
  });

  /** Scores one request, pausing and trying again while the runtime is busy or loading. */
  async function scoreRequest(records: Record<string, unknown>[], requestId: string | undefined) {
    const frame = frameFromRecords(records);
    for (let attempt = 0; ; attempt++) {
      const result = await scorer.score(frame, requestId);
      if (!transient(result)) return result;
      if (stopping()) throw new Stopped();
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    }
  }

  async function scoreGroup(
    group: Array<{ event: StreamEvent; id: string; row: Record<string, unknown> }>,
  ): Promise<Outcome[]> {
    const rows = group.length;
    await budget.take(rows);
    try {
      const result = await scoreRequest(
        group.map((g) => g.row),
        rows === 1 ? group[0]?.id : undefined,
      );
      const split = result.ok ? splitPredictions(result.predictions, rows) : undefined;
      if (split !== undefined) {
        return group.map(({ event, id }, i): Outcome => ({
          event,
          output: { id, value: Buffer.from(header(id) + (split[i] as string) + tail) },
        }));
      }
      if (rows === 1 && !result.ok) {
        const { event, id } = group[0] as (typeof group)[number];
        return [deadLetter(event, id, `${result.error.code}: ${result.error.message}`)];
      }
    } finally {
      budget.give(rows);
    }
    // A failed request of several events: each alone says which of them is bad and why.
    return (await Promise.all(group.map((g) => scoreGroup([g])))).flat();
  }

  async function scoreBatch(events: readonly StreamEvent[]): Promise<Outcome[]> {
    const outcomes: Array<Promise<Outcome[]>> = [];
    let group: Array<{ event: StreamEvent; id: string; row: Record<string, unknown> }> = [];
    let columns = "";
    const flush = () => {
      if (group.length > 0) outcomes.push(scoreGroup(group));
      group = [];
    };
    for (const event of events) {
      const decoded = decodeEvent(event, idField);
      if ("reason" in decoded) {
        outcomes.push(Promise.resolve([deadLetter(event, decoded.id, decoded.reason)]));
        continue;
      }
      // Rows of one request share their columns (a frame); a different shape starts another request.
      const shape = Object.keys(decoded.row).join("\u0000");
      if (group.length >= options.rowsPerRequest || shape !== columns) flush();
      columns = shape;
      group.push({ event, ...decoded });
    }
    flush();
    return (await Promise.all(outcomes)).flat();
  }

  async function commit(outcomes: Outcome[]): Promise<void> {
    let committed: readonly Outcome[] = outcomes;
    if (endpoints.commit) {
      committed = await endpoints.commit(outcomes);
    } else {
      const outputs: StreamRecord[] = [];
      const dead: StreamRecord[] = [];
      for (const o of outcomes) {
        if (o.output) outputs.push(o.output);
        if (o.dead) dead.push(o.dead);
      }
      await sink.publish(outputs);
      if (dead.length > 0) {
        if (dlq) await dlq.publish(dead);
        else
          for (const d of dead)
            logger?.warn({ dead_letter: d.value.toString("utf8") }, "stream: bad event (no --dlq)");
      }
      await source.ack(outcomes.map((o) => o.event));
    }
    let dead = 0;
    for (const o of committed) if (o.dead) dead++;
    summary.dead += dead;
    summary.scored += committed.length - dead;
    summary.commits++;
    lastCommitAt = Date.now();
    recent.push({ at: Date.now(), events: committed.length });
    if (recent.length > 1000) recent.splice(0, recent.length - 1000);
    metrics?.events.inc({ outcome: "scored" }, committed.length - dead);
    if (dead > 0) metrics?.events.inc({ outcome: "dead" }, dead);
    metrics?.commits.inc();
  }

  interface Batch {
    events: readonly StreamEvent[];
    outcomes: Promise<Outcome[]>;
    settled: Outcome[] | undefined;
  }
  const pending: Batch[] = [];
  let inFlight = 0;
  let pulling = true;
  let wakeCommitter: (() => void) | undefined;
  let wakePuller: (() => void) | undefined;
  let failure: Error | undefined;

  const committer = (async () => {
    for (;;) {
      const head = pending[0];
      if (head === undefined) {
        if (!pulling) return;
        await new Promise<void>((r) => (wakeCommitter = r));
        continue;
      }
      // Everything already scored behind the head goes in the same commit (one transaction on Kafka).
      const group = [...(head.settled ?? (await head.outcomes))];
      let taken = 1;
      while (taken < pending.length && group.length < maxInFlight) {
        const next = (pending[taken] as Batch).settled;
        if (next === undefined) break;
        group.push(...next);
        taken++;
      }
      await commit(group);
      for (const batch of pending.splice(0, taken)) inFlight -= batch.events.length;
      metrics?.inFlight.set(inFlight);
      wakePuller?.();
    }
  })().catch((err: unknown) => {
    failure = err instanceof Error ? err : new Error(String(err));
    pulling = false;
    wakePuller?.();
  });

  // Since when pulls have come back empty (backpressure waits are not idleness).
  let idleSince: number | undefined;
  while (!stopping() && failure === undefined) {
    if (
      options.idleExitMs !== undefined &&
      idleSince !== undefined &&
      Date.now() - idleSince >= options.idleExitMs
    ) {
      break;
    }
    if (maxInFlight - inFlight < maxBatch) {
      // Backpressure: full. No pull until a commit frees room for a whole batch.
      await new Promise<void>((r) => (wakePuller = r));
      continue;
    }
    const events = await source.pull(maxBatch, pollMs);
    if (events.length === 0) {
      idleSince ??= Date.now();
      continue;
    }
    idleSince = undefined;
    firstEventAt ??= Date.now();
    metrics?.pullSize.observe(events.length);
    const batch: Batch = { events, outcomes: scoreBatch(events), settled: undefined };
    batch.outcomes.then(
      (o) => {
        batch.settled = o;
        wakeCommitter?.();
      },
      () => wakeCommitter?.(),
    );
    pending.push(batch);
    inFlight += events.length;
    metrics?.inFlight.set(inFlight);
    wakeCommitter?.();
  }
  // Graceful stop: what was pulled is scored, published and acked before the caller closes the endpoints.
  pulling = false;
  wakeCommitter?.();
  await committer;
  if (failure !== undefined && !(failure instanceof Stopped)) throw failure;
  const seconds =
    firstEventAt !== undefined && lastCommitAt !== undefined ? (lastCommitAt - firstEventAt) / 1000 : 0;
  const total = summary.scored + summary.dead;
  return { ...summary, seconds, eventsPerSecond: seconds > 0 ? total / seconds : 0 };
}
