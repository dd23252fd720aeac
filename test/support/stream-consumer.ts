// `flowgate stream score` run from source as a child process, the way an operator runs several consumers of
// one group: each serves /metrics on its own port, which is how a test follows its progress (events scored,
// lag) and knows when to kill it.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createLogger } from "../../src/core/logger.js";
import { defaultScorerOptions, openScorer } from "../../src/scoring/open-scorer.js";
import { modelDir, PYTHON } from "../serving/support/serving-fixtures.js";
import { freePort } from "./free-port.js";

const MAIN = path.resolve(import.meta.dirname, "../../src/cli/main.ts");

export interface StreamConsumer {
  child: ChildProcess;
  stderr(): string;
  /** This consumer's Prometheus /metrics text ("" while it is not serving). */
  metrics(): Promise<string>;
  /** Events it scored into the sink so far (flowgate_stream_events_total{outcome="scored"}). */
  scored(): Promise<number>;
  /** SIGTERM, and its exit code once it has finished what was in flight and left the group. */
  stop(): Promise<number | null>;
}

export interface StreamConsumerOptions {
  model: string;
  source: string;
  sink: string;
  dlq: string;
  /** From classifierWithCache: where the consumer finds the model's ONNX conversion. */
  cacheRoot: string;
  flags?: string[];
}

/**
 * The fixture classifier (scikit-learn saved by the real mlflow) and a cache root holding its ONNX conversion,
 * made here once so that consumers started together do not convert it at the same time into one cache. The
 * cache sits beside the fixture models (kept between runs), one per `tag`: test files running in parallel
 * never share one.
 */
export async function classifierWithCache(tag: string): Promise<{ model: string; cacheRoot: string }> {
  const model = await modelDir("classifier");
  const cacheRoot = path.join(path.dirname(model), `stream-cache-${tag}`);
  const scorer = await openScorer(
    { kind: "model", modelUri: model },
    defaultScorerOptions({
      logger: createLogger({ level: "silent" }),
      cacheDir: path.join(cacheRoot, "models"),
      python: PYTHON,
      workers: 1,
    }),
  );
  await scorer.close();
  return { model, cacheRoot };
}

export async function startStreamConsumer(options: StreamConsumerOptions): Promise<StreamConsumer> {
  const port = await freePort();
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`;
  const child = spawn(
    process.execPath,
    [
      ...["--import", "tsx", "--input-type=module", "-e", script],
      ...["stream", "score", "-m", options.model, "--source", options.source, "--sink", options.sink],
      ...["--dlq", options.dlq, "--metrics-port", String(port), ...(options.flags ?? [])],
    ],
    {
      env: {
        ...process.env,
        FLOWGATE_LOG_LEVEL: "warn",
        FLOWGATE_CACHE_DIR: options.cacheRoot,
        FLOWGATE_PYTHON: PYTHON,
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const metrics = async () => {
    try {
      return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    } catch {
      return "";
    }
  };
  const consumer: StreamConsumer = {
    child,
    stderr: () => stderr,
    metrics,
    scored: async () => {
      const match = /flowgate_stream_events_total\{[^}]*outcome="scored"[^}]*\} (\d+)/.exec(await metrics());
      return match ? Number(match[1]) : 0;
    },
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once("exit", r));
      child.kill("SIGTERM");
      return exited;
    },
  };
  await until(
    async () => (await metrics()) !== "",
    "the consumer serves /metrics",
    60_000,
    () => {
      if (child.exitCode !== null) throw new Error(`stream score exited ${child.exitCode}: ${stderr}`);
    },
  );
  return consumer;
}

/** Polls `check` every 100 ms until it holds; fails with `what` after `timeoutMs` or when `alive` throws. */
export async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
  alive?: () => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    alive?.();
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
