// Tells the other servers over the same PostgreSQL what changed in this one's memory, so several stateless
// replicas behave as one: a deployment changed (their routing long-polls answer at once), a login failed (their
// throttles count it too). PostgreSQL's LISTEN/NOTIFY carries it: no broker to run, and a message is sent
// only when the transaction that caused it has committed (callers publish after their writes).
// Best effort by design: a server that is down or reconnecting misses messages, and everything sent is a
// hint its receiver could also learn by reading the database (long-polls time out and re-read; a throttle
// restarts empty anyway). On SQLite there is one server, so there is no one to tell.
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Logger } from "../core/logger.js";

export type ClusterChannel = "deployment_changed" | "login_failed" | "login_succeeded";

export interface ClusterBus {
  /** Sends `message` to every other server on the database (not to this one: callers apply it here). */
  publish(channel: ClusterChannel, message: string): void;
  /** Calls `fn` with each message another server publishes on `channel`. */
  subscribe(channel: ClusterChannel, fn: (message: string) => void): void;
  close(): Promise<void>;
}

/** The one PostgreSQL channel every message travels on; the payload names its ClusterChannel. */
const PG_CHANNEL = "flowgate_cluster";
/** NOTIFY refuses payloads of 8000 bytes or more; ours are names and addresses, far below. */
const MAX_PAYLOAD = 7900;
const RECONNECT_MS = { first: 250, max: 5000 };

interface Envelope {
  /** The publishing server, so it skips its own messages. */
  o: string;
  c: ClusterChannel;
  m: string;
}

export function localClusterBus(): ClusterBus {
  return { publish: () => undefined, subscribe: () => undefined, close: async () => undefined };
}

/**
 * A bus over `connectionString`: one dedicated connection LISTENs (reconnecting with backoff when it drops);
 * publishing goes through `notify` (a pool query of the caller's), so a publish never waits for the listener.
 */
export function postgresClusterBus(
  connectionString: string,
  notify: (channel: string, payload: string) => Promise<unknown>,
  logger?: Logger,
): ClusterBus {
  const origin = randomUUID();
  const handlers = new Map<ClusterChannel, ((message: string) => void)[]>();
  let client: pg.Client | undefined;
  let closed = false;
  let delay = RECONNECT_MS.first;
  let reconnect: NodeJS.Timeout | undefined;

  const deliver = (payload: string | undefined): void => {
    if (payload === undefined) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload) as Envelope;
    } catch {
      return;
    }
    if (envelope.o === origin) return;
    for (const fn of handlers.get(envelope.c) ?? []) {
      try {
        fn(envelope.m);
      } catch (err) {
        logger?.warn({ err, channel: envelope.c }, "cluster bus: a handler failed");
      }
    }
  };

  const listen = async (): Promise<void> => {
    if (closed) return;
    const c = new pg.Client({ connectionString });
    // A dropped connection is not fatal: listen again after a pause (the messages meanwhile are lost).
    c.on("error", (err) => {
      logger?.warn({ err }, "cluster bus: the LISTEN connection failed; reconnecting");
      retry(c);
    });
    c.on("end", () => retry(c));
    c.on("notification", (n) => deliver(n.payload));
    try {
      await c.connect();
      await c.query(`LISTEN ${PG_CHANNEL}`);
      client = c;
      delay = RECONNECT_MS.first;
    } catch (err) {
      logger?.warn({ err }, "cluster bus: could not LISTEN; retrying");
      retry(c);
    }
  };

  const retry = (c: pg.Client): void => {
    if (closed || reconnect !== undefined || (client !== undefined && client !== c)) return;
    client = undefined;
    c.removeAllListeners("end");
    void c.end().catch(() => undefined);
    reconnect = setTimeout(() => {
      reconnect = undefined;
      void listen();
    }, delay);
    reconnect.unref();
    delay = Math.min(delay * 2, RECONNECT_MS.max);
  };

  const ready = listen();

  return {
    publish(channel, message) {
      const payload = JSON.stringify({ o: origin, c: channel, m: message } satisfies Envelope);
      if (payload.length > MAX_PAYLOAD) {
        logger?.warn({ channel, bytes: payload.length }, "cluster bus: message too large; not sent");
        return;
      }
      notify(PG_CHANNEL, payload).catch((err: unknown) =>
        logger?.warn({ err, channel }, "cluster bus: NOTIFY failed"),
      );
    },
    subscribe(channel, fn) {
      handlers.set(channel, [...(handlers.get(channel) ?? []), fn]);
    },
    async close() {
      closed = true;
      if (reconnect !== undefined) clearTimeout(reconnect);
      await ready;
      const c = client;
      client = undefined;
      if (c !== undefined) {
        c.removeAllListeners("end");
        await c.end().catch(() => undefined);
      }
    },
  };
}
