// `flowgate batch score`: scores CSV, Parquet and JSON lines files of any size with one model version or a
// deployment's current primary, in chunks, resumable after a crash (src/batch/). Adds `score` to the `batch`
// group (which `batch k8s-job` shares).
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import { createLogger } from "../../core/logger.js";
import type { DataFormat } from "../../batch/batch-input.js";
import type { BatchOptions, PreparedBatch, Shard } from "../../batch/batch-score.js";
import type { Scorer } from "../../scoring/scorer.js";
import type { RuntimeChoice } from "../../serving/runtime-selection.js";

interface BatchFlags {
  modelUri?: string;
  deployment?: string;
  input: string;
  output: string;
  format?: string;
  id?: string[];
  onError: string;
  errors?: string;
  resume?: boolean;
  shard?: string;
  chunkRows: string;
  runtime: string;
  workers?: string;
  onnxThreads: string;
  trackingUri?: string;
  cacheDir?: string;
  python?: string;
}

export function registerBatchCommand(program: Command): void {
  const batch =
    program.commands.find((c) => c.name() === "batch") ??
    program.command("batch").description("Score files of any size (batch inference)");
  batch
    .command("score")
    .description(
      "Score CSV, Parquet or JSON lines files (gzip too) in chunks with bounded memory; --resume continues after a crash",
    )
    .option(
      "-m, --model-uri <uri>",
      "models:/<name>/<version>, models:/<name>@<alias>, runs:/… or a local model directory",
    )
    .option(
      "--deployment <name>",
      "score with the deployment's current primary version (needs --tracking-uri)",
    )
    .requiredOption("-i, --input <path>", "a file, a directory of files or a glob (data/part-*.csv)")
    .requiredOption(
      "-o, --output <file>",
      "the output file (its state for --resume is kept in <file>.flowgate-batch/)",
    )
    .option(
      "--format <format>",
      "output format: csv | parquet | jsonl (default: the output's extension, else the input's; .gz output is gzip)",
    )
    .option(
      "--id <columns...>",
      "input columns copied to the output next to the predictions (default: every column)",
    )
    .option(
      "--on-error <mode>",
      "a bad row: fail (stop with its row number) or skip (list it in the errors file)",
      "fail",
    )
    .option(
      "--errors <file>",
      "where skipped rows are listed, one JSON line each (default <output>.errors.jsonl)",
    )
    .option("--resume", "continue the run whose state is next to the output (same inputs, model and options)")
    .option(
      "--shard <i/N>",
      "score only shard i of N (0-based): every Nth input file, or every Nth chunk of one file",
    )
    .option("--chunk-rows <n>", "rows per chunk: the unit of parallelism, memory and resume", "20000")
    .option("--runtime <runtime>", "auto | onnx | python", "auto")
    .option("-w, --workers <n>", "Python worker processes (default: one per CPU)")
    .option("--onnx-threads <n>", "ONNX Runtime intra-op threads", "1")
    .option(
      "--tracking-uri <uri>",
      "tracking server that resolves models:/ and deployments (default MLFLOW_TRACKING_URI)",
    )
    .option("--cache-dir <dir>", "cache root (default FLOWGATE_CACHE_DIR or ~/.cache/flowgate)")
    .option(
      "--python <path>",
      "Python interpreter with mlflow installed (default FLOWGATE_PYTHON or python3)",
    )
    .action((flags: BatchFlags) => score(flags));
}

async function score(flags: BatchFlags): Promise<void> {
  if ((flags.modelUri === undefined) === (flags.deployment === undefined)) {
    throw invalidParameter("Pass either -m/--model-uri <uri> or --deployment <name>, not both.");
  }
  if (!["auto", "onnx", "python"].includes(flags.runtime)) {
    throw invalidParameter(`--runtime must be auto, onnx or python, not '${flags.runtime}'.`);
  }
  if (flags.format !== undefined && !["csv", "parquet", "jsonl"].includes(flags.format)) {
    throw invalidParameter(`--format must be csv, parquet or jsonl, not '${flags.format}'.`);
  }
  if (flags.onError !== "fail" && flags.onError !== "skip") {
    throw invalidParameter(`--on-error must be fail or skip, not '${flags.onError}'.`);
  }
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const chunkRows = positive(flags.chunkRows, "--chunk-rows");
  const logger = createLogger({ name: "flowgate-batch", level: process.env.FLOWGATE_LOG_LEVEL ?? "warn" });
  const cacheRoot = path.resolve(
    flags.cacheDir ?? process.env.FLOWGATE_CACHE_DIR ?? path.join(os.homedir(), ".cache", "flowgate"),
  );
  // Loaded on use: the serving stack (onnxruntime-node) would slow every other command's start.
  const { defaultScorerOptions, openScorer } = await import("../../scoring/open-scorer.js");
  const { prepareBatch, scoreBatch } = await import("../../batch/batch-score.js");
  const { progressReporter } = await import("../../batch/batch-progress.js");
  const target =
    flags.deployment !== undefined
      ? ({ kind: "deployment", deployment: flags.deployment, route: "primary" } as const)
      : ({ kind: "model", modelUri: flags.modelUri as string } as const);
  const progress = progressReporter(process.stderr);
  const batchOptions = (model: { name: string; version: string }): BatchOptions => ({
    input: flags.input,
    output: path.resolve(flags.output),
    ...(flags.format !== undefined ? { format: flags.format as DataFormat } : {}),
    ids: flags.id ?? [],
    onError: flags.onError as "fail" | "skip", // checked above
    ...(flags.errors !== undefined ? { errors: path.resolve(flags.errors) } : {}),
    resume: flags.resume === true,
    ...(shard !== undefined ? { shard } : {}),
    chunkRows,
    // A deployment's primary changes with its rollouts: a resumed run must score with the same version.
    target: target.kind === "model" ? target.modelUri : `models:/${model.name}/${model.version}`,
    onProgress: (p) => progress.update(p),
  });
  // The inputs are checked, and the first file read, while the runtime starts.
  let prepared: PreparedBatch | undefined;
  const options = defaultScorerOptions({
    logger,
    trackingUri: flags.trackingUri ?? process.env.MLFLOW_TRACKING_URI,
    cacheDir: path.join(cacheRoot, "models"),
    runtime: flags.runtime as RuntimeChoice,
    onnxThreads: positive(flags.onnxThreads, "--onnx-threads"),
    ...(flags.workers !== undefined ? { workers: positive(flags.workers, "--workers") } : {}),
    ...(flags.python !== undefined ? { python: flags.python } : {}),
    onMetadata: async (model) => {
      prepared = await prepareBatch(model, batchOptions(model));
    },
  });
  let scorer: Scorer;
  try {
    scorer = await openScorer(target, options);
  } catch (err) {
    await prepared?.close();
    throw err;
  }
  try {
    // openScorer told onMetadata the version it loaded, so the batch was prepared for it.
    const summary = await scoreBatch(scorer, prepared ?? (await prepareBatch(scorer, batchOptions(scorer))));
    progress.finish(summary);
  } finally {
    await scorer.close();
  }
}

function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index >= count) {
    throw invalidParameter(`--shard must be i/N with 0 ≤ i < N (e.g. 0/4), not '${text}'.`);
  }
  return { index, count };
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw invalidParameter(`${flag} must be a positive integer, not '${value}'.`);
  return n;
}
