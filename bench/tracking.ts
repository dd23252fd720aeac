// Tracking benchmark: Flowgate vs a real `mlflow server` (from .venvs/mlflow3), both on SQLite, measured in
// the same run with the same HTTP requests.
//   ingest: 200 runs × 1,000 metrics, one runs/create + one runs/log-batch per run, sequentially.
//   search: runs/search over 100,000 runs (seeded directly into each server's own schema, same values):
//           filter "metrics.score > 0.5", order_by "metrics.score DESC", max_results 100; median of up to 7
//           (fewer when one search takes minutes); and the same filter with the default order, which MLflow
//           can answer, under search_filter_only_vs_mlflow.
// Writes bench/results/tracking.json with ingest_vs_mlflow and search_vs_mlflow (Flowgate speed / MLflow
// speed, so > 1 means Flowgate is faster) and the raw timings. Run with `npm run bench:tracking`.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Agent, fetch } from "undici";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const RUNS = 200;
const METRICS_PER_RUN = 1000;
const SEARCH_RUNS = 100_000;
const SEARCH_REPEATS = 7;
const SEARCH_BUDGET_MS = 120_000;
// MLflow 3.18 on SQLite plans this query as a scan of a materialized subquery per run (quadratic): one search
// over 100k runs takes many minutes. Past this cap we stop waiting and report a lower bound.
const SEARCH_CAP_MS = 300_000;
// MLflow's search over 100k runs can take minutes: no client-side timeouts.
const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

interface Server {
  name: string;
  url: string;
  dbFile: string;
  process: ChildProcess;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

async function waitHealthy(url: string, proc: ChildProcess, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${url}: server exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url}: not healthy after ${seconds}s`);
}

async function startServer(name: "flowgate" | "mlflow", dir: string): Promise<Server> {
  const port = await freePort();
  const dbFile = path.join(dir, `${name}.db`);
  const artifacts = path.join(dir, `${name}-artifacts`);
  const log = openSync(path.join(dir, `${name}.log`), "w");
  const args =
    name === "flowgate"
      ? [path.join(ROOT, "bin/flowgate.js"), "server", "--port", String(port)]
      : // One worker: the bench sends one request at a time, and on a loaded machine uvicorn's multi-worker
        // supervisor kills workers that miss its health pings.
        ["server", "--host", "127.0.0.1", "--port", String(port), "--workers", "1"];
  args.push("--backend-store-uri", `sqlite:///${dbFile}`, "--artifacts-destination", artifacts);
  const command = name === "flowgate" ? process.execPath : path.join(ROOT, ".venvs/mlflow3/bin/mlflow");
  // Own process group, so stopping it also stops MLflow's uvicorn workers.
  const proc = spawn(command, args, { cwd: dir, stdio: ["ignore", log, log], detached: true });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, proc, 180);
  return { name, url, dbFile, process: proc };
}

