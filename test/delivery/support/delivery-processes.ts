// Real processes for the progressive-delivery end-to-end tests and benchmark: `flowgate server` on SQLite and
// `flowgate models serve` (plain or --deployment), each a child process on its own loopback port, plus the model
// versions the real mlflow client registers (fixtures/register_delivery_models.py). Processes run the CLI from
// source (tsx) unless `built` is asked for (the benchmark runs dist/, as a user would).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort } from "../../support/free-port.js";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const PYTHON = path.join(REPO, ".venvs/mlflow3/bin/python");
const MAIN = path.join(REPO, "src/cli/main.ts");

/** The role → version number map the fixture script prints. */
export interface DeliveryVersions {
  good: string;
  good_v2: string;
  bad_canary: string;
  slow: string;
  raising: string;
  policy: string;
}

export interface FlowgateProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** The last 4 kB the process wrote to stderr and stdout, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process has exited. */
  stop(): Promise<void>;
  /** Ends it at once, as a crash or an OOM kill would. */
  kill(): Promise<void>;
}

interface SpawnOptions {
  env?: Record<string, string>;
  /** Run bin/flowgate.js (dist/) instead of the sources. */
  built?: boolean;
}

function spawnFlowgate(args: string[], port: number, options: SpawnOptions): FlowgateProcess {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`;
  const argv = options.built
    ? [path.join(REPO, "bin/flowgate.js"), ...args]
    : ["--import", "tsx", "--input-type=module", "-e", script, ...args];
  const child = spawn(process.execPath, argv, {
    cwd: REPO,
    env: {
      ...process.env,
      FLOWGATE_PYTHON: PYTHON,
      FLOWGATE_LOG_LEVEL: process.env.FLOWGATE_TEST_LOG_LEVEL ?? "warn",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4096);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Polls `url` until `ok(response)` says ready, failing early (with the process's output) when it exits. */
async function waitUntil(
  proc: FlowgateProcess,
  url: string,
  ok: (r: Response) => Promise<boolean> | boolean,
  timeoutS: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  let last = "";
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${what} exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${proc.output()}`);
    }
    try {
      const r = await fetch(url);
      if (await ok(r)) return;
      last = `${r.status} ${await r.text().catch(() => "")}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await proc.kill();
  throw new Error(`${what} not ready after ${timeoutS}s (last: ${last}):\n${proc.output()}`);
}

export interface ServerHome {
  /** sqlite:///… — survives a restart of the server on the same home. */
  backendStoreUri: string;
  artifacts: string;
  cache: string;
}

export function serverHome(): ServerHome {
  const dir = mkdtempSync(path.join(tmpdir(), "flowgate-delivery-server-"));
  return {
    backendStoreUri: `sqlite:///${path.join(dir, "flowgate.db")}`,
    artifacts: path.join(dir, "artifacts"),
    cache: path.join(dir, "cache"),
  };
}

/** `flowgate server` on SQLite, on `port` (a free one by default), ready when /health answers. */
export async function startServer(
  home: ServerHome = serverHome(),
  options: SpawnOptions & { port?: number } = {},
): Promise<FlowgateProcess & { home: ServerHome }> {
  const port = options.port ?? (await freePort());
  const proc = spawnFlowgate(
    [
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--backend-store-uri",
      home.backendStoreUri,
      "--artifacts-destination",
      home.artifacts,
      "--cache-dir",
      home.cache,
    ],
    port,
    options,
  );
  await waitUntil(proc, `${proc.url}/health`, (r) => r.ok, 120, "flowgate server");
  return { ...proc, home };
}

/** Registers every delivery fixture version of `model` with the real mlflow client. */
export async function registerDeliveryModels(
  trackingUri: string,
  model: string,
  options: { inputExample?: boolean } = {},
): Promise<DeliveryVersions> {
  const { stdout } = await promisify(execFile)(
    PYTHON,
    [
      path.join(REPO, "test/delivery/fixtures/register_delivery_models.py"),
      model,
      ...(options.inputExample === true ? ["--input-example"] : []),
    ],
    { env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri }, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split("\n").pop() as string) as DeliveryVersions;
}

export interface ServeProcessOptions extends SpawnOptions {
  trackingUri: string;
  /** Serve a deployment (follows its routing) … */
  deployment?: string;
  /** … or one model URI, as plain `models serve`. */
  modelUri?: string;
  /** Keep it across restarts to test starting from the cache. */
  cacheDir?: string;
  port?: number;
  workers?: number;
  extraArgs?: string[];
}

/** Iris rows the fixture models take. */
export const IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"];

/** `flowgate models serve`, ready when /invocations answers a row with 200. */
export async function startServing(
  options: ServeProcessOptions,
): Promise<FlowgateProcess & { cacheDir: string }> {
  const port = options.port ?? (await freePort());
  const cacheDir = options.cacheDir ?? mkdtempSync(path.join(tmpdir(), "flowgate-delivery-serving-"));
  const target = options.deployment
    ? ["--deployment", options.deployment]
    : ["-m", options.modelUri as string];
  const proc = spawnFlowgate(
    [
      "models",
      "serve",
      ...target,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--tracking-uri",
      options.trackingUri,
      "--cache-dir",
      cacheDir,
      "--workers",
      String(options.workers ?? 1),
      ...(options.extraArgs ?? []),
    ],
    port,
    options,
  );
  const row = JSON.stringify({ dataframe_split: { columns: IRIS_COLUMNS, data: [[5.1, 3.5, 1.4, 0.2]] } });
  await waitUntil(
    proc,
    `${proc.url}/ping`,
    async (r) => {
      if (!r.ok) return false;
      const probe = await fetch(`${proc.url}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: row,
      });
      await probe.text();
      return probe.status === 200;
    },
    180,
    `flowgate models serve ${target.join(" ")}`,
  );
  return { ...proc, cacheDir };
}

/**
 * The iris row of request `seq`: sepal_length cycles through 4.0 … 7.9 (40 values), so exactly one request in
 * ten is one the bad canary fails (see `badCanaryFails`).
 */
export function irisRow(seq: number): number[] {
  return [4 + (seq % 40) / 10, 3 + (seq % 7) / 10, 1.4 + (seq % 30) / 10, 0.2 + (seq % 20) / 10];
}

export function irisBody(seq: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ dataframe_split: { columns: IRIS_COLUMNS, data: [irisRow(seq)] }, ...extra });
}

/** What the bad_canary fixture raises on: sepal_length 4.0, 5.0, 6.0 or 7.0. */
export function badCanaryFails(seq: number): boolean {
  return Math.round((irisRow(seq)[0] as number) * 10) % 10 === 0;
}
