// S3 artifacts benchmark: the real mlflow clients log and download a large artifact (1 GiB by default) through
// `flowgate server --artifacts-destination s3://…` and through `mlflow server --artifacts-destination s3://…`
// (.venvs/mlflow3), both on the same moto S3 server, in the same run. Each server's resident memory (its whole
// process group) is sampled throughout; the file is checked byte for byte after every download.
// Modes, per client:
//   proxied: MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD/DOWNLOAD=false, so every byte goes through the server;
//   direct:  the 3.x client's defaults (both servers advertise multipart): parts and ranges go to S3 on URLs
//            the server signs.
// First the ceiling: the same file up and down with awscli (boto3's parallel multipart and ranges, as mlflow's
// server uses) and with one streamed SDK PutObject / GetObject, straight to moto — no artifact server can beat
// the faster of them. Writes bench/results/artifacts-s3.json: MiB/s per direction, peak RSS, and Flowgate/MLflow throughput ratios
// (> 1: Flowgate faster). Run: `npm run bench:artifacts-s3 [-- sizeMiB]`.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { createS3Client, s3SettingsFrom } from "../src/artifacts/s3-client.js";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const SIZE_MIB = Number(process.argv[2] ?? 1024);
const BUCKET = "bench-artifacts";
// A transfer slower than this is stopped and reported as a lower bound on the ratio (MLflow's proxy can take
// many minutes per GiB).
const TRANSFER_CAP_S = Number(process.env.BENCH_TRANSFER_CAP_S ?? 900);
const MiB = 1024 * 1024;

const CLIENT_SCRIPT = `
import hashlib, json, os, shutil, sys, tempfile, time, mlflow
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment(sys.argv[3])
with mlflow.start_run() as run:
    t0 = time.monotonic()
    mlflow.log_artifact(sys.argv[2], "data")
    upload = time.monotonic() - t0
out = tempfile.mkdtemp()
t0 = time.monotonic()
local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="data", dst_path=out)
download = time.monotonic() - t0
h = hashlib.sha256()
with open(os.path.join(local, os.path.basename(sys.argv[2])), "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
shutil.rmtree(out)
print(json.dumps({"upload_s": upload, "download_s": download, "sha256": h.hexdigest()}))
`;

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

/**
 * Resident memory of the serving processes in the group `pgid` (MLflow's server runs a uvicorn worker), in MiB.
 * MLflow's huey job consumers, which it also starts, move no artifact bytes and are left out.
 */
function groupRssMiB(pgid: number): number {
  let kb = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("huey")) continue;
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return kb / 1024;
}

async function waitFor(url: string, proc: ChildProcess, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${url}: exited with ${proc.exitCode}`);
    try {
      if ((await fetch(url, { method: url.includes("moto-api") ? "POST" : "GET" })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url}: not up after ${seconds}s`);
}

interface Started {
  url: string;
  proc: ChildProcess;
}

function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
  const fd = openSync(log, "w");
  // Own process group: its RSS is summed over the group, and stopping it stops its workers.
  return spawn(command, args, { env, stdio: ["ignore", fd, fd], detached: true });
}

