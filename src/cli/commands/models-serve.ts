// `flowgate models serve`: a drop-in for `mlflow models serve` (same URIs, request and response formats) with
// in-process ONNX, a Python worker pool and dynamic batching. Registers `serve` under the `models` group.
import os from "node:os";
import path from "node:path";
import { PYTHON_WORKER_PATH } from "../../serving/python/worker-path.js";
import type { Command } from "commander";
import { FlowgateError, invalidParameter } from "../../core/errors.js";
import { createLogger } from "../../core/logger.js";
import type { RuntimeChoice } from "../../serving/runtime-selection.js";
import { exitOnSignals } from "../shutdown-signals.js";

interface ServeFlags {
  modelUri?: string;
  deployment?: string;
  reportInterval: string;
  shadowBudget: string;
  logSegmentRows: string;
  logSegmentSeconds: string;
  logQueueRows: string;
  host: string;
  port: string;
  workers: string;
  workerWait: string;
  envManager: string;
  runtime: string;
  maxBatchSize: string;
  maxBatchDelayMs: string;
  maxQueue: string;
  maxBodyBytes: string;
  bodyTimeout: string;
  headersTimeout: string;
  trackingUri?: string;
  cacheDir?: string;
  python?: string;
  onnxThreads: string;
}

/** Adds `serve` to the `models` command group, creating the group if no other file has yet. */
export function registerModelsServeCommand(program: Command): void {
  const models =
    program.commands.find((c) => c.name() === "models") ??
    program.command("models").description("Work with registered models");
  models
    .command("serve")
    .description("Serve a model over MLflow's scoring protocol (/invocations) and Open Inference Protocol v2")
    .option(
      "-m, --model-uri <uri>",
      "models:/<name>/<version>, models:/<name>@<alias>, runs:/<run_id>/<path> or a local model directory",
    )
    .option(
      "--deployment <name>",
      "serve a deployment instead of one model: every version its revision names, routed as it says (needs --tracking-uri)",
    )
    .option(
      "--report-interval <seconds>",
      "with --deployment: how often to send the control plane what this replica observed",
      "1",
    )
    .option(
      "--shadow-budget <n>",
      "with --deployment: shadow requests in flight at most; beyond, requests are not mirrored (counted as dropped)",
      "64",
    )
    .option(
      "--log-segment-rows <n>",
      "with --deployment: the prediction log uploads a segment at this many rows… (plain serving of one model logs nothing)",
      "50000",
    )
    .option("--log-segment-seconds <s>", "with --deployment: …or this long after its first row", "10")
    .option(
      "--log-queue-rows <n>",
      "with --deployment: rows the prediction log holds for its writer at most; beyond (a slow control plane), rows are dropped and counted",
      "100000",
    )
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("-p, --port <port>", "port to listen on", "5000")
    .option("-w, --workers <n>", "Python worker processes (python runtime)", "2")
    .option(
      "--worker-wait <seconds>",
      "longest a request waits for a replacement Python worker when none is ready (503 beyond)",
      "30",
    )
    .option("--env-manager <manager>", "only 'local': run in the current Python environment", "local")
    .option("--runtime <runtime>", "auto | onnx | python", "auto")
    .option("--max-batch-size <rows>", "most rows coalesced into one model call", "64")
    .option(
      "--max-batch-delay-ms <ms>",
      "longest a queued request waits for batch-mates while other batches run",
      "2",
    )
    .option("--max-queue <n>", "requests allowed to wait; beyond this, answer 503 at once", "2048")
    .option(
      "--max-body-bytes <n>",
      "largest request body, also after decompression (413 beyond)",
      String(64 * 1024 * 1024),
    )
    .option(
      "--body-timeout <seconds>",
      "longest a client may take to send a whole request (408 beyond)",
      "60",
    )
    .option("--headers-timeout <seconds>", "longest a client may take to send the request headers", "10")
    .option(
      "--tracking-uri <uri>",
      "tracking server that resolves models:/ and runs:/ (default MLFLOW_TRACKING_URI)",
    )
    .option(
      "--cache-dir <dir>",
      "cache root as for `flowgate server` (default FLOWGATE_CACHE_DIR or ~/.cache/flowgate); models are kept in <dir>/models",
    )
    .option(
      "--python <path>",
      "Python interpreter with mlflow installed (default FLOWGATE_PYTHON or python3)",
    )
    .option("--onnx-threads <n>", "ONNX Runtime intra-op threads", "1")
    .action((flags: ServeFlags) => oneLineFailures(() => serve(flags)));
}

