// Monitoring benchmark, in one run on this machine:
//   drift: 1M logged rows × 20 inputs (10 numeric, 5 categorical, 3 binary, 2 ordinal; bench/monitoring-data.ts)
//     written as real prediction-log segments (SegmentWriter, 50 000 rows each, as serving rotates them), a
//     100k-row reference as the baseline. Timed: Flowgate's segments → current profile on the baseline's edges →
//     datasetDrift, against Evidently 0.7.23's DataDriftPreset on the same rows read from the same Parquet files
//     (pandas' read timed apart from the report), in the same run. Per-column verdicts are compared too.
//   logging: throughput of `models serve --deployment` with 100% prediction logging against a replica of the same
//     model with `monitoring: { enabled: false }`, in interleaved rounds (the loss is 1 − the median of the rounds'
//     ratios); 64 connections, closed loop, single-row JSON.
//   stalled sink: a replica whose segment uploads hang (a loopback proxy accepts them and never answers) under
//     saturating load of 100-row requests for BENCH_STALL_S (so the log's default bounds — 100 000 queued rows,
//     a 50 000-row open segment, 4 finished segments — fill within the run): peak RSS (VmHWM), RSS each second,
//     and the rows the log dropped and counted.
// Writes bench/results/monitoring.json. Run: npm run bench:monitoring
//   (BENCH_PARTS=drift,logging,stall; BENCH_DURATION_S=5 per measurement, BENCH_ROUNDS=10, BENCH_STALL_S=40;
//   BENCH_ROWS=1000000 current rows; BENCH_EVIDENTLY=off and BENCH_FROM_SOURCE=1 to iterate on Flowgate's side)
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { DatasetProfile, PredictionSegment } from "../src/monitoring/monitoring.js";
import { datasetDrift } from "../src/monitoring/drift/dataset-drift.js";
import { computeWindow, type WindowSources } from "../src/monitoring/monitor/window-computation.js";
import { ProfileBuilder } from "../src/monitoring/profile/profile-builder.js";
import { profileSegments } from "../src/monitoring/profile/profile-segments.js";
import type { PredictionRecord } from "../src/monitoring/segments/prediction-record.js";
import { SegmentWriter } from "../src/monitoring/segments/segment-writer.js";
import { createDeploymentsClient } from "../src/sdk/deployments-client.js";
import { saturate, type SaturationResult } from "../test/support/load-generator.js";
import {
  PYTHON,
  REPO,
  IRIS_COLUMNS,
  irisBody,
  irisRow,
  startServer,
  startServing,
  type FlowgateProcess,
} from "../test/delivery/support/delivery-processes.js";
import { FEATURES, prng, records } from "./monitoring-data.js";
import { startStallingProxy } from "./monitoring-sink.js";

const PARTS = new Set((process.env.BENCH_PARTS ?? "drift,logging,stall").split(","));
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? "5");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? "10");
const STALL_S = Number(process.env.BENCH_STALL_S ?? "40");
/** Rows per request while the sink is stalled: enough rows that the log's bounds are reached within the run. */
const STALL_ROWS_PER_REQUEST = 100;
const CURRENT_ROWS = Number(process.env.BENCH_ROWS ?? "1000000");
const REFERENCE_ROWS = 100_000;
const SEGMENT_ROWS = 50_000;
const DRIFT_RUNS = 3;
const CONNECTIONS = 64;
const MODEL = "iris-monitoring-bench";
const ORACLES_PYTHON = path.join(REPO, ".venvs/oracles/bin/python");
const SEGMENTS_ROUTE = "/api/flowgate/v1/monitoring/segments";
/** The built CLI (dist/), as a user runs it; BENCH_FROM_SOURCE=1 runs the sources through tsx instead. */
const BUILT = process.env.BENCH_FROM_SOURCE !== "1";

