// A Flowgate server with `--artifacts-destination s3://…` (moto): the artifact proxy, MLflow's multipart and
// presigned routes, and the real mlflow clients (3.x and 2.x) logging and downloading through it — every
// object checked with awscli, the server's memory flat while a file much larger than its upload buffers
// passes through.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { createS3Client, s3SettingsFrom } from "../../src/artifacts/s3-client.js";
import { loadServerConfig } from "../../src/core/config.js";
import { BACKENDS } from "../support/backends.js";
import { startMoto, type Moto } from "../support/moto.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

const AWS = "/usr/bin/aws";
const BUCKET = "flowgate-server";
const MiB = 1024 * 1024;
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const ARTIFACTS = "/api/2.0/mlflow-artifacts";

// Logs `file` to a new run through the tracking server, downloads it back and prints both digests.
const CLIENT_SCRIPT = `
import hashlib, json, os, sys, tempfile, mlflow
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment(sys.argv[3])
def digest(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
with mlflow.start_run() as run:
    mlflow.log_artifact(sys.argv[2], "data")
out = tempfile.mkdtemp()
local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="data", dst_path=out)
name = os.path.basename(sys.argv[2])
print(json.dumps({"run_id": run.info.run_id, "artifact_uri": run.info.artifact_uri,
                  "sha256": digest(os.path.join(local, name))}))
`;

