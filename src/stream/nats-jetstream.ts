// NATS JetStream as a stream source (a durable pull consumer with explicit acks, read in batched fetches, acked
// after the result is published; a dead process's messages come back after ack_wait) and sink (JetStream
// publish with the event id as Nats-Msg-Id, so the stream's duplicate window drops a republished id).
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  JetStreamApiCodes,
  JetStreamApiError,
  type Consumer,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { FlowgateError, invalidParameter } from "../core/errors.js";
import { JetStreamPublisher } from "./nats-publisher.js";
import { connectNatsStream, parseNatsStreamUrl } from "./nats-url.js";
import { integerParam } from "./stream-url-params.js";
import type { StreamBroker } from "./endpoints.js";
import type { StreamEvent, StreamSink, StreamSource } from "./stream.js";

/** How long one fetch (a pull request) stays open on an idle stream before the next is sent. */
const FETCH_EXPIRES_MS = 5_000;

/**
 * Reads `nats://host:port/<stream>?subject=<s>&consumer=<durable>[&ackWait=<ms>][&prefetch=<n>]`.
 * Every process of a job shares the durable consumer (default `flowgate`), created if missing with explicit
 * acks, `ack_wait` (default 30 000 ms: a message not acked by then is redelivered, to any process) and the
 * subject as its filter. Messages are fetched `prefetch` at a time (default: as many as a pull asks for), one
 * pull request each.
 */
export async function openNatsSource(url: string): Promise<StreamSource> {
  const target = parseNatsStreamUrl(url);
  const durable = target.params.get("consumer") ?? "flowgate";
  const ackWaitMs = integerParam(target.params, "ackWait", 30_000);
  const prefetch = target.params.has("prefetch") ? integerParam(target.params, "prefetch", 1) : undefined;
  const { nc, jsm } = await connectNatsStream(target, integerParam(target.params, "dedupeWindow", 600));
  try {
    try {
      await jsm.consumers.info(target.stream, durable);
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.ConsumerNotFound) throw err;
      await jsm.consumers.add(target.stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(ackWaitMs),
        deliver_policy: DeliverPolicy.All,
        // Room for every process's prefetched and in-flight messages; beyond it the server stops delivering.
        max_ack_pending: Math.max(20_000, (prefetch ?? 0) * 4),
        ...(target.subject !== undefined && { filter_subject: target.subject }),
      });
    }
    const consumer = await jetstream(nc).consumers.get(target.stream, durable);
    return new NatsJetStreamSource(nc, jsm, consumer, target.stream, durable, prefetch);
  } catch (err) {
    await nc.close();
    throw err;
  }
}

class NatsJetStreamSource implements StreamSource {
  /** Messages fetched and not yet pulled; never more than about two fetches' worth. */
  private readonly buffered: JsMsg[] = [];
  private fetching = false;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private closed = false;
  private fetchSize = 1;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly consumer: Consumer,
    private readonly stream: string,
    private readonly durable: string,
    private readonly prefetch: number | undefined,
  ) {}

  async pull(max: number, waitMs: number): Promise<StreamEvent[]> {
    this.fetchSize = this.prefetch ?? max;
    this.refill();
    if (this.buffered.length === 0 && this.failure === undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.wake?.(), waitMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          // The first message of a fetch wakes us; the rest of its socket read lands before we take the batch.
          setImmediate(resolve);
        };
      });
    }
    const failure = this.failure;
    if (failure !== undefined && this.buffered.length === 0) {
      this.failure = undefined;
      throw new FlowgateError(
        "TEMPORARILY_UNAVAILABLE",
        `fetching from JetStream stream '${this.stream}' failed: ${failure.message}`,
      );
    }
    const taken = this.buffered.splice(0, max);
    this.refill();
    return taken.map((m) => ({ id: String(m.seq), value: Buffer.from(m.data), position: m }));
  }

  /**
   * Sends the next pull request once the buffer is half drained and no fetch is open, so the next batch is on
   * its way while this one is scored, and a slow process never holds more than it can score within ack_wait.
   */
  private refill(): void {
    if (this.fetching || this.closed || this.buffered.length > this.fetchSize / 2) return;
    this.fetching = true;
    const run = async () => {
      const fetch = await this.consumer.fetch({ max_messages: this.fetchSize, expires: FETCH_EXPIRES_MS });
      for await (const m of fetch) {
        if (this.closed) {
          m.nak();
          continue;
        }
        this.buffered.push(m);
        this.wake?.();
      }
    };
    run()
      .catch((err: Error) => {
        if (!this.closed) this.failure = err;
      })
      .finally(() => {
        this.fetching = false;
        this.wake?.();
      });
  }

  async ack(events: readonly StreamEvent[]): Promise<void> {
    for (const e of events) (e.position as JsMsg).ack();
    // Acks are fire-and-forget publishes; a flush round trip makes sure the server has them all.
    await this.nc.flush();
  }

  /** Messages the consumer has not delivered yet (num_pending) plus those delivered but not acked. */
  async lag(): Promise<number | undefined> {
    const info = await this.jsm.consumers.info(this.stream, this.durable);
    return info.num_pending + info.num_ack_pending;
  }

  /**
   * Hands back fetched messages never pulled (nak: redelivered at once, not after ack_wait), including those
   * the open fetch has yet to yield: draining the connection ends it after the messages it already received.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const m of this.buffered.splice(0)) m.nak();
    await this.nc.drain();
  }
}

/**
 * Writes `nats://host:port/<stream>?subject=<s>[&dedupeWindow=<seconds>]` (subject defaults to the stream's
 * name). Each record is published with its id as Nats-Msg-Id: JetStream drops an id it has stored within the
 * stream's duplicate window (600 s for a stream created here; an existing stream keeps its own). A record
 * republished after the window is stored again, so a redelivery later than that (a job restarted after a long
 * outage) can duplicate an output record: readers that must never see one dedupe on the record's `id`.
 */
export async function openNatsSink(url: string): Promise<StreamSink> {
  const target = parseNatsStreamUrl(url);
  const { nc, jsm } = await connectNatsStream(target, integerParam(target.params, "dedupeWindow", 600));
  const subject = target.subject ?? target.stream;
  // A publish to a subject no stream captures would wait for acks that never come: refuse it up front.
  const capturing = await jsm.streams.find(subject).catch(() => undefined);
  if (capturing !== target.stream) {
    await nc.close();
    throw invalidParameter(
      `subject '${subject}' is not captured by JetStream stream '${target.stream}'${capturing === undefined ? "" : ` (stream '${capturing}' captures it)`}; use one of the stream's subjects`,
    );
  }
  const publisher = new JetStreamPublisher(nc, subject);
  return {
    publish: (records) => publisher.publish(records),
    close: async () => {
      publisher.close();
      await nc.drain();
    },
  };
}

/** `nats://` in endpoints.ts. The `--consumer` name is not used: a pull consumer's fetchers are anonymous. */
export const natsBroker: StreamBroker = { openSource: (url) => openNatsSource(url), openSink: openNatsSink };