const round = (n: number, digits = 3): number => Number(n.toFixed(digits));
const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Columns of `recs` as profile input: inputs and outputs, one array each. */
function columnsOf(recs: PredictionRecord[], key: "inputs" | "outputs"): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const name of Object.keys(recs[0]?.[key] ?? {})) out[name] = recs.map((r) => r[key][name]);
  return out;
}

interface Logs {
  /** [first, last] logged time of the current log. */
  times: [number, number];
  referencePath: string;
  currentDir: string;
  segments: string[];
  bytes: number;
  writeSeconds: number;
  baseline: DatasetProfile;
}

/** The reference (one file, profiled into the baseline) and the current log (segments of SEGMENT_ROWS). */
function writeLogs(dir: string): Logs {
  const t0 = Date.parse("2026-11-01T00:00:00Z");
  const refRecords = records(prng(1), false, 0, REFERENCE_ROWS, t0);
  const builder = new ProfileBuilder();
  builder.addColumns(columnsOf(refRecords, "inputs"), refRecords.length, "input");
  builder.addColumns(columnsOf(refRecords, "outputs"), refRecords.length, "prediction");
  const baseline = builder.build({ kind: "file", name: "reference.parquet" });
  const writer = new SegmentWriter();
  writer.append(refRecords);
  const referencePath = path.join(dir, "reference.parquet");
  writeFileSync(referencePath, writer.finish());

  const currentDir = path.join(dir, "current");
  mkdirSync(currentDir);
  const rand = prng(2);
  const segments: string[] = [];
  let bytes = 0;
  const started = performance.now();
  for (let start = 0; start < CURRENT_ROWS; start += SEGMENT_ROWS) {
    writer.append(records(rand, true, start, Math.min(SEGMENT_ROWS, CURRENT_ROWS - start), t0 + 86_400_000));
    const file = path.join(currentDir, `${String(segments.length).padStart(4, "0")}.parquet`);
    const data = writer.finish();
    writeFileSync(file, data);
    bytes += data.byteLength;
    segments.push(file);
  }
  return {
    times: [t0 + 86_400_000, t0 + 86_400_000 + CURRENT_ROWS - 1],
    referencePath,
    currentDir,
    segments,
    bytes,
    writeSeconds: round((performance.now() - started) / 1000),
    baseline,
  };
}

interface EvidentlyResult {
  read_s: number;
  report_s: number;
  reference_rows: number;
  current_rows: number;
  columns: Record<string, { method: string; score: number; threshold: number | null; drifted?: boolean }>;
}

async function evidently(logs: Logs): Promise<EvidentlyResult> {
  const { stdout } = await promisify(execFile)(
    ORACLES_PYTHON,
    [path.join(REPO, "bench/monitoring-evidently.py"), logs.referencePath, logs.currentDir],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split("\n").pop() as string) as EvidentlyResult;
}

/** The segments' bytes, one file at a time (as the monitor reads them from the artifact store). */
function* files(paths: string[]): Iterable<Uint8Array> {
  for (const p of paths) yield readFileSync(p);
}

/**
 * The monitor's own window computation (E's computeWindow) over the same segments as one window: it also reads
 * the request ids and splits rows by version. Sources are the local files; the deployment has no labels, so no
 * label is looked up (the monitor asks the store once per window whether any arrived).
 */
async function monitorWindow(logs: Logs): Promise<number> {
  const segments: PredictionSegment[] = logs.segments.map((p, i) => ({
    id: String(i),
    deployment: "bench",
    path: p,
    replica: "bench",
    firstTime: logs.times[0] + i * SEGMENT_ROWS,
    lastTime: logs.times[0] + (i + 1) * SEGMENT_ROWS - 1,
    rows: SEGMENT_ROWS,
    bytes: 0,
    versions: ["1"],
    createdAt: 0,
  }));
  const sources: WindowSources = {
    segments: async () => segments,
    openSegment: async (s) => readFileSync(s.path),
    baseline: async () => logs.baseline,
    labels: async () => new Map(),
    labelled: async () => false,
    runMetrics: async () => ({}),
  };
  const started = performance.now();
  const [w] = await computeWindow(
    sources,
    { deployment: "bench", model: "bench", spec: {}, methods: [] },
    { start: logs.times[0], end: logs.times[1] + 1 },
    Date.now(),
  );
  if (w?.rows !== CURRENT_ROWS) throw new Error(`computeWindow saw ${w?.rows} rows, not ${CURRENT_ROWS}`);
  return round((performance.now() - started) / 1000);
}