describe("a Flowgate server storing artifacts in S3 (moto)", () => {
  let moto: Moto;
  let server: TestServer;
  let env: Record<string, string>;

  const aws = async (...args: string[]): Promise<string> => {
    const { stdout } = await promisify(execFile)(
      AWS,
      [...args, "--endpoint-url", moto.endpoint, "--output", "json"],
      {
        env: { ...process.env, ...moto.env, AWS_PAGER: "" },
        maxBuffer: 16 * MiB,
      },
    );
    return stdout;
  };
  const keysUnder = async (prefix: string): Promise<Record<string, number>> => {
    const out = await aws("s3api", "list-objects-v2", "--bucket", BUCKET, "--prefix", prefix);
    const contents =
      out.trim() === ""
        ? []
        : ((JSON.parse(out) as { Contents?: { Key: string; Size: number }[] }).Contents ?? []);
    return Object.fromEntries(contents.map((o) => [o.Key, o.Size]));
  };

  before(async () => {
    moto = await startMoto();
    // The smallest parts, two in flight: an upload holds at most 15 MiB, well under the files below.
    env = {
      ...moto.env,
      MLFLOW_S3_ENDPOINT_URL: moto.endpoint,
      FLOWGATE_S3_UPLOAD_PART_BYTES: String(5 * MiB),
      FLOWGATE_S3_UPLOAD_CONCURRENCY: "2",
    };
    const client = createS3Client(s3SettingsFrom(env));
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    client.destroy();
    server = await startTestServer(BACKENDS[0]!, { artifactsDestination: `s3://${BUCKET}/mlartifacts`, env });
  });
  after(async () => {
    await server?.close();
    await moto?.stop();
  });

  it("accepts s3:// destinations in its configuration and refuses malformed ones", () => {
    assert.equal(
      loadServerConfig({ artifactsDestination: "s3://bucket/a/b/" }, {}).artifactsDestination,
      "s3://bucket/a/b",
    );
    assert.throws(() => loadServerConfig({ artifactsDestination: "s3://No_Such/x" }, {}), /s3:\/\/<bucket>/);
  });

  it("proxies uploads, listings, downloads and deletes to keys under its prefix", async () => {
    const put = await fetch(`${server.url}${ARTIFACTS}/artifacts/7/r/artifacts/notes.txt`, {
      method: "PUT",
      body: "hello s3",
    });
    assert.equal(put.status, 200);
    assert.deepEqual(await keysUnder("mlartifacts/7/"), { "mlartifacts/7/r/artifacts/notes.txt": 8 });
    const listed = await call(server, "GET", `${ARTIFACTS}/artifacts`, { path: "7/r/artifacts" });
    assert.deepEqual(listed.body, { files: [{ path: "notes.txt", is_dir: false, file_size: 8 }] });
    const got = await fetch(`${server.url}${ARTIFACTS}/artifacts/7/r/artifacts/notes.txt`);
    assert.equal(await got.text(), "hello s3");
    const del = await fetch(`${server.url}${ARTIFACTS}/artifacts/7/r`, { method: "DELETE" });
    assert.equal(del.status, 200);
    assert.deepEqual(await keysUnder("mlartifacts/7/"), {});
  });

  it("tells 3.x clients that multipart uploads and downloads go to S3 directly", async () => {
    const info = await call(server, "GET", "/api/3.0/mlflow/server-info");
    assert.equal(info.body.multipart_uploads_enabled, true);
    assert.equal(info.body.multipart_downloads_enabled, true);
  });

  it("runs MLflow's multipart upload over HTTP: create signs part URLs, complete makes the file appear, abort drops it", async () => {
    const dir = "8/r/artifacts/data";
    const create = await call(server, "POST", `${ARTIFACTS}/mpu/create/${dir}`, {
      path: "/home/me/big.bin",
      num_parts: 2,
    });
    assert.equal(create.status, 200, JSON.stringify(create.body));
    assert.equal(create.body.credentials.length, 2);
    const parts = [Buffer.alloc(5 * MiB, 9), Buffer.from("tail")];
    const uploaded = [];
    for (const [i, cred] of (create.body.credentials as { url: string; part_number: number }[]).entries()) {
      const res = await fetch(cred.url, { method: "PUT", body: parts[i] });
      assert.equal(res.status, 200);
      uploaded.push({ part_number: cred.part_number, etag: res.headers.get("etag"), url: cred.url });
    }
    const complete = await call(server, "POST", `${ARTIFACTS}/mpu/complete/${dir}`, {
      path: "/home/me/big.bin",
      upload_id: create.body.upload_id,
      parts: uploaded,
    });
    assert.equal(complete.status, 200, JSON.stringify(complete.body));

    const second = await call(server, "POST", `${ARTIFACTS}/mpu/create/${dir}`, {
      path: "gone.bin",
      num_parts: 1,
    });
    const abort = await call(server, "POST", `${ARTIFACTS}/mpu/abort/${dir}`, {
      path: "gone.bin",
      upload_id: second.body.upload_id,
    });
    assert.equal(abort.status, 200);
    // The completed upload is one whole object; the aborted one left nothing.
    assert.deepEqual(await keysUnder(`mlartifacts/${dir}/`), { [`mlartifacts/${dir}/big.bin`]: 5 * MiB + 4 });

    const presigned = await call(server, "GET", `${ARTIFACTS}/presigned/${dir}/big.bin`);
    assert.equal(presigned.body.file_size, 5 * MiB + 4);
    const ranged = await fetch(presigned.body.url, { headers: { range: `bytes=${5 * MiB}-` } });
    assert.equal(await ranged.text(), "tail");

    const bad = await call(server, "POST", `${ARTIFACTS}/mpu/complete/${dir}`, {
      path: "x.bin",
      upload_id: "u",
      parts: [{}],
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, "INVALID_PARAMETER_VALUE");
  });

  describe("the real mlflow client", () => {
    const scratch = mkdtempSync(path.join(tmpdir(), "flowgate-s3-client-"));
    // Several times the server's bounded buffers (upload parts and download ranges, ~35 MiB here), so the slack a
    // busy machine's GC leaves (RSS grew up to ~75 MiB on a loaded CI machine) stays well under the file: a
    // server that held the file would grow by at least its size.
    const size = 160 * MiB;
    const file = path.join(scratch, "weights.bin");
    let sha256: string;
    before(() => {
      // Written a MiB at a time, so the test's own memory does not blur the server's.
      const hash = createHash("sha256");
      const chunk = Buffer.alloc(MiB);
      for (let m = 0; m < size / MiB; m++) {
        for (let i = 0; i < MiB; i += 512) chunk.writeUInt32LE(m * MiB + i, i);
        appendFileSync(file, chunk);
        hash.update(chunk);
      }
      sha256 = hash.digest("hex");
    });

    /** Runs the client script while sampling this process's RSS (the server runs in it); returns the peak growth. */
    async function logAndDownload(venv: string, experiment: string, clientEnv: Record<string, string>) {
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      try {
        const { stdout } = await promisify(execFile)(
          path.join(ROOT, ".venvs", venv, "bin", "python"),
          ["-c", CLIENT_SCRIPT, server.url, file, experiment],
          {
            env: { ...process.env, ...env, ...clientEnv, MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0" },
            maxBuffer: 4 * MiB,
          },
        );
        const result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as {
          run_id: string;
          artifact_uri: string;
          sha256: string;
        };
        return { ...result, growth: peak - baseline };
      } finally {
        clearInterval(sampler);
      }
    }

    it(`mlflow 2.x logs and downloads a ${size / MiB} MiB artifact through the proxy, the server's memory flat`, async () => {
      const result = await logAndDownload("mlflow2", "s3-mlflow2", {});
      await assertStored(result);
      // Upload parts and download chunks are bounded; the file never sits in the server's memory.
      assert.ok(
        result.growth < size * 0.6,
        `server RSS grew ${Math.round(result.growth / MiB)} MiB for a ${size / MiB} MiB file`,
      );
    });

    it(`mlflow 3.x uploads a ${size / MiB} MiB artifact in parts and downloads it by ranges with S3, on URLs Flowgate signs`, async () => {
      // As with mlflow server on S3, once a file reaches MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE (lowered here).
      const result = await logAndDownload("mlflow3", "s3-mlflow3", {
        MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE: String(32 * MiB),
        MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE: String(16 * MiB),
      });
      await assertStored(result);
    });

    async function assertStored(result: { run_id: string; artifact_uri: string; sha256: string }) {
      assert.equal(result.sha256, sha256, "the client downloads what it logged");
      assert.match(result.artifact_uri, /^mlflow-artifacts:/);
      const keys = await keysUnder("mlartifacts/");
      const key = Object.keys(keys).find((k) => k.endsWith(`/${result.run_id}/artifacts/data/weights.bin`));
      assert.ok(key !== undefined, "the object is in S3 under the run's artifact area");
      assert.equal(keys[key], size);
    }
  });
});