async function serve(flags: ServeFlags): Promise<void> {
  if (flags.envManager !== "local") {
    throw invalidParameter(
      `--env-manager ${flags.envManager} is not supported; only 'local' (the current Python environment).`,
    );
  }
  if (!["auto", "onnx", "python"].includes(flags.runtime)) {
    throw invalidParameter(`--runtime must be auto, onnx or python, not '${flags.runtime}'.`);
  }
  if ((flags.modelUri === undefined) === (flags.deployment === undefined)) {
    throw invalidParameter(
      "Pass either -m/--model-uri <uri> (one model) or --deployment <name> (a deployment's versions), not both.",
    );
  }
  const trackingUri = flags.trackingUri ?? process.env.MLFLOW_TRACKING_URI;
  if (flags.deployment !== undefined && !trackingUri) {
    throw invalidParameter(
      "--deployment needs the Flowgate server that holds it: pass --tracking-uri or set MLFLOW_TRACKING_URI.",
    );
  }
  const reportInterval = Number(flags.reportInterval);
  if (!Number.isFinite(reportInterval) || reportInterval <= 0) {
    throw invalidParameter(
      `--report-interval must be a positive number of seconds, not '${flags.reportInterval}'.`,
    );
  }
  const logger = createLogger({ name: "flowgate-serving" });
  const timeout = Number(process.env.MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT ?? "60");
  const cacheRoot = path.resolve(
    flags.cacheDir ?? process.env.FLOWGATE_CACHE_DIR ?? path.join(os.homedir(), ".cache", "flowgate"),
  );
  const common = {
    host: flags.host,
    port: positive(flags.port, "--port", true),
    workers: positive(flags.workers, "--workers"),
    workerWaitSeconds: positive(flags.workerWait, "--worker-wait", true),
    runtime: flags.runtime as RuntimeChoice,
    maxBatchSize: positive(flags.maxBatchSize, "--max-batch-size"),
    maxBatchDelayMs: positive(flags.maxBatchDelayMs, "--max-batch-delay-ms", true),
    maxQueue: positive(flags.maxQueue, "--max-queue"),
    maxBodyBytes: positive(flags.maxBodyBytes, "--max-body-bytes"),
    requestTimeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 60,
    bodyTimeoutSeconds: positive(flags.bodyTimeout, "--body-timeout"),
    headersTimeoutSeconds: positive(flags.headersTimeout, "--headers-timeout"),
    cacheDir: path.join(cacheRoot, "models"),
    python: flags.python ?? process.env.FLOWGATE_PYTHON ?? "python3",
    workerPath: PYTHON_WORKER_PATH,
    onnxThreads: positive(flags.onnxThreads, "--onnx-threads"),
    logger,
  };
  // Loaded on use: the serving stack (onnxruntime-node) would otherwise slow every other command's start,
  // `flowgate server` included.
  let serving: { loaded: Promise<void>; stop(): Promise<void> };
  if (flags.deployment !== undefined) {
    const { startDeploymentServing } = await import("../../serving/deployment-serving.js");
    serving = await startDeploymentServing({
      ...common,
      trackingUri: trackingUri as string,
      deployment: flags.deployment,
      snapshotDir: path.join(cacheRoot, "deployments"),
      reportIntervalMs: reportInterval * 1000,
      shadowBudget: positive(flags.shadowBudget, "--shadow-budget", true),
      logSegmentRows: positive(flags.logSegmentRows, "--log-segment-rows"),
      logSegmentSeconds: positive(flags.logSegmentSeconds, "--log-segment-seconds"),
      logQueueRows: positive(flags.logQueueRows, "--log-queue-rows"),
    });
  } else {
    const { startServing } = await import("../../serving/serving-process.js");
    serving = await startServing({ ...common, modelUri: flags.modelUri as string, trackingUri });
  }
  exitOnSignals(logger, () => serving.stop());
  try {
    await serving.loaded;
  } catch (err) {
    await serving.stop().catch(() => undefined);
    throw err;
  }
}

/** Every failure of `models serve` reaches the terminal as one line (main prints FlowgateErrors that way). */
async function oneLineFailures(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const e = err instanceof FlowgateError ? err : undefined;
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, " ").trim();
    throw new FlowgateError(e?.code ?? "INTERNAL_ERROR", message);
  }
}

function positive(value: string, flag: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1))
    throw invalidParameter(
      `${flag} must be a ${allowZero ? "non-negative" : "positive"} integer, not '${value}'.`,
    );
  return n;
}