async function driftPart(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(tmpdir(), "flowgate-bench-monitoring-"));
  try {
    const logs = writeLogs(dir);
    console.log(
      `drift: ${logs.segments.length} segments, ${(logs.bytes / 1e6).toFixed(1)} MB written in ${logs.writeSeconds} s`,
    );
    const runs: number[] = [];
    let drift: ReturnType<typeof datasetDrift> | undefined;
    let rows = 0;
    for (let i = 0; i < DRIFT_RUNS; i++) {
      const started = performance.now();
      const current = await profileSegments(files(logs.segments), logs.baseline);
      drift = datasetDrift(logs.baseline, current);
      runs.push(round((performance.now() - started) / 1000));
      rows = current.rows;
    }
    console.log(`drift: flowgate ${JSON.stringify(runs)} s over ${rows} rows`);
    const monitorRuns: number[] = [];
    for (let i = 0; i < DRIFT_RUNS; i++) monitorRuns.push(await monitorWindow(logs));
    console.log(`drift: the monitor's computeWindow ${JSON.stringify(monitorRuns)} s`);
    const ev: EvidentlyResult =
      process.env.BENCH_EVIDENTLY === "off"
        ? { read_s: NaN, report_s: NaN, reference_rows: 0, current_rows: 0, columns: {} }
        : await evidently(logs);
    console.log(`drift: evidently report ${round(ev.report_s)} s (pandas read ${round(ev.read_s)} s)`);
    const flowgateS = median(runs);
    const columns = (drift?.columns ?? []).map((c) => {
      const theirs = ev.columns[c.column];
      return {
        column: c.column,
        role: c.role,
        kind: c.kind,
        method: c.method,
        score: round(c.score, 6),
        drifted: c.drifted,
        evidently: theirs && {
          method: theirs.method,
          score: round(theirs.score, 6),
          drifted: theirs.drifted,
        },
      };
    });
    const compared = columns.filter((c) => c.evidently?.drifted !== undefined);
    return {
      setup: {
        current_rows: rows,
        reference_rows: REFERENCE_ROWS,
        features: FEATURES.map((f) => ({ name: f.name, type: f.type, shifted: f.shifted })),
        outputs: ["prediction (label)", "confidence"],
        segments: logs.segments.length,
        segment_rows: SEGMENT_ROWS,
        segment_bytes: logs.bytes,
        segment_write_s: logs.writeSeconds,
        flowgate: `segments → profileSegments (current profile on the baseline's edges) → datasetDrift, ${DRIFT_RUNS} runs in one process (median; the first includes JIT warm-up)`,
        evidently:
          "evidently 0.7.23 Report([DataDriftPreset()]) on pandas frames of the same Parquet files (read timed apart)",
      },
      flowgate_runs_s: runs,
      flowgate_s: flowgateS,
      monitor_window_runs_s: monitorRuns,
      monitor_window_s: median(monitorRuns),
      evidently_report_s: round(ev.report_s),
      evidently_read_s: round(ev.read_s),
      evidently_rows: { reference: ev.reference_rows, current: ev.current_rows },
      speedup_vs_evidently: round(ev.report_s / flowgateS, 1),
      speedup_vs_evidently_with_read: round((ev.report_s + ev.read_s) / flowgateS, 1),
      dataset: drift && {
        drifted: drift.drifted,
        share: round(drift.share, 3),
        driftedColumns: drift.driftedColumns,
        testedColumns: drift.testedColumns,
      },
      verdicts_agree: `${compared.filter((c) => c.drifted === c.evidently?.drifted).length}/${compared.length}`,
      columns,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak and current resident memory of a process, from /proc (kB → MB). */
function memoryOf(pid: number): { peak_rss_mb: number; rss_mb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
  return { peak_rss_mb: round(kb("VmHWM") / 1024, 1), rss_mb: round(kb("VmRSS") / 1024, 1) };
}

/** A counter or gauge of a serving process's /metrics, summed over its label sets. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(" ").pop());
  }
  return sum;
}

async function runtimeOf(replica: FlowgateProcess): Promise<string> {
  const meta = (await (await fetch(`${replica.url}/metadata`)).json()) as {
    models?: { version: string; runtime: string }[];
  };
  return (meta.models ?? []).map((m) => `v${m.version}: ${m.runtime}`).join(", ");
}

/** A request of `rows` iris rows (1: the single-row JSON of the throughput rounds). */
function body(seq: number, rows: number): string {
  if (rows === 1) return irisBody(seq);
  const data = Array.from({ length: rows }, (_, i) => irisRow(seq * rows + i));
  return JSON.stringify({ dataframe_split: { columns: IRIS_COLUMNS, data } });
}

async function throughput(url: string, seconds = DURATION_S, rows = 1): Promise<SaturationResult> {
  const request = (seq: number): { body: string } => ({ body: body(seq, rows) });
  await saturate({ targets: [url], connections: 8, seconds: 2, request }); // warm-up
  return saturate({ targets: [url], connections: CONNECTIONS, seconds, request });
}

async function registerModel(trackingUri: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    PYTHON,
    [
      path.join(REPO, "test/monitoring/fixtures/register_monitoring_models.py"),
      MODEL,
      path.join(mkdtempSync(path.join(tmpdir(), "flowgate-bench-train-")), "train.csv"),
    ],
    { env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri }, maxBuffer: 16 * 1024 * 1024 },
  );
  return (JSON.parse(stdout.trim().split("\n").pop() as string) as { good: string }).good;
}