async function stopServer(server: Server): Promise<void> {
  const pid = server.process.pid;
  if (pid === undefined || server.process.exitCode !== null) return;
  process.kill(-pid, "SIGTERM");
  // A worker busy with a long request ignores SIGTERM until it finishes; don't wait for it.
  await new Promise((r) => setTimeout(r, 5000));
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function post(server: Server, route: string, body: unknown): Promise<Record<string, unknown>> {
  const request = () =>
    fetch(`${server.url}/api/2.0/mlflow/${route}`, {
      dispatcher,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  // A kept-alive socket may have been closed by the server while we were seeding; one retry covers that.
  const res = await request().catch(request);
  const text = await res.text();
  if (!res.ok) throw new Error(`${server.name} ${route}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text === "" ? "{}" : text) as Record<string, unknown>;
}

async function createExperiment(server: Server, name: string): Promise<string> {
  return (await post(server, "experiments/create", { name })).experiment_id as string;
}

async function ingest(server: Server): Promise<number> {
  const experimentId = await createExperiment(server, "bench-ingest");
  const now = Date.now();
  const started = performance.now();
  for (let r = 0; r < RUNS; r++) {
    const created = await post(server, "runs/create", { experiment_id: experimentId, start_time: now + r });
    const runId = (created.run as { info: { run_id: string } }).info.run_id;
    const metrics = Array.from({ length: METRICS_PER_RUN }, (_, i) => ({
      key: `metric_${i % 100}`,
      value: Math.sin(i + r),
      timestamp: now + i,
      step: Math.floor(i / 100),
    }));
    await post(server, "runs/log-batch", { run_id: runId, metrics });
  }
  return performance.now() - started;
}

/** A small deterministic PRNG so both stores get identical values. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function seedSearchRuns(server: Server, experimentId: string): void {
  const db = new SqliteDatabase(server.dbFile);
  db.pragma("busy_timeout = 30000");
  const random = prng(42);
  const now = Date.now();
  const mlflow = server.name === "mlflow";
  const insertRun = mlflow
    ? db.prepare(
        `insert into runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,
           end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time)
         values (?, ?, 'UNKNOWN', '', '', 'bench', 'FINISHED', ?, ?, '', 'active', ?, ?, null)`,
      )
    : db.prepare(
        `insert into runs (run_id, name, start_time, end_time, artifact_uri, experiment_id, user_id, status,
           lifecycle_stage, deleted_time) values (?, ?, ?, ?, ?, ?, 'bench', 'FINISHED', 'active', null)`,
      );
  const runColumn = mlflow ? "run_uuid" : "run_id";
  const insertMetric = db.prepare(
    `insert into metrics (${runColumn}, key, value, timestamp, step, is_nan) values (?, 'score', ?, ?, 0, 0)`,
  );
  const insertLatest = db.prepare(
    `insert into latest_metrics (${runColumn}, key, value, timestamp, step, is_nan) values (?, 'score', ?, ?, 0, 0)`,
  );
  const insertTag = db.prepare(
    `insert into ${mlflow ? "tags" : "run_tags"} (${runColumn}, key, value) values (?, 'mlflow.runName', ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < SEARCH_RUNS; i++) {
      const runId = `${i.toString(16).padStart(8, "0")}${"0".repeat(24)}`;
      const name = `run-${i}`;
      const value = random();
      insertRun.run(
        runId,
        name,
        now + i,
        now + i + 1,
        `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
        Number(experimentId),
      );
      insertMetric.run(runId, value, now + i);
      insertLatest.run(runId, value, now + i);
      insertTag.run(runId, name);
    }
  })();
  db.close();
}

interface SearchTiming {
  medianMs: number;
  samplesMs: number[];
  firstRun: string;
  /** True when one search did not answer within SEARCH_CAP_MS: medianMs is then a lower bound. */
  timedOut: boolean;
}

async function timeSearch(server: Server, experimentId: string, orderBy: string[]): Promise<SearchTiming> {
  const samplesMs: number[] = [];
  let firstRun = "";
  const budgetEnds = performance.now() + SEARCH_BUDGET_MS;
  // Stop repeating once the time budget is spent: a slow server still gets at least one sample.
  for (let i = 0; i < SEARCH_REPEATS && (i === 0 || performance.now() < budgetEnds); i++) {
    const started = performance.now();
    const res = await Promise.race([
      post(server, "runs/search", {
        experiment_ids: [experimentId],
        filter: "metrics.score > 0.5",
        order_by: orderBy,
        max_results: 100,
      }),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), SEARCH_CAP_MS).unref()),
    ]);
    if (res === undefined)
      return { medianMs: SEARCH_CAP_MS, samplesMs: [SEARCH_CAP_MS], firstRun: "", timedOut: true };
    samplesMs.push(performance.now() - started);
    const runs = res.runs as Array<{ info: { run_name: string } }>;
    if (runs.length !== 100) throw new Error(`${server.name}: search returned ${runs.length} runs`);
    firstRun = runs[0]?.info.run_name ?? "";
  }
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0, samplesMs, firstRun, timedOut: false };
}

async function benchOne(name: "flowgate" | "mlflow", dir: string) {
  console.log(`starting ${name}…`);
  const server = await startServer(name, dir);
  try {
    const ingestMs = await ingest(server);
    console.log(`${name}: ingest ${RUNS}×${METRICS_PER_RUN} metrics in ${ingestMs.toFixed(0)} ms`);
    const experimentId = await createExperiment(server, "bench-search");
    seedSearchRuns(server, experimentId);
    // The filter-only search first: a capped search may leave an MLflow worker busy for a long time after.
    const filterOnly = await timeSearch(server, experimentId, []);
    console.log(
      `${name}: filter-only search over ${SEARCH_RUNS} runs, median ${filterOnly.medianMs.toFixed(1)} ms`,
    );
    const search = await timeSearch(server, experimentId, ["metrics.score DESC"]);
    const bound = search.timedOut ? "no answer within" : "median";
    console.log(`${name}: search over ${SEARCH_RUNS} runs, ${bound} ${search.medianMs.toFixed(1)} ms`);
    return { ingestMs, search, filterOnly };
  } finally {
    await stopServer(server);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "flowgate-bench-"));
  // One server at a time: the machine is small and the two must not compete for it.
  const flowgate = await benchOne("flowgate", dir);
  const mlflow = await benchOne("mlflow", dir);
  if (!mlflow.search.timedOut && flowgate.search.firstRun !== mlflow.search.firstRun) {
    throw new Error(
      `different top run: flowgate ${flowgate.search.firstRun}, mlflow ${mlflow.search.firstRun}`,
    );
  }
  if (flowgate.filterOnly.firstRun !== mlflow.filterOnly.firstRun) {
    throw new Error(
      `different top run (filter only): ${flowgate.filterOnly.firstRun} vs ${mlflow.filterOnly.firstRun}`,
    );
  }
  const result = {
    ingest_vs_mlflow: Number((mlflow.ingestMs / flowgate.ingestMs).toFixed(2)),
    search_vs_mlflow: Number((mlflow.search.medianMs / flowgate.search.medianMs).toFixed(2)),
    search_vs_mlflow_is_lower_bound: mlflow.search.timedOut,
    search_filter_only_vs_mlflow: Number(
      (mlflow.filterOnly.medianMs / flowgate.filterOnly.medianMs).toFixed(2),
    ),
    measured_at: new Date().toISOString(),
    backend: "sqlite (both)",
    mlflow_version: "3.18 (.venvs/mlflow3, `mlflow server --workers 1`)",
    ingest: {
      runs: RUNS,
      metrics_per_run: METRICS_PER_RUN,
      flowgate_ms: Math.round(flowgate.ingestMs),
      mlflow_ms: Math.round(mlflow.ingestMs),
      flowgate_metrics_per_s: Math.round((RUNS * METRICS_PER_RUN) / (flowgate.ingestMs / 1000)),
      mlflow_metrics_per_s: Math.round((RUNS * METRICS_PER_RUN) / (mlflow.ingestMs / 1000)),
    },
    search: {
      runs: SEARCH_RUNS,
      filter: "metrics.score > 0.5",
      order_by: "metrics.score DESC",
      max_results: 100,
      flowgate_median_ms: Number(flowgate.search.medianMs.toFixed(1)),
      mlflow_median_ms: Number(mlflow.search.medianMs.toFixed(1)),
      mlflow_timed_out_after_ms: mlflow.search.timedOut ? SEARCH_CAP_MS : undefined,
      flowgate_samples_ms: flowgate.search.samplesMs.map((v) => Number(v.toFixed(1))),
      mlflow_samples_ms: mlflow.search.samplesMs.map((v) => Number(v.toFixed(1))),
    },
    search_filter_only: {
      runs: SEARCH_RUNS,
      filter: "metrics.score > 0.5",
      order_by: "(default: start_time DESC, run_id)",
      max_results: 100,
      flowgate_median_ms: Number(flowgate.filterOnly.medianMs.toFixed(1)),
      mlflow_median_ms: Number(mlflow.filterOnly.medianMs.toFixed(1)),
      flowgate_samples_ms: flowgate.filterOnly.samplesMs.map((v) => Number(v.toFixed(1))),
      mlflow_samples_ms: mlflow.filterOnly.samplesMs.map((v) => Number(v.toFixed(1))),
    },
  };
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(path.join(ROOT, "bench/results/tracking.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

await main();
