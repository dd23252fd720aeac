// The contract between stream scoring (stream-scorer.ts) and the brokers it reads from and writes to: Kafka,
// Redis Streams and NATS JetStream each implement a source (consumer group, batched pulls, acks after the
// result is published) and a sink (idempotent by event id). Opened from a URL by endpoints.ts.

/** One event taken from a source. `id` is the event's identity everywhere: output key, DLQ key, request id. */
export interface StreamEvent {
  id: string;
  /** The raw payload (JSON: one row object, or `{ "id": …, "inputs": {…} }`, see stream-scorer.ts). */
  value: Buffer;
  /** Broker-specific position needed to ack it (partition/offset, entry id, JetStream message). */
  readonly position: unknown;
}

export interface StreamSource {
  /** Pulls up to `max` events in as few broker round trips as possible, waiting at most `waitMs` for the first. */
  pull(max: number, waitMs: number): Promise<StreamEvent[]>;
  /** Acknowledges events whose results are published (commit offsets / XACK / ack); never before. */
  ack(events: readonly StreamEvent[]): Promise<void>;
  /** Events not yet consumed by this group, when the broker can tell; for the lag gauge. */
  lag(): Promise<number | undefined>;
  /** Leaves the group cleanly (a rebalance hands its partitions/pending entries to the others). */
  close(): Promise<void>;
}

/** One record written to a sink or the dead-letter stream, keyed by the event's id. */
export interface StreamRecord {
  id: string;
  value: Buffer;
}

export interface StreamSink {
  /**
   * Publishes records; resolves once the broker has them durably. Idempotent by `id`: publishing the same id
   * again (a redelivery after a crash) leaves the output with that id once.
   */
  publish(records: readonly StreamRecord[]): Promise<void>;
  close(): Promise<void>;
}
