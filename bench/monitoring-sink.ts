// A stalled sink for the benchmark: a loopback proxy in front of the real server that forwards everything
// (routing long-polls, model downloads) but accepts prediction-log uploads and never answers them, as an
// object store or a server that hangs would. Serving pointed at it must drop and count, with bounded memory.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";

export interface StallingProxy {
  url: string;
  /** Uploads accepted and left hanging so far. */
  stalled(): number;
  close(): Promise<void>;
}

export async function startStallingProxy(target: string, stallPath: string): Promise<StallingProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  let stalled = 0;
  const server = http.createServer((req, res) => {
    if ((req.url ?? "").startsWith(stallPath)) {
      stalled++;
      // Read the body (as a slow store would) and never answer.
      req.resume();
      return;
    }
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stalled: () => stalled,
    async close() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
