// `redis://[user:password@]host:port[/db]/<stream>?group=…` → a connected ioredis client and the URL's stream
// options. Shared by the Redis Streams source and sink; the only place that reads a redis:// URL.
import { Redis } from "ioredis";
import { FlowgateError, invalidParameter } from "../core/errors.js";

export interface RedisStreamUrl {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  stream: string;
  params: URLSearchParams;
}

export function parseRedisStreamUrl(url: string): RedisStreamUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidParameter(
      `'${url}' is not a URL; a Redis stream is redis://host:port[/db]/<stream>?group=<g>`,
    );
  }
  if (parsed.protocol !== "redis:") {
    throw invalidParameter(
      `'${url}' is not a redis:// URL; a Redis stream is redis://host:port[/db]/<stream>`,
    );
  }
  const segments = parsed.pathname.split("/").filter((s) => s !== "");
  const [first, second] = segments.map((s) => decodeURIComponent(s));
  const withDb = segments.length === 2 && /^\d+$/.test(first ?? "");
  const stream = withDb ? second : first;
  if (stream === undefined || segments.length > 2 || (segments.length === 2 && !withDb)) {
    throw invalidParameter(
      `'${url}' names no stream; a Redis stream is redis://host:port[/db]/<stream> (db a number, one stream name)`,
    );
  }
  return {
    host: parsed.hostname || "127.0.0.1",
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    db: withDb ? Number(first) : 0,
    ...(parsed.username !== "" && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password !== "" && { password: decodeURIComponent(parsed.password) }),
    stream,
    params: parsed.searchParams,
  };
}

/** Connects, failing fast when the server cannot be reached (then reconnecting is ioredis's job). */
export async function connectRedis(target: RedisStreamUrl): Promise<Redis> {
  const client = new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username !== undefined && { username: target.username }),
    ...(target.password !== undefined && { password: target.password }),
    lazyConnect: true,
  });
  // Connection errors reach the caller through the commands that fail (after ioredis's retries); the event
  // would otherwise only print to stderr. The last one explains a failed connect.
  let lastError: Error | undefined;
  client.on("error", (err: Error) => (lastError = err));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new FlowgateError(
      "TEMPORARILY_UNAVAILABLE",
      `cannot reach Redis at ${target.host}:${target.port}: ${(lastError ?? (err as Error)).message}`,
    );
  }
  return client;
}