async function servingParts(): Promise<Record<string, unknown>> {
  const server = await startServer(undefined, { built: BUILT });
  const out: Record<string, unknown> = {};
  try {
    const version = await registerModel(server.url);
    const client = createDeploymentsClient({ trackingUri: server.url });
    const deploy = (name: string, monitoring?: { enabled: boolean }) =>
      client.create({ name, model: MODEL, primary: version, ...(monitoring && { monitoring }) }, "benchmark");
    if (PARTS.has("logging")) {
      await deploy("bench-log");
      await deploy("bench-nolog", { enabled: false });
      const [logged, plain] = await Promise.all(
        ["bench-log", "bench-nolog"].map((deployment) =>
          startServing({ trackingUri: server.url, deployment, built: BUILT }),
        ),
      );
      try {
        out.runtime = { logged: await runtimeOf(logged!), not_logged: await runtimeOf(plain!) };
        const rounds: { logged: SaturationResult; not_logged: SaturationResult; ratio: number }[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          // Alternate which goes first, so a drift in the machine's load does not favour one side.
          const first = i % 2 === 0 ? logged! : plain!;
          const a = await throughput(first.url);
          const b = await throughput((first === logged ? plain : logged)!.url);
          const [on, off] = first === logged ? [a, b] : [b, a];
          rounds.push({ logged: on, not_logged: off, ratio: round(on.reqPerS / off.reqPerS) });
          console.log(`logging round ${i + 1}: on ${on.reqPerS} req/s, off ${off.reqPerS} req/s`);
        }
        const ratio = median(rounds.map((r) => r.ratio));
        out.logging = {
          rounds,
          ratios: rounds.map((r) => r.ratio),
          median_ratio: ratio,
          loss: round(1 - ratio),
          logged_rows: await metric(logged!.url, "flowgate_prediction_log_rows_total"),
          dropped_rows: await metric(logged!.url, "flowgate_prediction_log_dropped_total"),
          memory_logged_replica: memoryOf(logged!.child.pid!),
          memory_not_logged_replica: memoryOf(plain!.child.pid!),
        };
      } finally {
        await Promise.all([logged!.stop(), plain!.stop()]);
      }
      const segments = (await (
        await fetch(`${server.url}/api/flowgate/v1/monitoring/deployments/bench-log/segments`)
      ).json()) as { segments?: { rows: number }[] };
      Object.assign(out.logging as object, {
        segments_on_server: segments.segments?.length,
        rows_on_server: segments.segments?.reduce((n, s) => n + s.rows, 0),
      });
    }
    if (PARTS.has("stall")) {
      await deploy("bench-stall");
      const proxy = await startStallingProxy(server.url, SEGMENTS_ROUTE);
      const replica = await startServing({ trackingUri: proxy.url, deployment: "bench-stall", built: BUILT });
      try {
        const rss: number[] = [];
        const sampler = setInterval(() => rss.push(memoryOf(replica.child.pid!).rss_mb), 1000);
        const load = await throughput(replica.url, STALL_S, STALL_ROWS_PER_REQUEST);
        clearInterval(sampler);
        out.stalled_sink = {
          seconds: STALL_S,
          rows_per_request: STALL_ROWS_PER_REQUEST,
          load,
          ...memoryOf(replica.child.pid!),
          rss_mb_each_second: rss,
          uploads_hanging: proxy.stalled(),
          logged_rows: await metric(replica.url, "flowgate_prediction_log_rows_total"),
          dropped_rows: await metric(replica.url, "flowgate_prediction_log_dropped_total"),
        };
        console.log(`stalled sink: ${JSON.stringify(out.stalled_sink)}`);
      } finally {
        await replica.stop();
        await proxy.close();
      }
    }
  } finally {
    await server.stop();
  }
  return out;
}

