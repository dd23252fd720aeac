// A real Redis for the Redis Streams tests: Debian's redis-server on a free loopback port, its data in a temp
// dir, no snapshots but an append-only file, as a production stream would have. One per test file.
import { startDaemon } from "./daemon.js";
import { freePort } from "./free-port.js";

export const REDIS_SERVER = "/usr/bin/redis-server";

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`: append `/<stream>?group=…` for a source or sink URL. */
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const daemon = await startDaemon(
    REDIS_SERVER,
    (dir) => [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "yes",
    ],
    "Ready to accept connections",
  );
  return { url: `redis://127.0.0.1:${port}`, stop: () => daemon.stop() };
}
