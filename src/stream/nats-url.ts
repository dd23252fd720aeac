// `nats://[user:password@]host:port/<stream>?subject=…` → a NATS connection, a JetStream manager and the stream,
// created if missing. Shared by the JetStream source and sink; the only place that reads a nats:// URL.
// Only server 2.9 APIs are used (Debian ships 2.9.10): one filter_subject per consumer, no consumer metadata.
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import {
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  StorageType,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { FlowgateError, invalidParameter } from "../core/errors.js";

export interface NatsStreamUrl {
  server: string;
  user?: string;
  pass?: string;
  stream: string;
  /** The URL's `subject`, if given: the subject published to, and the consumer's filter. */
  subject?: string;
  params: URLSearchParams;
}

export function parseNatsStreamUrl(url: string): NatsStreamUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidParameter(`'${url}' is not a URL; a NATS stream is nats://host:port/<stream>?subject=<s>`);
  }
  if (parsed.protocol !== "nats:") {
    throw invalidParameter(
      `'${url}' is not a nats:// URL; a NATS stream is nats://host:port/<stream>?subject=<s>`,
    );
  }
  const segments = parsed.pathname.split("/").filter((s) => s !== "");
  const stream = segments.length === 1 ? decodeURIComponent(segments[0]!) : undefined;
  // JetStream stream names cannot hold subject tokens' separators or wildcards.
  if (stream === undefined || /[.*>\s/\\]/.test(stream)) {
    throw invalidParameter(
      `'${url}' names no stream; a NATS stream is nats://host:port/<stream>?subject=<s> (one name, no . * > or spaces)`,
    );
  }
  const subject = parsed.searchParams.get("subject") ?? undefined;
  return {
    server: `${parsed.hostname || "127.0.0.1"}:${parsed.port === "" ? 4222 : parsed.port}`,
    ...(parsed.username !== "" && { user: decodeURIComponent(parsed.username) }),
    ...(parsed.password !== "" && { pass: decodeURIComponent(parsed.password) }),
    stream,
    ...(subject !== undefined && { subject }),
    params: parsed.searchParams,
  };
}

export interface NatsStreamConnection {
  nc: NatsConnection;
  jsm: JetStreamManager;
}

/**
 * Connects and makes sure the stream exists: a missing one is created on file storage, capturing the URL's
 * subject (else the stream's name), with a duplicate window of `dedupeWindow` seconds (default 600) — the
 * time within which a republished Nats-Msg-Id is dropped. An existing stream is used as it is.
 */
export async function connectNatsStream(
  target: NatsStreamUrl,
  dedupeWindowSeconds: number,
): Promise<NatsStreamConnection> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: target.server,
      ...(target.user !== undefined && { user: target.user }),
      ...(target.pass !== undefined && { pass: target.pass }),
      // Keep reconnecting for as long as the job runs; a broker restart must not end a stream job.
      maxReconnectAttempts: -1,
    });
  } catch (err) {
    throw new FlowgateError(
      "TEMPORARILY_UNAVAILABLE",
      `cannot reach NATS at ${target.server}: ${(err as Error).message}`,
    );
  }
  try {
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(target.stream);
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.StreamNotFound) throw err;
      await jsm.streams.add({
        name: target.stream,
        subjects: [target.subject ?? target.stream],
        storage: StorageType.File,
        duplicate_window: nanos(dedupeWindowSeconds * 1000),
      });
    }
    return { nc, jsm };
  } catch (err) {
    await nc.close();
    if (err instanceof FlowgateError) throw err;
    throw new FlowgateError(
      "TEMPORARILY_UNAVAILABLE",
      `cannot open JetStream stream '${target.stream}' on ${target.server} (is the server run with -js?): ${(err as Error).message}`,
    );
  }
}
