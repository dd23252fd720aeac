// Streams a 1 GiB artifact through the proxy (PUT, then GET) against a real Flowgate server running in a
// child process, and samples the server's resident memory: streaming means the peak stays far below the
// file size. Writes bench/results/artifacts.json.
// Run: node --import tsx bench/artifacts-stream.ts [sizeMiB]
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const sizeMiB = Number(process.argv[2] ?? 1024);
const CHUNK = Buffer.alloc(1 << 20);
for (let i = 0; i < CHUNK.length; i++) CHUNK[i] = (i * 31) & 0xff;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), "flowgate-bench-art-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn(
    "node",
    [
      path.join(root, "bin/flowgate.js"),
      "server",
      "--port",
      String(port),
      "--backend-store-uri",
      `sqlite:///${path.join(tmp, "db.sqlite")}`,
      "--artifacts-destination",
      path.join(tmp, "artifacts"),
    ],
    { stdio: "ignore" },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      await sleep(100);
    }
  }
  const pid = server.pid!;
  const idle = rssMiB(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 20);
  const url = new URL(`${base}/api/2.0/mlflow-artifacts/artifacts/0/bench/artifacts/big.bin`);

  const sent = createHash("sha256");
  const uploadStart = performance.now();
  await new Promise<void>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: "PUT",
        path: url.pathname,
        headers: { "content-length": String(sizeMiB << 20), "content-type": "application/octet-stream" },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    let n = 0;
    const pump = (): void => {
      while (n < sizeMiB) {
        n++;
        sent.update(CHUNK);
        if (!req.write(CHUNK)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
  const uploadMs = performance.now() - uploadStart;

  const got = createHash("sha256");
  const downloadStart = performance.now();
  const res = await fetch(url);
  for await (const chunk of res.body!) got.update(chunk as Uint8Array);
  const downloadMs = performance.now() - downloadStart;
  clearInterval(sampler);
  server.kill();
  await new Promise((resolve) => server.once("exit", resolve));
  rmSync(tmp, { recursive: true, force: true });

  const result = {
    date: new Date().toISOString(),
    file_mib: sizeMiB,
    upload_mib_per_s: Math.round((sizeMiB / uploadMs) * 1000),
    download_mib_per_s: Math.round((sizeMiB / downloadMs) * 1000),
    server_rss_idle_mib: Math.round(idle),
    server_rss_peak_mib: Math.round(peak),
    byte_identical: sent.digest("hex") === got.digest("hex"),
  };
  console.log(result);
  mkdirSync(path.join(root, "bench/results"), { recursive: true });
  writeFileSync(path.join(root, "bench/results/artifacts.json"), JSON.stringify(result, null, 2) + "\n");
}

await main();
