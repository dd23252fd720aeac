// Batch scoring benchmark, in one run on this machine, with an iris LogisticRegression saved by the real mlflow
// client (bench/batch-model.py):
//   vs mlflow: rows/s of `flowgate batch score` (the built CLI, as a user runs it) on a CSV of BENCH_COMPARE_ROWS
//     (default 1M) rows against `mlflow models predict --env-manager local` on the same file, both timed from
//     process start to exit (model load included): on the ONNX path (auto) and the Python path (--runtime python).
//   memory: a CSV of --rows (default 10M) rows scored on the ONNX path, peak RSS (VmHWM of the process, sampled
//     from /proc every 100 ms, plus its children's) reported against the 500 MB goal.
// Writes bench/results/batch.json. Run: npm run bench:batch [-- --rows 10000000] (BENCH_COMPARE_ROWS=1000000)
import { execFile, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const PYTHON = path.join(REPO, ".venvs/mlflow3/bin/python");
const MLFLOW = path.join(REPO, ".venvs/mlflow3/bin/mlflow");
const FLOWGATE = path.join(REPO, "bin/flowgate.js");
const argRows = process.argv.indexOf("--rows");
const MEMORY_ROWS = Number(argRows > 0 ? process.argv[argRows + 1] : "10000000");
const COMPARE_ROWS = Number(process.env.BENCH_COMPARE_ROWS ?? "1000000");
const GOALS = { onnx: 20, python: 3, peakRssMb: 500 };

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write("id,sepal_length,sepal_width,petal_length,petal_width\n");
  let batch = "";
  for (let i = 0; i < rows; i++) {
    batch += `${i},${4 + (i % 40) / 10},${2 + (i % 25) / 10},${1 + (i % 60) / 10},${0.1 + (i % 24) / 10}\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, "drain");
      batch = "";
    }
  }
  out.end(batch);
  await once(out, "close");
}

/** Peak RSS in MB of a process and its children (VmHWM of each, sampled while it runs). */
function rssSampler(pid: number): { stop(): number } {
  const peaks = new Map<number, number>();
  const sample = (): void => {
    for (const p of [pid, ...childrenOf(pid)]) {
      try {
        const status = readFileSync(`/proc/${p}/status`, "utf8");
        const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
        peaks.set(p, Math.max(peaks.get(p) ?? 0, hwm));
      } catch {
        /* exited */
      }
    }
  };
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      return [...peaks.values()].reduce((a, b) => a + b, 0);
    },
  };
}

function childrenOf(pid: number): number[] {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return tasks === ""
      ? []
      : tasks
          .split(/\s+/)
          .map(Number)
          .flatMap((c) => [c, ...childrenOf(c)]);
  } catch {
    return [];
  }
}

async function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = performance.now();
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const rss = rssSampler(child.pid as number);
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  // "close", not "exit": the summary on stderr may still be in the pipe when the process exits.
  const [code] = (await once(child, "close")) as [number | null];
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = rss.stop();
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${code}:\n${output}`);
  // flowgate prints its summary last: its own rows/s, from the first chunk read to the output written.
  const last = output.trim().split("\n").pop() ?? "";
  const inRun = last.startsWith('{"event":"summary"')
    ? (JSON.parse(last) as { rows_per_second: number })
    : undefined;
  return { seconds, peakRssMb, output, scoringRowsPerSecond: inRun?.rows_per_second };
}

