// A real NATS server with JetStream for the NATS tests: Debian's nats-server (2.9.10) on a free loopback port,
// its JetStream store in a temp dir. One per test file.
import { startDaemon } from "./daemon.js";
import { freePort } from "./free-port.js";

export const NATS_SERVER = "/usr/sbin/nats-server";

export interface NatsServer {
  /** `nats://127.0.0.1:<port>`: append `/<stream>?subject=…` for a source or sink URL. */
  url: string;
  stop(): Promise<void>;
}

export async function startNats(): Promise<NatsServer> {
  const port = await freePort();
  const daemon = await startDaemon(
    NATS_SERVER,
    (dir) => ["-js", "-sd", dir, "-a", "127.0.0.1", "-p", String(port)],
    "Server is ready",
  );
  return { url: `nats://127.0.0.1:${port}`, stop: () => daemon.stop() };
}
