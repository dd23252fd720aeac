// The S3 artifact repository against a real S3 protocol server (moto), with every object it writes checked by
// an independent client (awscli v2): the same contract as the local repository (whole files or nothing,
// MLflow's listing rules, deletes that stay inside their path) plus what only S3 has: multipart uploads,
// pagination past 1,000 keys, and presigned URLs for the client's direct transfers.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { promisify } from "node:util";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ArtifactRepository } from "../../src/artifacts/artifact-repo.js";
import { createS3ArtifactRepository } from "../../src/artifacts/s3-artifact-repo.js";
import { createS3Client, parseS3Uri, s3SettingsFrom } from "../../src/artifacts/s3-client.js";
import { FlowgateError } from "../../src/core/errors.js";
import { startMoto, type Moto } from "../support/moto.js";

const AWS = "/usr/bin/aws";
const BUCKET = "flowgate-test";
const PREFIX = "store/";
const MiB = 1024 * 1024;

const body = (data: string | Buffer): Readable => Readable.from([Buffer.from(data)]);
const code = (expected: string) => (err: unknown) => err instanceof FlowgateError && err.code === expected;

/** A body of `size` bytes in 64 KiB chunks that fails after `failAfter` bytes, like a client hanging up. */
function brokenBody(size: number, failAfter: number): Readable {
  return Readable.from(
    (async function* () {
      for (let sent = 0; sent < size; sent += 64 * 1024) {
        if (sent >= failAfter) throw new Error("client went away");
        yield Buffer.alloc(64 * 1024, sent % 251);
      }
    })(),
  );
}