function flowgateScore(model: string, input: string, output: string, cache: string, extra: string[] = []) {
  return timed(
    process.execPath,
    [
      FLOWGATE,
      "batch",
      "score",
      "-m",
      model,
      "-i",
      input,
      "-o",
      output,
      "--id",
      "id",
      "--cache-dir",
      cache,
      ...extra,
    ],
    { FLOWGATE_PYTHON: PYTHON },
  );
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "flowgate-bench-batch-"));
  const before = loadavg();
  const model = path.join(work, "model");
  await promisify(execFile)(PYTHON, [path.join(REPO, "bench/batch-model.py"), model]);
  const cache = path.join(work, "cache");
  const compareCsv = path.join(work, "compare.csv");
  await writeCsv(compareCsv, COMPARE_ROWS);
  // One worker, as mlflow runs one Python: its predict of 1M rows is ~0.7 s, while a second worker importing
  // mlflow and scikit-learn at the same time on 2 CPUs about doubles the pool's start (measured 19.3 s vs 15.2 s).
  const pythonFlags = ["--runtime", "python", "--workers", "1"];
  // The ONNX conversion and the Python worker's skops trusted types are made and cached once, as on any machine
  // after the first run.
  const warm = path.join(work, "warm.csv");
  await writeCsv(warm, 10);
  await flowgateScore(model, warm, path.join(work, "warm-out.csv"), cache);
  await flowgateScore(model, warm, path.join(work, "warm-out.csv"), cache, pythonFlags);
  const mlflow = await timed(MLFLOW, [
    "models",
    "predict",
    "-m",
    model,
    "-i",
    compareCsv,
    "-o",
    path.join(work, "mlflow-out.json"),
    "-t",
    "csv",
    "--env-manager",
    "local",
  ]);
  console.log(`mlflow models predict: ${COMPARE_ROWS} rows in ${mlflow.seconds.toFixed(1)} s`);
  const onnx = await flowgateScore(model, compareCsv, path.join(work, "onnx-out.csv"), cache);
  console.log(`flowgate batch score (ONNX): ${onnx.seconds.toFixed(1)} s`);
  const python = await flowgateScore(
    model,
    compareCsv,
    path.join(work, "python-out.csv"),
    cache,
    pythonFlags,
  );
  console.log(`flowgate batch score (Python): ${python.seconds.toFixed(1)} s`);
  const rate = (s: number): number => Math.round(COMPARE_ROWS / s);
  const ratios = { onnx: mlflow.seconds / onnx.seconds, python: mlflow.seconds / python.seconds };
  // What grows with the rows: mlflow's CSV parse, predict and JSON output timed in one process by its own
  // functions (bench/batch-mlflow-split.py); Flowgate's run from the first chunk read to the output written (its
  // summary). The rest of each wall time is start-up and exit (imports, model load, Python workers).
  const split = JSON.parse(
    (
      await promisify(execFile)(PYTHON, [
        path.join(REPO, "bench/batch-mlflow-split.py"),
        model,
        compareCsv,
        path.join(work, "mlflow-split.json"),
      ])
    ).stdout,
  ) as Record<string, number>;
  const rowsTime = {
    mlflow: split.rows as number,
    onnx: COMPARE_ROWS / (onnx.scoringRowsPerSecond as number),
    python: COMPARE_ROWS / (python.scoringRowsPerSecond as number),
  };
  const rowsRatios = { onnx: rowsTime.mlflow / rowsTime.onnx, python: rowsTime.mlflow / rowsTime.python };
  console.log(
    `ratios vs mlflow, end to end: ONNX ${ratios.onnx.toFixed(1)}× (goal ${GOALS.onnx}×), Python ${ratios.python.toFixed(1)}× (goal ${GOALS.python}×); on the rows alone (start-up and exit taken off): ONNX ${rowsRatios.onnx.toFixed(1)}×, Python ${rowsRatios.python.toFixed(1)}×`,
  );
  rmSync(compareCsv);

  const bigCsv = path.join(work, "big.csv");
  await writeCsv(bigCsv, MEMORY_ROWS);
  const bigBytes = statSync(bigCsv).size;
  const memory = await flowgateScore(model, bigCsv, path.join(work, "big-out.csv"), cache);
  console.log(
    `${MEMORY_ROWS} rows (${(bigBytes / 1e6).toFixed(0)} MB CSV) in ${memory.seconds.toFixed(1)} s, peak RSS ${memory.peakRssMb.toFixed(0)} MB (goal < ${GOALS.peakRssMb} MB)`,
  );
  const summary = JSON.parse(memory.output.trim().split("\n").pop() as string) as Record<string, unknown>;

  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      loadavg_before: before,
      loadavg_after: loadavg(),
      note: "shared with other workloads",
    },
    setup: {
      model:
        "iris LogisticRegression saved by mlflow 3 with an input example (auto: ONNX after the conversion check)",
      input: "CSV: id + 4 numeric columns; output CSV with id and prediction; chunk 20 000 rows",
      timing:
        "wall time of each command from process start to exit, model load included (the ONNX conversion and the Python worker's skops trusted types cached by warm-up runs); rows = the part that grows with the rows (mlflow: CSV parse + predict + JSON output timed in-process by bench/batch-mlflow-split.py; flowgate: its summary, first chunk read to output written), the rest of each wall time being start-up and exit",
      mlflow: "mlflow models predict -t csv --env-manager local (mlflow 3, same venv, same file)",
      python: "flowgate batch score --runtime python --workers 1 (one worker, as mlflow runs one Python)",
    },
    results: {
      vs_mlflow: {
        rows: COMPARE_ROWS,
        mlflow: {
          seconds: mlflow.seconds,
          rows_per_second: rate(mlflow.seconds),
          peak_rss_mb: mlflow.peakRssMb,
        },
        onnx: { seconds: onnx.seconds, rows_per_second: rate(onnx.seconds), peak_rss_mb: onnx.peakRssMb },
        python: {
          seconds: python.seconds,
          rows_per_second: rate(python.seconds),
          peak_rss_mb: python.peakRssMb,
        },
        mlflow_phases_seconds: split,
        rows_seconds: rowsTime,
        ratio_onnx: ratios.onnx,
        ratio_python: ratios.python,
        ratio_onnx_rows: rowsRatios.onnx,
        ratio_python_rows: rowsRatios.python,
        flowgate_in_run_rows_per_second: {
          onnx: onnx.scoringRowsPerSecond,
          python: python.scoringRowsPerSecond,
        },
        goal_onnx: GOALS.onnx,
        goal_python: GOALS.python,
        met_onnx: ratios.onnx >= GOALS.onnx,
        met_python: ratios.python >= GOALS.python,
      },
      memory: {
        rows: MEMORY_ROWS,
        csv_bytes: bigBytes,
        seconds: memory.seconds,
        rows_per_second: Math.round(MEMORY_ROWS / memory.seconds),
        peak_rss_mb: memory.peakRssMb,
        goal_peak_rss_mb: GOALS.peakRssMb,
        met: memory.peakRssMb < GOALS.peakRssMb,
        summary,
      },
    },
  };
  writeFileSync(path.join(REPO, "bench/results/batch.json"), `${JSON.stringify(result, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
}

await main();
