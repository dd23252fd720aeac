// A serving smoke benchmark: load a model directory with the runtime `flowgate models serve` would choose, send
// one request at a time through the same validation and batcher as /invocations, and report latency percentiles.
// The request is the model's serving input example, else one row made from its column signature. The max_latency
// promotion gate reads the result; nothing here knows about the registry.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { invalidParameter } from "../core/errors.js";
import type { ColumnSpec } from "../models/signature.js";
import type { ModelInput } from "./frame.js";
import { hostModel, submitPrediction } from "./hosted-model.js";
import { readModelMetadata, type ModelMetadata } from "./model-metadata.js";
import { startRuntime, type RuntimeOptions } from "./runtime-selection.js";
import { modelInputFromJson, parseJsonBody } from "./scoring-protocol.js";

export interface SmokeBenchmarkOptions extends RuntimeOptions {
  /** Timed requests, sent one after another. */
  requests: number;
  /** Untimed requests first (JIT, caches, worker warm-up). */
  warmup: number;
}

export interface SmokeBenchmarkResult {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  runtime: string;
  /** Why that runtime was chosen (as `models serve` logs it). */
  reason: string;
  /** Where the request came from. */
  input: string;
}

/** The nearest-rank percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

function sampleCell(column: ColumnSpec): unknown {
  switch (column.type) {
    case "string":
      return "a";
    case "boolean":
      return false;
    case "integer":
    case "long":
      return 1;
    case "float":
    case "double":
      return 0.5;
    case "binary":
    case "datetime":
    case "composite":
      // No one value suits every model; such models need an input example.
      return undefined;
  }
}

/** The request to replay: the serving input example, else a one-row frame built from the column signature. */
async function benchmarkInput(meta: ModelMetadata): Promise<{ input: ModelInput; source: string }> {
  if (meta.servingInputExample !== undefined) {
    const text = await readFile(path.join(meta.dir, meta.servingInputExample), "utf8");
    return { input: parseJsonBody(text), source: meta.servingInputExample };
  }
  const schema = meta.signature.inputs;
  if (schema?.kind === "columns") {
    const row = schema.columns.map(sampleCell);
    const names = schema.columns.map((c) => c.name);
    if (row.every((v) => v !== undefined) && names.every((n) => n !== undefined)) {
      return {
        input: modelInputFromJson({ dataframe_split: { columns: names, data: [row] } }),
        source: "one row made from the signature",
      };
    }
  }
  throw invalidParameter(
    "The model has no serving input example and no named scalar column signature to make a request from: " +
      "log it with input_example=… so a smoke benchmark can call it.",
  );
}

export async function runSmokeBenchmark(
  dir: string,
  options: SmokeBenchmarkOptions,
): Promise<SmokeBenchmarkResult> {
  const meta = await readModelMetadata(dir);
  const { input, source } = await benchmarkInput(meta);
  const started = await startRuntime(meta, options);
  const hosted = hostModel(
    {
      name: path.basename(dir),
      version: "smoke",
      meta,
      runtime: started.runtime,
      reason: started.reason,
      loadSeconds: 0,
      details: {},
    },
    { maxBatchSize: 64, maxBatchDelayMs: 2, maxQueue: 16 },
  );
  const samples: number[] = [];
  try {
    for (let i = 0; i < options.warmup + options.requests; i++) {
      const t0 = performance.now();
      const outcome = await submitPrediction(hosted, input, options.logger).result;
      const ms = performance.now() - t0;
      if (!outcome.ok) {
        throw invalidParameter(
          `The model failed on its benchmark request (${source}): ${outcome.error.message}`,
        );
      }
      if (i >= options.warmup) samples.push(ms);
    }
  } finally {
    await started.runtime.close();
  }
  samples.sort((a, b) => a - b);
  return {
    requests: samples.length,
    p50Ms: percentile(samples, 0.5),
    p99Ms: percentile(samples, 0.99),
    maxMs: samples[samples.length - 1] ?? Number.NaN,
    runtime: started.runtime.kind,
    reason: started.reason,
    input: source,
  };
}
