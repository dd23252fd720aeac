// Uploads are atomic: a file appears whole or not at all. A client that disconnects mid-body, an upload
// over the size limit (declared or streamed), leave neither the file nor a temp file behind.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BACKENDS } from "../support/backends.js";
import { rawRequest } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const LIMIT = 64 * 1024;
const BASE = "/api/2.0/mlflow-artifacts/artifacts";

function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Waits (bounded) until the server has finished cleaning up after a broken request. */
async function settled(dir: string, unwanted: (files: string[]) => boolean): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const files = allFiles(dir);
    if (!unwanted(files)) return files;
    await sleep(25);
  }
  return allFiles(dir);
}

/** Sends part of a declared body, then drops the connection. */
function abortMidStream(url: string, rawPath: string, declared: number, sent: number): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = request({
      host: u.hostname,
      port: u.port,
      method: "PUT",
      path: rawPath,
      headers: { "content-length": String(declared), "content-type": "application/octet-stream" },
    });
    req.on("error", () => resolve());
    req.on("close", () => resolve());
    req.write(Buffer.alloc(sent, 7), () => {
      setTimeout(() => req.destroy(), 50);
    });
  });
}

describe("atomic artifact uploads", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(BACKENDS[0]!, { maxArtifactBytes: LIMIT });
  });
  after(() => server.close());

  it("stores a complete upload byte for byte", async () => {
    const body = Buffer.alloc(LIMIT, 3);
    const res = await rawRequest(server.url, "PUT", `${BASE}/1/r/artifacts/full.bin`, body);
    assert.equal(res.status, 200);
    assert.deepEqual(readFileSync(path.join(server.artifactRoot, "1/r/artifacts/full.bin")), body);
  });

  it("leaves no file and no temp file when the client disconnects mid-upload", async () => {
    await abortMidStream(server.url, `${BASE}/1/r/artifacts/broken.bin`, 50_000, 20_000);
    const files = await settled(server.artifactRoot, (f) => f.some((n) => n.includes(".flowgate-upload-")));
    assert.ok(!files.some((n) => n.includes("broken.bin")), `found ${files.join(", ")}`);
    assert.ok(!files.some((n) => n.includes(".flowgate-upload-")), `temp left: ${files.join(", ")}`);
  });

  it("keeps the previous version of a file when its replacement upload breaks", async () => {
    const original = Buffer.from("version one");
    await rawRequest(server.url, "PUT", `${BASE}/1/r/artifacts/kept.txt`, original);
    await abortMidStream(server.url, `${BASE}/1/r/artifacts/kept.txt`, 50_000, 10_000);
    await settled(server.artifactRoot, (f) => f.some((n) => n.includes(".flowgate-upload-")));
    assert.deepEqual(readFileSync(path.join(server.artifactRoot, "1/r/artifacts/kept.txt")), original);
  });

  it("refuses an upload whose declared size is over the limit with 413 and writes nothing", async () => {
    const res = await rawRequest(server.url, "PUT", `${BASE}/1/r/artifacts/big.bin`, Buffer.alloc(LIMIT + 1));
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).error_code, "PAYLOAD_TOO_LARGE");
    const files = allFiles(server.artifactRoot);
    assert.ok(!files.some((n) => n.includes("big.bin") || n.includes(".flowgate-upload-")));
  });

  it("stops a chunked upload at the limit with 413 and writes nothing", async () => {
    const u = new URL(server.url);
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: u.hostname, port: u.port, method: "PUT", path: `${BASE}/1/r/artifacts/stream.bin` },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      // No Content-Length: Node sends the body chunked, so only the stream itself reveals its size.
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(LIMIT / 2, 1));
      req.end();
    });
    assert.equal(status.status, 413);
    assert.equal(JSON.parse(status.body).error_code, "PAYLOAD_TOO_LARGE");
    const files = await settled(server.artifactRoot, (f) => f.some((n) => n.includes(".flowgate-upload-")));
    assert.ok(!files.some((n) => n.includes("stream.bin") || n.includes(".flowgate-upload-")));
  });
});
