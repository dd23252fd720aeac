// A real local webhook receiver for delivery tests: verifies signatures like a user's endpoint would, records
// what arrived, and can be told to answer with a given status (or be down: not listening).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { verifySignature } from "../../src/webhooks/signer.js";

/** Server settings for delivery tests: a local plain-http receiver, and quick polls and retries. */
export const FAST_DELIVERY_ENV = {
  FLOWGATE_WEBHOOK_ALLOW_HTTP: "true",
  FLOWGATE_WEBHOOK_ALLOW_PRIVATE: "true",
  FLOWGATE_WEBHOOK_POLL_MS: "50",
  FLOWGATE_WEBHOOK_RETRY_BASE_MS: "50",
  FLOWGATE_WEBHOOK_RETRY_MAX_MS: "300",
};

export interface Received {
  id: string;
  timestamp: string;
  mlflowSignature: string | undefined;
  signatures: string;
  body: string;
  json: { entity: string; action: string; timestamp: string; data: Record<string, unknown> };
  verified: boolean;
}

export class Receiver {
  readonly received: Received[] = [];
  /** Status to answer with; a function can vary it per request. */
  respond: (r: Received) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });
  private server: http.Server | undefined;

  constructor(
    readonly secret: string,
    public port = 0,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const header = (n: string): string | undefined => {
          const v = req.headers[n];
          return Array.isArray(v) ? v[0] : v;
        };
        const r: Received = {
          id: header("webhook-id") ?? "",
          timestamp: header("webhook-timestamp") ?? "",
          mlflowSignature: header("x-mlflow-signature"),
          signatures: header("webhook-signature") ?? "",
          body,
          json: JSON.parse(body) as Received["json"],
          verified: verifySignature(
            this.secret,
            {
              id: header("webhook-id") ?? "",
              timestamp: header("webhook-timestamp") ?? "",
              signatures: header("webhook-signature") ?? "",
            },
            body,
            Math.floor(Date.now() / 1000),
          ),
        };
        const answer = this.respond(r);
        if (answer.status >= 200 && answer.status < 300) this.received.push(r);
        res.writeHead(answer.status, answer.headers ?? {});
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Waits (polling) until `n` deliveries arrived; fails after `ms`. */
  async waitFor(n: number, ms = 20_000): Promise<void> {
    const until = Date.now() + ms;
    while (this.received.length < n) {
      if (Date.now() > until) throw new Error(`expected ${n} deliveries, got ${this.received.length}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** A loopback port nobody listens on (yet): a receiver that is down. */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function waitUntil(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