async function main(): Promise<void> {
  const load0 = loadavg();
  const drift = PARTS.has("drift") ? await driftPart() : undefined;
  const loadAfterDrift = loadavg();
  const serving = PARTS.has("logging") || PARTS.has("stall") ? await servingParts() : {};
  const logging = serving.logging as { loss: number } | undefined;
  const stalled = serving.stalled_sink as { peak_rss_mb: number; dropped_rows: number } | undefined;
  const d = drift as { flowgate_s: number; speedup_vs_evidently: number } | undefined;
  const goal = (value: number | undefined, ok: (v: number) => boolean, target: string) =>
    value === undefined ? { target, value: null, met: null } : { target, value, met: ok(value) };
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      node: process.version,
      loadavg_before: load0,
      loadavg_after_drift: loadAfterDrift,
      loadavg_after: loadavg(),
      note: "shared with other workloads",
    },
    ran: [...PARTS],
    drift,
    serving: {
      model:
        "iris LogisticRegression registered by the real mlflow client (runtime chosen by auto: see runtime)",
      request: "single-row dataframe_split JSON",
      connections: CONNECTIONS,
      duration_s: DURATION_S,
      rounds: ROUNDS,
      ...serving,
    },
    goals: {
      drift_report_s: goal(d?.flowgate_s, (v) => v < 2, "< 2 s"),
      drift_speedup_vs_evidently: goal(d?.speedup_vs_evidently, (v) => v >= 10, "≥ 10×"),
      logging_throughput_loss: goal(logging?.loss, (v) => v <= 0.05, "≤ 5%"),
      stalled_sink_peak_rss_mb: goal(
        stalled?.peak_rss_mb,
        () => true,
        "reported (bounded: see rss_mb_each_second)",
      ),
    },
  };
  writeFileSync(path.join(REPO, "bench/results/monitoring.json"), JSON.stringify(report, null, 2) + "\n");
  console.log(JSON.stringify(report.goals));
}

await main();
