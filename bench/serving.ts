// Serving benchmark: iris RandomForestClassifier(n_estimators=100), single-row JSON requests on loopback.
// In one run: Flowgate onnx, Flowgate python (2 workers), `mlflow models serve --env-manager local --workers 2`,
// and a bare node:http JSON echo as the ceiling. 64 connections for DURATION_S, then latency at concurrency 1 and
// 10. Writes bench/results/serving.json. Run: node --import tsx bench/serving.ts   (BENCH_DURATION_S=30 default)
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Pool } from "undici";
import { freePort } from "../test/support/free-port.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PYTHON = path.join(REPO, ".venvs/mlflow3/bin/python");
const MLFLOW = path.join(REPO, ".venvs/mlflow3/bin/mlflow");
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? "30");
const LATENCY_S = Number(process.env.BENCH_LATENCY_S ?? "10");
const BODY = JSON.stringify({
  dataframe_split: {
    columns: ["sepal_length", "sepal_width", "petal_length", "petal_width"],
    data: [[6.1, 2.8, 4.7, 1.2]],
  },
});

interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  errors: number;
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

/** Closed-loop load: `connections` clients each send the next request when the previous answers. */
async function load(url: string, connections: number, seconds: number): Promise<LoadResult> {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const r = await pool.request({
          path: "/invocations",
          method: "POST",
          headers: { "content-type": "application/json" },
          body: BODY,
        });
        const text = await r.body.text();
        if (r.statusCode !== 200 || !text.includes("predictions")) errors++;
        else latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, client));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN).toFixed(3));
  return {
    connections,
    seconds: Number(elapsed.toFixed(2)),
    requests: latencies.length,
    errors,
    req_per_s: Number((latencies.length / elapsed).toFixed(1)),
    p50_ms: pct(0.5),
    p99_ms: pct(0.99),
  };
}

function treeRssMb(pid: number): number {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, "utf8").trim();
      if (children) pids.push(...children.split(/\s+/).map(Number));
    } catch {
      /* gone */
    }
  }
  let kb = 0;
  for (const p of pids) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      kb += Number(m?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return Number((kb / 1024).toFixed(1));
}

async function waitReady(url: string, child: ChildProcess, timeoutS = 300): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${url}/ping`);
      if (r.status === 200) {
        const probe = await fetch(`${url}/invocations`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: BODY,
        });
        if (probe.status === 200) return;
      }
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} not ready after ${timeoutS}s`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(t);
}

async function measure(
  name: string,
  start: (port: number) => ChildProcess,
): Promise<Record<string, unknown>> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = start(port);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  child.stdout?.on("data", () => undefined);
  try {
    await waitReady(url, child).catch((err: Error) => {
      throw new Error(`${name}: ${err.message}\n${stderr}`);
    });
    await load(url, 8, 3); // warm-up
    const throughput = await load(url, 64, DURATION_S);
    const rss = treeRssMb(child.pid as number);
    const c1 = await load(url, 1, LATENCY_S);
    const c10 = await load(url, 10, LATENCY_S);
    const result = { throughput_64: throughput, latency_c1: c1, latency_c10: c10, rss_mb: rss };
    console.log(name, JSON.stringify(result));
    return result;
  } finally {
    await stop(child);
  }
}

const ECHO = `
const http = require("node:http");
http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (req.method !== "POST") return res.end("\\n");
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ predictions: body.dataframe_split.data.map(() => 1) }));
  });
}).listen(Number(process.argv[1]), "127.0.0.1");
`;

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "flowgate-bench-"));
  const modelDir = path.join(work, "iris-rf100");
  await promisify(execFile)(PYTHON, [path.join(REPO, "bench/serving-model.py"), modelDir]);
  const flowgate = (runtime: string) => (port: number) =>
    spawn(
      process.execPath,
      [
        path.join(REPO, "bin/flowgate.js"),
        "models",
        "serve",
        "-m",
        modelDir,
        "--port",
        String(port),
        "--runtime",
        runtime,
        "--workers",
        "2",
        "--cache-dir",
        path.join(work, "cache"),
      ],
      {
        env: { ...process.env, FLOWGATE_PYTHON: PYTHON, FLOWGATE_LOG_LEVEL: "warn" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
  const load0 = loadavg();
  const results: Record<string, Record<string, unknown>> = {};
  results.echo = await measure("echo", (port) =>
    spawn(process.execPath, ["-e", ECHO, String(port)], { stdio: ["ignore", "pipe", "pipe"] }),
  );
  results.flowgate_onnx = await measure("flowgate_onnx", flowgate("onnx"));
  results.flowgate_python = await measure("flowgate_python", flowgate("python"));
  results.mlflow = await measure("mlflow", (port) =>
    spawn(
      MLFLOW,
      [
        "models",
        "serve",
        "-m",
        modelDir,
        "--env-manager",
        "local",
        "--workers",
        "2",
        "--host",
        "127.0.0.1",
        "-p",
        String(port),
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
        // mlflow execs `uvicorn` from PATH: the venv must be on it.
        env: { ...process.env, PATH: `${path.dirname(MLFLOW)}:${process.env.PATH ?? ""}` },
      },
    ),
  );
  const rps = (k: string): number => (results[k]?.throughput_64 as LoadResult).req_per_s;
  const ratio = (a: string, b: string): number => Number((rps(a) / rps(b)).toFixed(2));
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      loadavg_before: load0,
      loadavg_after: loadavg(),
      note: "shared with other workloads",
    },
    setup: {
      model: "iris RandomForestClassifier(n_estimators=100)",
      request: "single-row dataframe_split JSON",
      connections: 64,
      duration_s: DURATION_S,
      latency_s: LATENCY_S,
    },
    results,
    onnx_vs_mlflow: ratio("flowgate_onnx", "mlflow"),
    python_vs_mlflow: ratio("flowgate_python", "mlflow"),
    onnx_vs_echo: ratio("flowgate_onnx", "echo"),
    goals: { onnx_vs_mlflow: 20, python_vs_mlflow: 5, onnx_vs_echo: 0.5 },
  };
  writeFileSync(path.join(REPO, "bench/results/serving.json"), JSON.stringify(report, null, 2) + "\n");
  console.log(
    JSON.stringify({
      onnx_vs_mlflow: report.onnx_vs_mlflow,
      python_vs_mlflow: report.python_vs_mlflow,
      onnx_vs_echo: report.onnx_vs_echo,
    }),
  );
}

await main();
