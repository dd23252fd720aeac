// Serving latency of model versions, for the max_latency gate. A smoke benchmark loads the version's files with
// the serving runtimes and times single requests; it takes seconds, so it runs before a promotion's transaction
// (never holding the store's write lock) and its result is stored; the gate, inside the transaction, reads it.
// A version's files never change, so one successful measurement per version is reused; a failed one is retried.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { artifactUriPath } from "../../artifacts/artifact-uri.js";
import type { ArtifactRepository } from "../../artifacts/artifact-repo.js";
import { downloadTree } from "../../artifacts/download-tree.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { RequestContext } from "../../core/request-context.js";
import { versionNotFound } from "../../registry/registry-errors.js";
import type { SmokeBenchmarkResult } from "../../serving/smoke-benchmark.js";
import type { Database, Executor } from "../../store/database.js";

export interface LatencyMeasurement {
  ok: boolean;
  requests: number;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  maxMs: number | undefined;
  runtime: string | undefined;
  /** How it was measured (runtime choice, request source), or why it could not be. */
  message: string;
  measuredAt: number;
  actor: string;
}

/** Runs a smoke benchmark of the MLflow model directory `dir`. */
export type SmokeBenchmark = (dir: string) => Promise<SmokeBenchmarkResult>;

/** The measurement the gate uses: the latest successful one, else the latest failure (to say why). */
export async function latestMeasurement(
  x: Executor,
  name: string,
  version: number,
): Promise<LatencyMeasurement | undefined> {
  const row = await x
    .selectFrom("latency_measurements")
    .selectAll()
    .where("model_name", "=", name)
    .where("version", "=", version)
    .orderBy("ok", "desc")
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const num = (v: number | null): number | undefined => (v === null ? undefined : Number(v));
  return {
    ok: Number(row.ok) === 1,
    requests: Number(row.requests),
    p50Ms: num(row.p50_ms),
    p99Ms: num(row.p99_ms),
    maxMs: num(row.max_ms),
    runtime: row.runtime ?? undefined,
    message: row.message,
    measuredAt: Number(row.measured_at),
    actor: row.actor,
  };
}

export interface LatencyProbe {
  /** Measures the version unless a successful measurement is stored; concurrent calls share one run. */
  ensure(ctx: RequestContext, name: string, version: number): Promise<LatencyMeasurement>;
}

export function createLatencyProbe(deps: {
  database: Database;
  artifacts: ArtifactRepository;
  benchmark: SmokeBenchmark;
  /** Scratch space for the version's files while it is measured. */
  workDir: string;
  clock: Clock;
  logger: Logger;
}): LatencyProbe {
  const { database, clock, logger } = deps;
  const running = new Map<string, Promise<LatencyMeasurement>>();

  async function measure(ctx: RequestContext, name: string, version: number): Promise<LatencyMeasurement> {
    const known = await latestMeasurement(database.db, name, version);
    if (known?.ok === true) return known;
    const row = await database.db
      .selectFrom("model_versions")
      .innerJoin("registered_models", "registered_models.id", "model_versions.registered_model_id")
      .select("model_versions.storage_location")
      .where("registered_models.name", "=", name)
      .where("model_versions.version", "=", version)
      .where("model_versions.current_stage", "!=", "Deleted_Internal")
      .executeTakeFirst();
    if (row === undefined) throw versionNotFound(name, version);
    let result: Omit<LatencyMeasurement, "measuredAt" | "actor">;
    const started = Date.now();
    // The promotion waits on this for seconds (a one-time ONNX conversion, worker start): say so when it starts.
    logger.info({ model: name, version }, "serving smoke benchmark started (max_latency gate)");
    await mkdir(deps.workDir, { recursive: true, mode: 0o700 });
    const scratch = await mkdtemp(path.join(deps.workDir, "smoke-"));
    try {
      const stored = artifactUriPath(row.storage_location, "storage_location");
      await downloadTree(deps.artifacts, stored, scratch);
      const r = await deps.benchmark(scratch);
      result = {
        ok: true,
        requests: r.requests,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        maxMs: r.maxMs,
        runtime: r.runtime,
        message: `${r.requests} sequential requests (${r.input}); runtime ${r.runtime}: ${r.reason}`,
      };
    } catch (err) {
      result = {
        ok: false,
        requests: 0,
        p50Ms: undefined,
        p99Ms: undefined,
        maxMs: undefined,
        runtime: undefined,
        message: (err as Error).message.split("\n")[0] ?? "unknown error",
      };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    const measurement = { ...result, measuredAt: clock.now(), actor: ctx.actor };
    logger.info(
      {
        model: name,
        version,
        ok: measurement.ok,
        p99_ms: measurement.p99Ms,
        seconds: (Date.now() - started) / 1000,
      },
      "serving smoke benchmark finished",
    );
    await database.db
      .insertInto("latency_measurements")
      .values({
        model_name: name,
        version,
        ok: measurement.ok ? 1 : 0,
        requests: measurement.requests,
        p50_ms: measurement.p50Ms ?? null,
        p99_ms: measurement.p99Ms ?? null,
        max_ms: measurement.maxMs ?? null,
        runtime: measurement.runtime ?? null,
        message: measurement.message,
        measured_at: measurement.measuredAt,
        actor: measurement.actor,
      })
      .execute();
    return measurement;
  }

  return {
    ensure(ctx, name, version) {
      const key = `${name}\u0000${version}`;
      let run = running.get(key);
      if (run === undefined) {
        run = measure(ctx, name, version).finally(() => running.delete(key));
        running.set(key, run);
      }
      return run;
    },
  };
}
