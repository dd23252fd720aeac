// A real AWS protocol server for the S3 and SageMaker tests: moto in server mode (PyPI `moto[server]`, set up by
// `scripts/setup-python.sh services`) on a free loopback port. One per test file; stopped after its tests.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { after } from "node:test";
import { freePort } from "./free-port.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const MOTO_SERVER = path.join(ROOT, ".venvs", "services", "bin", "moto_server");

export interface Moto {
  /** `http://127.0.0.1:<port>`: the endpoint every SDK client and `aws --endpoint-url` is pointed at. */
  endpoint: string;
  /** Credentials and region for a client of this server (moto accepts any; the SDK insists on some). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const running: ChildProcess[] = [];
after(() => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child = spawn(MOTO_SERVER, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  running.push(child);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      // moto's own reset route answers once the server is listening.
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not start on ${endpoint}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    env: {
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_REGION: "us-east-1",
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