describe("the S3 artifact repository (moto, checked with awscli)", () => {
  let moto: Moto;
  let client: S3Client;
  let repo: ArtifactRepository;

  const aws = async (...args: string[]): Promise<string> => {
    const { stdout } = await promisify(execFile)(AWS, [...args, "--endpoint-url", moto.endpoint], {
      env: { ...process.env, ...moto.env, AWS_PAGER: "" },
      maxBuffer: 64 * MiB,
      encoding: "buffer",
    });
    return stdout.toString("latin1");
  };
  /** The object's bytes as awscli downloads them, or undefined when there is no such key. */
  const objectBytes = async (key: string): Promise<Buffer | undefined> => {
    try {
      return Buffer.from(await aws("s3", "cp", `s3://${BUCKET}/${key}`, "-"), "latin1");
    } catch {
      return undefined;
    }
  };
  /** The object's ETag as awscli reads it: "<md5 of part md5s>-<part count>" for a multipart object. */
  const etagOf = async (key: string): Promise<string> =>
    (
      JSON.parse(await aws("s3api", "head-object", "--bucket", BUCKET, "--key", key, "--output", "json")) as {
        ETag: string;
      }
    ).ETag;
  const keysUnder = async (prefix: string): Promise<string[]> => {
    const out = await aws(
      "s3api",
      "list-objects-v2",
      "--bucket",
      BUCKET,
      "--prefix",
      prefix,
      "--output",
      "json",
    );
    if (out.trim() === "") return [];
    return ((JSON.parse(out) as { Contents?: { Key: string }[] }).Contents ?? []).map((o) => o.Key).sort();
  };
  const pendingUploads = async (): Promise<number> => {
    const out = await aws("s3api", "list-multipart-uploads", "--bucket", BUCKET, "--output", "json");
    if (out.trim() === "") return 0;
    return ((JSON.parse(out) as { Uploads?: unknown[] }).Uploads ?? []).length;
  };

  before(async () => {
    moto = await startMoto();
    const settings = s3SettingsFrom({ ...moto.env, MLFLOW_S3_ENDPOINT_URL: moto.endpoint });
    client = createS3Client(settings);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // The smallest part S3 allows, so a few MiB already go multipart.
    repo = createS3ArtifactRepository({
      client,
      location: parseS3Uri(`s3://${BUCKET}/store`, "test"),
      partSize: 5 * MiB,
    });
  });
  after(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it("parses s3:// locations into a bucket and a prefix ending with '/', refusing what S3 would", () => {
    assert.deepEqual(parseS3Uri("s3://bucket/a/b/", "--artifacts-destination"), {
      bucket: "bucket",
      prefix: "a/b/",
    });
    assert.deepEqual(parseS3Uri("s3://bucket", "--artifacts-destination"), { bucket: "bucket", prefix: "" });
    for (const bad of ["s3://", "s3://Bad_Bucket/x", "s3://b/../x", "s3://bucket/x?y"]) {
      assert.throws(() => parseS3Uri(bad, "--artifacts-destination"), code("INVALID_PARAMETER_VALUE"), bad);
    }
  });

  it("reads MLflow's S3 settings: a custom endpoint means path-style addressing; TLS checks can be turned off", () => {
    const custom = s3SettingsFrom({
      MLFLOW_S3_ENDPOINT_URL: "https://minio:9000",
      MLFLOW_S3_IGNORE_TLS: "true",
    });
    assert.deepEqual(custom, {
      endpoint: "https://minio:9000",
      ignoreTls: true,
      forcePathStyle: true,
      region: "us-east-1",
    });
    const aws = s3SettingsFrom({
      AWS_DEFAULT_REGION: "eu-west-1",
      MLFLOW_S3_EXPECTED_BUCKET_OWNER: "123456789012",
      AWS_ACCESS_KEY_ID: "AKID",
      AWS_SECRET_ACCESS_KEY: "secret",
    });
    assert.deepEqual(aws, {
      ignoreTls: false,
      forcePathStyle: false,
      region: "eu-west-1",
      expectedBucketOwner: "123456789012",
      credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
    });
    assert.throws(
      () => s3SettingsFrom({ MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: "sideways" }),
      code("INVALID_PARAMETER_VALUE"),
    );
  });

  it("writes nested files under its prefix, byte for byte, and streams them back", async () => {
    await repo.put("1/r1/artifacts/model/MLmodel", body("flavors: {}\n"), { maxBytes: 100 });
    assert.equal((await objectBytes(`${PREFIX}1/r1/artifacts/model/MLmodel`))?.toString(), "flavors: {}\n");
    const file = await repo.get("1/r1/artifacts/model/MLmodel");
    assert.equal(file.size, 12);
    assert.equal((await buffer(file.stream)).toString(), "flavors: {}\n");
    await repo.put("1/r1/artifacts/empty.txt", body(""), { maxBytes: 100 });
    const empty = await repo.get("1/r1/artifacts/empty.txt");
    assert.equal(empty.size, 0);
    assert.equal((await buffer(empty.stream)).length, 0);
    assert.equal(await repo.exists("1/r1/artifacts/model"), true);
    assert.equal(await repo.exists("1/r1/artifacts/nope"), false);
  });

  it("uploads a file of undeclared size larger than a part as one multipart object", async () => {
    const data = Buffer.alloc(12 * MiB);
    for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) % 256;
    await repo.put(
      "1/r1/artifacts/big.bin",
      Readable.from([data.subarray(0, 7 * MiB), data.subarray(7 * MiB)]),
      { maxBytes: 64 * MiB },
    );
    const stored = await objectBytes(`${PREFIX}1/r1/artifacts/big.bin`);
    assert.ok(stored?.equals(data), "awscli reads back the same 12 MiB");
    const file = await repo.get("1/r1/artifacts/big.bin");
    assert.equal(file.size, data.length);
    assert.ok((await buffer(file.stream)).equals(data), "read back the same 12 MiB");
    assert.match(await etagOf(`${PREFIX}1/r1/artifacts/big.bin`), /-3"$/);
  });

  it("streams a file of declared size as one PutObject, not in parts", async () => {
    const data = Buffer.alloc(12 * MiB);
    for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) % 251;
    await repo.put(
      "1/r1/artifacts/declared.bin",
      Readable.from([data.subarray(0, 7 * MiB), data.subarray(7 * MiB)]),
      { maxBytes: 64 * MiB, expectedBytes: data.length },
    );
    assert.ok((await objectBytes(`${PREFIX}1/r1/artifacts/declared.bin`))?.equals(data));
    const file = await repo.get("1/r1/artifacts/declared.bin");
    assert.equal(file.size, data.length);
    assert.ok((await buffer(file.stream)).equals(data), "read back whole, in order");
    assert.doesNotMatch(
      await etagOf(`${PREFIX}1/r1/artifacts/declared.bin`),
      /-\d+"$/,
      "a single PUT's ETag is the plain MD5",
    );
  });

  it("leaves nothing behind when an upload passes the limit, ends short or breaks mid-stream", async () => {
    await assert.rejects(
      repo.put("1/r1/artifacts/over.bin", brokenBody(12 * MiB, Infinity), { maxBytes: 11 * MiB }),
      code("PAYLOAD_TOO_LARGE"),
    );
    await assert.rejects(
      repo.put("1/r1/artifacts/short.bin", body("only this"), { maxBytes: 100, expectedBytes: 50 }),
      code("INVALID_PARAMETER_VALUE"),
    );
    await assert.rejects(
      repo.put("1/r1/artifacts/broken.bin", brokenBody(20 * MiB, 11 * MiB), { maxBytes: 64 * MiB }),
      /client went away/,
    );
    await assert.rejects(
      repo.put("1/r1/artifacts/broken-declared.bin", brokenBody(20 * MiB, 11 * MiB), {
        maxBytes: 64 * MiB,
        expectedBytes: 20 * MiB,
      }),
      /client went away/,
    );
    const keys = await keysUnder(`${PREFIX}1/r1/artifacts/`);
    assert.ok(!keys.some((k) => /over|short|broken/.test(k)), keys.join(", "));
    assert.equal(await pendingUploads(), 0, "every multipart upload was aborted");
  });

  it("keeps the previous version of a file when its replacement breaks", async () => {
    await repo.put("1/r1/artifacts/kept.txt", body("version one"), { maxBytes: 100 });
    await assert.rejects(
      repo.put("1/r1/artifacts/kept.txt", brokenBody(12 * MiB, 6 * MiB), { maxBytes: 64 * MiB }),
      /client went away/,
    );
    assert.equal((await objectBytes(`${PREFIX}1/r1/artifacts/kept.txt`))?.toString(), "version one");
  });

  it("refuses to write a file where a directory is, or under a file", async () => {
    await repo.put("d/f.txt", body("x"), { maxBytes: 100 });
    for (const p of ["d", "d/f.txt/g.txt"]) {
      await assert.rejects(repo.put(p, body("y"), { maxBytes: 100 }), code("INVALID_PARAMETER_VALUE"), p);
    }
  });

  it("lists like MLflow: basenames with sizes, prefixes as directories, [] for a file, undefined when missing", async () => {
    await repo.put("2/r/artifacts/a.txt", body("aa"), { maxBytes: 100 });
    await repo.put("2/r/artifacts/sub/b.txt", body("b"), { maxBytes: 100 });
    // A directory marker written by another S3 tool is not a file.
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}2/r/artifacts/sub/`, Body: "" }));
    assert.deepEqual(await repo.list("2/r/artifacts"), [
      { path: "a.txt", isDir: false, fileSize: 2 },
      { path: "sub", isDir: true },
    ]);
    assert.deepEqual(await repo.list("2/r/artifacts/sub"), [{ path: "b.txt", isDir: false, fileSize: 1 }]);
    assert.deepEqual(await repo.list("2/r/artifacts/a.txt"), []);
    assert.equal(await repo.list("2/r/nothing"), undefined);
    await assert.rejects(repo.get("2/r/artifacts/sub"), code("INVALID_PARAMETER_VALUE"));
    await assert.rejects(repo.get("2/r/artifacts/none.txt"), code("RESOURCE_DOES_NOT_EXIST"));
  });

  it("lists and deletes directories of more than 1,000 keys (every page)", async () => {
    const names = Array.from({ length: 1030 }, (_, i) => `f${String(i).padStart(4, "0")}.txt`);
    for (let i = 0; i < names.length; i += 100) {
      await Promise.all(
        names
          .slice(i, i + 100)
          .map((n) =>
            client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}3/many/${n}`, Body: "x" })),
          ),
      );
    }
    const listed = await repo.list("3/many");
    assert.equal(listed?.length, 1030);
    assert.deepEqual(
      listed?.map((f) => f.path),
      names,
    );
    await repo.delete("3/many");
    assert.deepEqual(await keysUnder(`${PREFIX}3/`), []);
  });

  it("deletes a run's area and nothing outside it: not a sibling sharing its name as a prefix, not outside the store", async () => {
    await repo.put("1/abc/artifacts/m.txt", body("gone"), { maxBytes: 100 });
    await repo.put("1/abcd/artifacts/m.txt", body("sibling"), { maxBytes: 100 });
    await repo.put("1/abc-2/artifacts/m.txt", body("sibling"), { maxBytes: 100 });
    await repo.put("1/abc.txt", body("file"), { maxBytes: 100 });
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "1/abc/artifacts/m.txt", Body: "outside the prefix" }),
    );
    await repo.delete("1/abc");
    assert.deepEqual(await keysUnder("1/"), ["1/abc/artifacts/m.txt"]);
    assert.deepEqual(await keysUnder(`${PREFIX}1/abc`), [
      `${PREFIX}1/abc-2/artifacts/m.txt`,
      `${PREFIX}1/abc.txt`,
      `${PREFIX}1/abcd/artifacts/m.txt`,
    ]);
    await repo.delete("1/abc.txt");
    assert.equal(await objectBytes(`${PREFIX}1/abc.txt`), undefined);
    await repo.delete("never/was");
    for (const root of ["", ".", "./"]) {
      await assert.rejects(repo.delete(root), code("INVALID_PARAMETER_VALUE"), root);
    }
  });

  it("refuses traversal before it reaches S3", async () => {
    for (const p of ["../x", "a/../../b", "%2e%2e/x", "/abs"]) {
      await assert.rejects(repo.put(p, body("x"), { maxBytes: 100 }), code("INVALID_PARAMETER_VALUE"), p);
      await assert.rejects(repo.get(p), code("INVALID_PARAMETER_VALUE"), p);
    }
  });

  it("signs multipart part uploads the client sends to S3 itself; the file appears on complete, never on abort", async () => {
    const direct = repo.direct;
    assert.ok(direct !== undefined);
    const part1 = Buffer.alloc(5 * MiB, 1);
    const part2 = Buffer.from("the end");
    const { uploadId, parts } = await direct.createMultipartUpload("4/r/artifacts/direct.bin", 2);
    assert.equal(parts.length, 2);
    const etags: { partNumber: number; etag: string }[] = [];
    for (const [i, data] of [part1, part2].entries()) {
      const res = await fetch(parts[i]!.url, { method: "PUT", body: data, headers: parts[i]!.headers });
      assert.equal(res.status, 200, await res.text());
      etags.push({ partNumber: parts[i]!.partNumber, etag: res.headers.get("etag") ?? "" });
    }
    assert.equal(
      await objectBytes(`${PREFIX}4/r/artifacts/direct.bin`),
      undefined,
      "invisible before complete",
    );
    await direct.completeMultipartUpload("4/r/artifacts/direct.bin", uploadId, etags);
    assert.ok(
      (await objectBytes(`${PREFIX}4/r/artifacts/direct.bin`))?.equals(Buffer.concat([part1, part2])),
    );

    const aborted = await direct.createMultipartUpload("4/r/artifacts/aborted.bin", 1);
    await fetch(aborted.parts[0]!.url, { method: "PUT", body: part2 });
    await direct.abortMultipartUpload("4/r/artifacts/aborted.bin", aborted.uploadId);
    assert.equal(await objectBytes(`${PREFIX}4/r/artifacts/aborted.bin`), undefined);
    assert.equal(await pendingUploads(), 0);
  });

  it("signs download URLs that serve the file as an attachment with its size", async () => {
    const presigned = await repo.direct!.presignedDownload("1/r1/artifacts/model/MLmodel");
    assert.equal(presigned.fileSize, 12);
    const res = await fetch(presigned.url, { headers: presigned.headers });
    assert.equal(await res.text(), "flavors: {}\n");
    assert.match(res.headers.get("content-disposition") ?? "", /attachment; filename\*=UTF-8''MLmodel/);
    await assert.rejects(repo.direct!.presignedDownload("1/r1/missing"), code("RESOURCE_DOES_NOT_EXIST"));
  });
});