async function startServer(
  name: "flowgate" | "mlflow",
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<Started> {
  const port = await freePort();
  const common = [
    "--backend-store-uri",
    `sqlite:///${path.join(dir, `${name}.db`)}`,
    "--artifacts-destination",
    `s3://${BUCKET}/${name}`,
  ];
  const proc =
    name === "flowgate"
      ? startProcess(
          process.execPath,
          [path.join(ROOT, "bin/flowgate.js"), "server", "--port", String(port), ...common],
          env,
          path.join(dir, "flowgate.log"),
        )
      : startProcess(
          path.join(ROOT, ".venvs/mlflow3/bin/mlflow"),
          ["server", "--host", "127.0.0.1", "--port", String(port), "--workers", "1", ...common],
          env,
          path.join(dir, "mlflow.log"),
        );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`, proc, 180);
  return { url, proc };
}

/** The whole group at once: MLflow's server does not always end its workers and job consumers on SIGTERM. */
function stop(proc: ChildProcess): void {
  if (proc.exitCode === null && proc.pid !== undefined) process.kill(-proc.pid, "SIGKILL");
}

interface Run {
  server: "flowgate" | "mlflow";
  client: "mlflow3" | "mlflow2";
  mode: "proxied" | "direct";
  upload_mib_per_s: number | null;
  download_mib_per_s: number | null;
  /** Set when the transfer was stopped at the cap: the throughput is then at most file/cap. */
  capped: boolean;
  server_rss_idle_mib: number;
  server_rss_peak_mib: number;
  byte_identical: boolean;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "flowgate-bench-s3-"));
  const motoPort = await freePort();
  const moto = startProcess(
    path.join(ROOT, ".venvs/services/bin/moto_server"),
    ["-H", "127.0.0.1", "-p", String(motoPort)],
    process.env,
    path.join(dir, "moto.log"),
  );
  const endpoint = `http://127.0.0.1:${motoPort}`;
  const s3Env = {
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_DEFAULT_REGION: "us-east-1",
    MLFLOW_S3_ENDPOINT_URL: endpoint,
  };
  const env = { ...process.env, ...s3Env };
  const servers: ChildProcess[] = [moto];
  try {
    await waitFor(`${endpoint}/moto-api/reset`, moto, 60);
    const s3 = createS3Client(s3SettingsFrom(s3Env));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

    const file = path.join(dir, "model.bin");
    const hash = createHash("sha256");
    const chunk = Buffer.alloc(MiB);
    for (let m = 0; m < SIZE_MIB; m++) {
      for (let i = 0; i < MiB; i += 512) chunk.writeUInt32LE((m * MiB + i) >>> 0, i);
      appendFileSync(file, chunk);
      hash.update(chunk);
    }
    const sha256 = hash.digest("hex");

    const ceiling = await measureCeiling(s3, endpoint, file, dir, env);
    console.log(JSON.stringify({ ceiling }));

    const flowgate = await startServer("flowgate", dir, env);
    servers.push(flowgate.proc);
    const mlflow = await startServer("mlflow", dir, env);
    servers.push(mlflow.proc);

    const runs: Run[] = [];
    const plan: [Run["client"], Run["mode"]][] = [
      ["mlflow3", "proxied"],
      ["mlflow2", "proxied"],
      ["mlflow3", "direct"],
    ];
    for (const [client, mode] of plan) {
      for (const [name, started] of [
        ["flowgate", flowgate],
        ["mlflow", mlflow],
      ] as const) {
        const pgid = started.proc.pid as number;
        const idle = groupRssMiB(pgid);
        let peak = idle;
        const sampler = setInterval(() => (peak = Math.max(peak, groupRssMiB(pgid))), 100);
        const clientEnv = {
          ...env,
          MLFLOW_HTTP_REQUEST_TIMEOUT: String(TRANSFER_CAP_S),
          ...(mode === "proxied"
            ? {
                MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD: "false",
                MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD: "false",
              }
            : {}),
        };
        let result: { upload_s: number; download_s: number; sha256: string } | undefined;
        try {
          const { stdout } = await promisify(execFile)(
            path.join(ROOT, ".venvs", client, "bin/python"),
            ["-c", CLIENT_SCRIPT, started.url, file, `${client}-${mode}`],
            { env: clientEnv, maxBuffer: 16 * MiB, timeout: 2 * TRANSFER_CAP_S * 1000 },
          );
          result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as typeof result;
        } catch (err) {
          console.error(`${name} ${client} ${mode}: stopped (${(err as Error).message.split("\n")[0]})`);
        } finally {
          clearInterval(sampler);
        }
        const run: Run = {
          server: name,
          client,
          mode,
          upload_mib_per_s: result === undefined ? null : round(SIZE_MIB / result.upload_s),
          download_mib_per_s: result === undefined ? null : round(SIZE_MIB / result.download_s),
          capped: result === undefined,
          server_rss_idle_mib: Math.round(idle),
          server_rss_peak_mib: Math.round(peak),
          byte_identical: result?.sha256 === sha256,
        };
        runs.push(run);
        console.log(JSON.stringify(run));
        // After every run: a bench stopped part-way still leaves what it measured.
        writeResults(runs, plan, ceiling, false);
        await emptyBucket(s3);
      }
    }
    s3.destroy();

    const results = writeResults(runs, plan, ceiling, true);
    console.log(JSON.stringify(results.vs_mlflow), `flowgate peak RSS ${results.flowgate_rss_peak_mib} MiB`);
  } finally {
    for (const proc of servers.reverse()) stop(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes bench/results/artifacts-s3.json from the runs so far; `complete` once every planned run is in. */
function writeResults(
  runs: Run[],
  plan: [Run["client"], Run["mode"]][],
  ceiling: Ceiling,
  complete: boolean,
) {
  const ratio = (
    client: Run["client"],
    mode: Run["mode"],
    key: "upload_mib_per_s" | "download_mib_per_s",
  ) => {
    const f = runs.find((r) => r.server === "flowgate" && r.client === client && r.mode === mode);
    const m = runs.find((r) => r.server === "mlflow" && r.client === client && r.mode === mode);
    const mlflowSpeed = m?.[key] ?? (m?.capped === true ? SIZE_MIB / TRANSFER_CAP_S : null);
    return f?.[key] == null || mlflowSpeed == null ? null : round(f[key] / mlflowSpeed);
  };
  const results = {
    complete,
    date: new Date().toISOString(),
    file_mib: SIZE_MIB,
    s3: "moto (server mode) on loopback",
    mlflow_server: "mlflow 3.17 (.venvs/mlflow3), --workers 1",
    // 2 cores shared with whatever else runs: the 1-minute load average when these results were written.
    load_average: round(loadavg()[0] ?? 0),
    ceiling,
    runs,
    vs_mlflow: Object.fromEntries(
      plan.map(([client, mode]) => [
        `${client}_${mode}`,
        {
          upload: ratio(client, mode, "upload_mib_per_s"),
          download: ratio(client, mode, "download_mib_per_s"),
        },
      ]),
    ),
    flowgate_rss_peak_mib: Math.max(
      ...runs.filter((r) => r.server === "flowgate").map((r) => r.server_rss_peak_mib),
    ),
    goal: "proxied throughput >= 2x mlflow server on the same S3; Flowgate's RSS flat (peak far below the file size)",
  };
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(path.join(ROOT, "bench/results/artifacts-s3.json"), `${JSON.stringify(results, null, 2)}\n`);
  return results;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

interface Ceiling {
  awscli_upload_mib_per_s: number;
  awscli_download_mib_per_s: number;
  sdk_put_object_mib_per_s: number;
  sdk_get_object_mib_per_s: number;
}

/** The file to moto and back with no artifact server in between (see the header). */
async function measureCeiling(
  s3: ReturnType<typeof createS3Client>,
  endpoint: string,
  file: string,
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<Ceiling> {
  const out = path.join(dir, "ceiling.bin");
  const speed = async (transfer: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await transfer();
    return round(SIZE_MIB / ((performance.now() - t0) / 1000));
  };
  const aws = (...args: string[]) =>
    promisify(execFile)("/usr/bin/aws", ["--endpoint-url", endpoint, "s3", "cp", ...args], { env });
  const ceiling: Ceiling = {
    awscli_upload_mib_per_s: await speed(() => aws(file, `s3://${BUCKET}/ceiling/awscli.bin`)),
    awscli_download_mib_per_s: await speed(() => aws(`s3://${BUCKET}/ceiling/awscli.bin`, out)),
    sdk_put_object_mib_per_s: await speed(() =>
      s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: "ceiling/sdk.bin",
          Body: createReadStream(file),
          ContentLength: SIZE_MIB * MiB,
        }),
      ),
    ),
    sdk_get_object_mib_per_s: await speed(async () => {
      const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "ceiling/sdk.bin" }));
      await pipeline(res.Body as Readable, createWriteStream(out));
    }),
  };
  rmSync(out, { force: true });
  await emptyBucket(s3);
  return ceiling;
}

/** Drops every object between runs, so moto holds one copy of the file at a time. */
async function emptyBucket(s3: ReturnType<typeof createS3Client>): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key as string }));
    if (keys.length === 0) return;
    await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys, Quiet: true } }));
  }
}

await main();
