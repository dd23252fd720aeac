// `flowgate stream score`: scores an event stream (Kafka, Redis Streams, NATS JetStream) with one model version
// or through a deployment, results to a sink stream, bad events to a dead-letter stream. Registers `score`
// under the `stream` group. SIGTERM/SIGINT finish what is in flight, publish, ack and leave the group.
import path from "node:path";
import type { Command } from "commander";
import { FlowgateError, invalidParameter } from "../../core/errors.js";
import { createLogger } from "../../core/logger.js";
import type { ScorerTarget } from "../../scoring/scorer.js";
import type { RuntimeChoice } from "../../serving/runtime-selection.js";

interface StreamScoreFlags {
  modelUri?: string;
  deployment?: string;
  source: string;
  sink: string;
  dlq?: string;
  idField: string;
  maxBatch: string;
  maxInFlight: string;
  rowsPerRequest?: string;
  metricsPort?: string;
  idleExit?: string;
  consumer?: string;
  runtime: string;
  workers: string;
  trackingUri?: string;
  cacheDir?: string;
  python?: string;
}

/** Adds `score` to the `stream` command group, creating the group if no other file has yet. */
export function registerStreamCommand(program: Command): void {
  const stream =
    program.commands.find((c) => c.name() === "stream") ??
    program.command("stream").description("Score event streams (Kafka, Redis Streams, NATS JetStream)");
  stream
    .command("score")
    .description(
      "Score events from a source stream into a sink stream: batched pulls, acks after publishing, every event once in the output",
    )
    .option(
      "-m, --model-uri <uri>",
      "models:/<name>/<version>, models:/<name>@<alias>, runs:/… or a local model directory",
    )
    .option(
      "--deployment <name>",
      "score through a deployment: routed by its policy, logged to its prediction log (request id = event id); needs --tracking-uri",
    )
    .requiredOption(
      "--source <url>",
      "kafka://host:port[,host:port]/<topic>?group=<g> | redis://host:port[/db]/<stream>?group=<g> | nats://host:port/<stream>?subject=<s>&consumer=<durable>",
    )
    .requiredOption("--sink <url>", "where results go, a URL of the same forms")
    .option("--dlq <url>", "where bad events go with the reason (without it they are logged and skipped)")
    .option("--id-field <name>", "the payload field holding the event id (else the broker's id)", "id")
    .option("--max-batch <n>", "events per pull", "2000")
    .option("--max-in-flight <n>", "events pulled and not yet acked at most (then pulling waits)", "20000")
    .option(
      "--rows-per-request <n>",
      "events per scoring request (default 256 with -m; 1 with --deployment, so each event is its own request)",
    )
    .option("--metrics-port <port>", "serve Prometheus /metrics (lag, throughput, outcomes) on this port")
    .option(
      "--idle-exit <seconds>",
      "stop gracefully once no event has arrived for this long (drain and exit)",
    )
    .option("--consumer <name>", "this process's name in the consumer group (Redis, NATS)")
    .option("--runtime <runtime>", "auto | onnx | python", "auto")
    .option("-w, --workers <n>", "Python worker processes (python runtime)", "2")
    .option(
      "--tracking-uri <uri>",
      "tracking server that resolves models:/ and holds deployments (default MLFLOW_TRACKING_URI)",
    )
    .option("--cache-dir <dir>", "cache root (default FLOWGATE_CACHE_DIR or ~/.cache/flowgate)")
    .option(
      "--python <path>",
      "Python interpreter with mlflow installed (default FLOWGATE_PYTHON or python3)",
    )
    .action((flags: StreamScoreFlags) => streamScore(flags));
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw invalidParameter(`${flag} must be a positive integer, not '${value}'.`);
  return n;
}

async function streamScore(flags: StreamScoreFlags): Promise<void> {
  if ((flags.modelUri === undefined) === (flags.deployment === undefined)) {
    throw invalidParameter("Pass either -m/--model-uri <uri> or --deployment <name>, not both.");
  }
  if (!["auto", "onnx", "python"].includes(flags.runtime)) {
    throw invalidParameter(`--runtime must be auto, onnx or python, not '${flags.runtime}'.`);
  }
  const target: ScorerTarget =
    flags.deployment !== undefined
      ? { kind: "deployment", deployment: flags.deployment, route: "policy" }
      : { kind: "model", modelUri: flags.modelUri as string };
  const maxBatch = positive(flags.maxBatch, "--max-batch");
  const maxInFlight = positive(flags.maxInFlight, "--max-in-flight");
  const rowsPerRequest = positive(
    flags.rowsPerRequest ?? (target.kind === "deployment" ? "1" : "256"),
    "--rows-per-request",
  );
  const metricsPort =
    flags.metricsPort === undefined ? undefined : positive(flags.metricsPort, "--metrics-port");
  const idleExitMs = flags.idleExit === undefined ? undefined : Number(flags.idleExit) * 1000;
  if (idleExitMs !== undefined && !(idleExitMs > 0)) {
    throw invalidParameter(`--idle-exit must be a positive number of seconds, not '${flags.idleExit}'.`);
  }
  const logger = createLogger({ name: "flowgate-stream" });
  // Loaded on use: the serving stack and the broker clients would slow every other command's start.
  const { defaultScorerOptions, openScorer } = await import("../../scoring/open-scorer.js");
  const { openEndpoints } = await import("../../stream/endpoints.js");
  const { scoreStream } = await import("../../stream/stream-scorer.js");
  const { createStreamMetrics, serveMetrics } = await import("../../stream/stream-metrics.js");
  const cacheRoot = flags.cacheDir ?? process.env.FLOWGATE_CACHE_DIR;
  const scorer = await openScorer(
    target,
    defaultScorerOptions({
      logger,
      runtime: flags.runtime as RuntimeChoice,
      workers: positive(flags.workers, "--workers"),
      ...(flags.trackingUri !== undefined && { trackingUri: flags.trackingUri }),
      ...(cacheRoot !== undefined && { cacheDir: path.join(path.resolve(cacheRoot), "models") }),
      ...(flags.python !== undefined && { python: flags.python }),
    }),
  );
  const stop = new AbortController();
  const onSignal = (signal: string) => {
    logger.info({ signal }, "stream: finishing the events in flight, then leaving the group");
    stop.abort();
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
  try {
    const endpoints = await openEndpoints(
      { source: flags.source, sink: flags.sink, dlq: flags.dlq },
      flags.consumer !== undefined ? { consumer: flags.consumer } : {},
    );
    const metrics = createStreamMetrics({ model: scorer.name, version: scorer.version });
    const server = metricsPort === undefined ? undefined : await serveMetrics(metrics, metricsPort);
    try {
      logger.info(
        {
          source: flags.source,
          sink: flags.sink,
          dlq: flags.dlq,
          model: scorer.name,
          version: scorer.version,
        },
        "stream: scoring",
      );
      const summary = await scoreStream(scorer, endpoints, {
        idField: flags.idField,
        maxBatch,
        maxInFlight,
        rowsPerRequest,
        signal: stop.signal,
        metrics,
        logger,
        ...(idleExitMs !== undefined && { idleExitMs }),
      });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } finally {
      await endpoints.close();
      await new Promise((r) => (server ? server.close(r) : r(undefined)));
    }
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, " ").trim();
    throw new FlowgateError(err instanceof FlowgateError ? err.code : "INTERNAL_ERROR", message);
  } finally {
    await scorer.close();
  }
  // Broker clients and the runtime may keep timers alive; the work is done and acked.
  process.exit(0);
}
