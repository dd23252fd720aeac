// Stream URLs → the source events are read from, the sink results go to and the dead-letter stream bad events
// go to, by URL scheme. The one place that knows which brokers exist: each adapter registers below.
import { invalidParameter } from "../core/errors.js";
import { kafkaBroker } from "./kafka.js";
import { natsBroker } from "./nats-jetstream.js";
import { redisBroker } from "./redis-streams.js";
import type { StreamEvent, StreamRecord, StreamSink, StreamSource } from "./stream.js";

export interface SourceOptions {
  /** This process's name in the consumer group, where the broker names members (Redis, NATS). */
  consumer?: string;
}

/** What a broker adapter offers: a source and a sink from a URL of its scheme. */
export interface StreamBroker {
  openSource(url: string, options: SourceOptions): Promise<StreamSource>;
  openSink(url: string): Promise<StreamSink>;
  /**
   * Source, sink and DLQ on one cluster of this broker as one atomic unit (Kafka: a transaction holds the
   * results, the dead letters and the consumer's offsets), or undefined when they are not on one cluster.
   */
  openAtomic?(urls: EndpointUrls, options: SourceOptions): Promise<Endpoints | undefined>;
}

/**
 * The brokers by URL scheme. Each adapter adds one line (and its import above): its scheme and its broker.
 */
const BROKERS: Record<string, StreamBroker> = {
  "kafka:": kafkaBroker,
  "redis:": redisBroker,
  "nats:": natsBroker,
};

export interface EndpointUrls {
  source: string;
  sink: string;
  dlq?: string | undefined;
}

/** One event's outcome: its result for the sink, or its dead letter (with the reason) for the DLQ. */
export interface Outcome {
  event: StreamEvent;
  output?: StreamRecord;
  dead?: StreamRecord;
}

export interface Endpoints {
  source: StreamSource;
  sink: StreamSink;
  dlq: StreamSink | undefined;
  /**
   * Publishes outcomes and acks their events as one unit, when the brokers can (see openAtomic). Without it
   * the engine publishes to the sink, then to the DLQ, then acks: at-least-once, made exactly-once in the
   * output by the sinks' idempotence by event id. Resolves to the outcomes committed: the others were void
   * (fetched under an assignment the group has moved past) and their events come again, to their owner.
   */
  commit?(outcomes: readonly Outcome[]): Promise<readonly Outcome[]>;
  close(): Promise<void>;
}

function brokerOf(url: string, role: string): StreamBroker {
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw invalidParameter(`--${role} '${url}' is not a URL; use one of ${schemes()}`);
  }
  const broker = BROKERS[scheme];
  if (broker === undefined) {
    throw invalidParameter(`--${role} '${url}' has scheme '${scheme}'; stream URLs are ${schemes()}`);
  }
  return broker;
}

function schemes(): string {
  return Object.keys(BROKERS)
    .map((s) => `${s}//…`)
    .join(", ");
}

/** Opens the source, the sink and the DLQ; closes what it opened if a later one fails. */
export async function openEndpoints(urls: EndpointUrls, options: SourceOptions = {}): Promise<Endpoints> {
  const sourceBroker = brokerOf(urls.source, "source");
  const sinkBroker = brokerOf(urls.sink, "sink");
  const dlqBroker = urls.dlq === undefined ? undefined : brokerOf(urls.dlq, "dlq");
  if (sourceBroker === sinkBroker && (dlqBroker === undefined || dlqBroker === sourceBroker)) {
    const atomic = await sourceBroker.openAtomic?.(urls, options);
    if (atomic !== undefined) return atomic;
  }
  const opened: Array<StreamSource | StreamSink> = [];
  try {
    const source = await sourceBroker.openSource(urls.source, options);
    opened.push(source);
    const sink = await sinkBroker.openSink(urls.sink);
    opened.push(sink);
    const dlq = urls.dlq === undefined ? undefined : await (dlqBroker as StreamBroker).openSink(urls.dlq);
    return {
      source,
      sink,
      dlq,
      close: async () => {
        await source.close();
        await sink.close();
        await dlq?.close();
      },
    };
  } catch (err) {
    for (const endpoint of opened.reverse()) await endpoint.close().catch(() => undefined);
    throw err;
  }
}
