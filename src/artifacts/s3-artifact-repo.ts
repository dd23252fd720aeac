// The artifact repository on an S3 bucket (`--artifacts-destination s3://bucket/prefix`), for AWS and
// S3-compatible servers alike. Store paths become keys under the prefix after safe-path.ts has checked them.
// An upload of declared size streams as one PutObject; one of unknown size (a chunked body) through
// lib-storage's multipart Upload in bounded parts. Either way memory is constant whatever the file size; S3 makes an object visible only when its single PUT or CompleteMultipartUpload succeeds, and a
// failed, oversized or short upload is aborted, so a reader never sees half a file. Listings follow MLflow's
// rules (basenames, prefixes as directories, every page); deletes touch only keys inside the deleted path.
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
  type S3Client,
  type ListObjectsV2CommandOutput,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import type {
  ArtifactFile,
  ArtifactFileInfo,
  ArtifactRepository,
  DirectTransfers,
  PresignedPart,
} from "./artifact-repo.js";
import { createS3Client, parseS3Uri, s3SettingsFrom, type S3Location } from "./s3-client.js";
import { checkArtifactPath } from "./safe-path.js";

export interface S3RepositoryOptions {
  client: S3Client;
  location: S3Location;
  expectedBucketOwner?: string | undefined;
  /** Bytes per uploaded part (at least S3's 5 MiB minimum); memory per upload is about partSize × (queueSize + 1). */
  partSize?: number;
  /** Parts of one upload in flight at once. */
  queueSize?: number;
  /**
   * Uploads whose size is declared up front (a Content-Length) and at most this many bytes go as one streamed
   * PutObject instead of parts: no part buffers, and no CompleteMultipartUpload, which moto and other
   * S3-compatible servers answer by concatenating every part again. Default: S3's single-PUT limit, 5 GiB.
   */
  singlePutMaxBytes?: number;
  /** Lifetime of presigned part-upload URLs, in seconds (boto3's default, which MLflow uses). */
  uploadUrlSeconds?: number;
  /** Lifetime of presigned download URLs (MLflow's MLFLOW_PRESIGNED_DOWNLOAD_URL_TTL_SECONDS, default 300). */
  downloadUrlSeconds?: number;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const DEFAULT_QUEUE_SIZE = 4;
/** S3's largest single PutObject. */
const MAX_SINGLE_PUT = 5 * 1024 ** 3;
/** S3's largest DeleteObjects batch. */
const DELETE_BATCH = 1000;
/** S3's part-number range. */
const MAX_PARTS = 10_000;

function tooLarge(maxBytes: number): FlowgateError {
  return new FlowgateError(
    "PAYLOAD_TOO_LARGE",
    `Artifact upload is larger than the server's limit of ${maxBytes} bytes.`,
  );
}

/** The body, refusing it once it passes `maxBytes` or when it ends short of `expectedBytes`. */
async function* limited(body: Readable, maxBytes: number, expectedBytes: number | undefined) {
  let seen = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    seen += buf.length;
    if (seen > maxBytes) throw tooLarge(maxBytes);
    yield buf;
  }
  // A client that disconnects mid-body can end the stream early: that is a broken upload, not a smaller file.
  if (expectedBytes !== undefined && seen !== expectedBytes) {
    throw invalidParameter(`Artifact upload ended after ${seen} of ${expectedBytes} bytes.`);
  }
}

function isMissing(err: unknown): boolean {
  return (
    err instanceof S3ServiceException &&
    (err.name === "NoSuchKey" || err.name === "NotFound" || err.$metadata.httpStatusCode === 404)
  );
}

export function createS3ArtifactRepository(options: S3RepositoryOptions): ArtifactRepository {
  const { client, location } = options;
  const { bucket, prefix } = location;
  const owner =
    options.expectedBucketOwner === undefined ? {} : { ExpectedBucketOwner: options.expectedBucketOwner };
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  const queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
  const singlePutMaxBytes = Math.min(options.singlePutMaxBytes ?? MAX_SINGLE_PUT, MAX_SINGLE_PUT);

  const keyOf = (checked: string): string => `${prefix}${checked}`;
  const uriOf = (key: string): string => `s3://${bucket}/${key}`;

  /** An S3 failure the client cannot fix, with what was being done where. */
  function storeError(err: unknown, action: string, key: string): Error {
    if (err instanceof FlowgateError || !(err instanceof S3ServiceException)) return err as Error;
    return new FlowgateError(
      "INTERNAL_ERROR",
      `The artifact store could not ${action} ${uriOf(key)}: ${err.name}: ${err.message}`,
    );
  }

  async function head(key: string): Promise<number | undefined> {
    try {
      const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...owner }));
      return res.ContentLength ?? 0;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw storeError(err, "read", key);
    }
  }

  /** Whether any key lies under `dirKey` (which ends with "/"). */
  async function hasChildren(dirKey: string): Promise<boolean> {
    try {
      const res = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: dirKey, MaxKeys: 1, ...owner }),
      );
      return (res.KeyCount ?? res.Contents?.length ?? 0) > 0;
    } catch (err) {
      throw storeError(err, "list", dirKey);
    }
  }

  /** Every page of a listing under `listPrefix` (all keys, or one level with a delimiter). */
  async function* pages(listPrefix: string, delimiter?: string): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: listPrefix,
            ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
            ...(token === undefined ? {} : { ContinuationToken: token }),
            ...owner,
          }),
        );
      } catch (err) {
        throw storeError(err, "list", listPrefix);
      }
      yield page;
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** The key of a file about to be written: refused where a directory is or under a file, as on a disk. */
  async function writableKey(relative: string): Promise<string> {
    const checked = checkArtifactPath(relative);
    const key = keyOf(checked);
    const segments = checked.split("/");
    const ancestors = segments.slice(0, -1).map((_, i) => keyOf(segments.slice(0, i + 1).join("/")));
    const [isDir, ...parents] = await Promise.all([hasChildren(`${key}/`), ...ancestors.map(head)]);
    if (isDir) throw invalidParameter(`Invalid artifact path '${relative}': it is a directory.`);
    if (parents.some((size) => size !== undefined)) {
      throw invalidParameter(`Invalid artifact path '${relative}': a parent of it is a file.`);
    }
    return key;
  }

  /**
   * Opens `key` as one streamed GET, read as fast as the client takes it (the socket's backpressure bounds
   * memory). One response is one version of the file, and on moto one GET streams ~3× faster than parallel
   * ranges, each of which it answers by slicing the whole object (bench/results/artifacts-s3.json, `ceiling`).
   */
  async function streamedGet(key: string): Promise<ArtifactFile> {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...owner }));
    return { stream: res.Body as Readable, size: res.ContentLength ?? 0 };
  }

  const direct: DirectTransfers = {
    async createMultipartUpload(relative, numParts) {
      if (!Number.isInteger(numParts) || numParts < 1 || numParts > MAX_PARTS) {
        throw invalidParameter(
          `Invalid num_parts ${numParts}: a multipart upload has 1 to ${MAX_PARTS} parts.`,
        );
      }
      const key = await writableKey(relative);
      let uploadId: string;
      try {
        const created = await client.send(
          new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...owner }),
        );
        uploadId = created.UploadId ?? "";
      } catch (err) {
        throw storeError(err, "start an upload of", key);
      }
      const parts: PresignedPart[] = [];
      for (let partNumber = 1; partNumber <= numParts; partNumber++) {
        const url = await getSignedUrl(
          client,
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            ...owner,
          }),
          { expiresIn: options.uploadUrlSeconds ?? 3600 },
        );
        parts.push({ partNumber, url, headers: {} });
      }
      return { uploadId, parts };
    },

    async completeMultipartUpload(relative, uploadId, parts) {
      const key = keyOf(checkArtifactPath(relative));
      try {
        await client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
            ...owner,
          }),
        );
      } catch (err) {
        if (
          err instanceof S3ServiceException &&
          (err.name === "NoSuchUpload" || err.name === "InvalidPart")
        ) {
          throw invalidParameter(`Cannot complete the upload of '${relative}': ${err.name}: ${err.message}`);
        }
        throw storeError(err, "complete an upload of", key);
      }
    },

    async abortMultipartUpload(relative, uploadId) {
      const key = keyOf(checkArtifactPath(relative));
      try {
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, ...owner }),
        );
      } catch (err) {
        // An upload already gone is the state the caller asked for.
        if (err instanceof S3ServiceException && err.name === "NoSuchUpload") return;
        throw storeError(err, "abort an upload of", key);
      }
    },

    async presignedDownload(relative) {
      const checked = checkArtifactPath(relative);
      const key = keyOf(checked);
      const size = await head(key);
      if (size === undefined) throw notFound(`Artifact '${relative}' does not exist.`);
      const name = checked.split("/").pop() ?? checked;
      const url = await getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          // A browser following the URL saves the file under its own name instead of rendering it.
          ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
          ...owner,
        }),
        { expiresIn: options.downloadUrlSeconds ?? 300 },
      );
      return { url, headers: {}, fileSize: size };
    },
  };

  return {
    direct,

    async put(relative, body, { maxBytes, expectedBytes }) {
      let key: string;
      try {
        key = await writableKey(relative);
      } catch (err) {
        body.resume();
        throw err;
      }
      const checkedBody = Readable.from(limited(body, maxBytes, expectedBytes));
      try {
        if (expectedBytes !== undefined && expectedBytes <= singlePutMaxBytes) {
          // S3 stores a PUT only when its whole declared length arrived. The SDK pipes the body into the
          // request and would leave it open waiting for the rest when the body fails: abort it, so a body
          // that breaks, ends short or passes the limit fails the request and nothing under `key` changes.
          const broken = new AbortController();
          checkedBody.once("error", (err) => broken.abort(err));
          try {
            await client.send(
              new PutObjectCommand({
                Bucket: bucket,
                Key: key,
                Body: checkedBody,
                ContentLength: expectedBytes,
                ...owner,
              }),
              { abortSignal: broken.signal },
            );
          } catch (err) {
            throw broken.signal.aborted ? (broken.signal.reason as Error) : err;
          }
          return;
        }
        await new Upload({
          client,
          params: { Bucket: bucket, Key: key, Body: checkedBody, ...owner },
          partSize,
          queueSize,
          // A failed upload is aborted (S3 drops its parts); nothing under `key` changes.
          leavePartsOnError: false,
        }).done();
      } catch (err) {
        throw storeError(err, "write", key);
      }
    },

    async get(relative): Promise<ArtifactFile> {
      const checked = checkArtifactPath(relative);
      const key = keyOf(checked);
      try {
        return await streamedGet(key);
      } catch (err) {
        if (!isMissing(err)) throw storeError(err, "read", key);
      }
      if (await hasChildren(`${key}/`)) {
        throw invalidParameter(`Artifact '${relative}' is a directory; list it instead of downloading it.`);
      }
      throw notFound(`Artifact '${relative}' does not exist.`);
    },

    async list(relative): Promise<ArtifactFileInfo[] | undefined> {
      const checked = checkArtifactPath(relative, { allowRoot: true });
      const dirKey = checked === "" ? prefix : `${keyOf(checked)}/`;
      const files: ArtifactFileInfo[] = [];
      const seen = new Set<string>();
      let any = false;
      for await (const page of pages(dirKey, "/")) {
        for (const p of page.CommonPrefixes ?? []) {
          any = true;
          const name = (p.Prefix ?? "").slice(dirKey.length).replace(/\/$/, "");
          if (name === "" || seen.has(name)) continue;
          seen.add(name);
          files.push({ path: name, isDir: true });
        }
        for (const o of page.Contents ?? []) {
          any = true;
          const name = (o.Key ?? "").slice(dirKey.length);
          // The listed directory's own marker (`dir/`, written by some S3 tools) is not an entry of it.
          if (name === "" || seen.has(name)) continue;
          seen.add(name);
          files.push({ path: name, isDir: false, fileSize: o.Size ?? 0 });
        }
      }
      if (!any && checked !== "") return (await head(keyOf(checked))) === undefined ? undefined : [];
      return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },

    async delete(relative) {
      // checkArtifactPath refuses "" and every other spelling of the root: the store itself is never deleted.
      const key = keyOf(checkArtifactPath(relative));
      // The file itself, and what lies under `key/` — never the bare prefix `key`, which would also match
      // `key-2` or `keyed/…` of a sibling run.
      const under = `${key}/`;
      let batch: string[] = (await head(key)) === undefined ? [] : [key];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const keys = batch;
        batch = [];
        try {
          const res = await client.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
              ...owner,
            }),
          );
          const failed = res.Errors?.[0];
          if (failed !== undefined) {
            throw new FlowgateError(
              "INTERNAL_ERROR",
              `The artifact store could not delete ${uriOf(failed.Key ?? key)}: ${failed.Code}: ${failed.Message}`,
            );
          }
        } catch (err) {
          throw storeError(err, "delete under", key);
        }
      };
      for await (const page of pages(under)) {
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined || !o.Key.startsWith(under)) continue;
          batch.push(o.Key);
          if (batch.length === DELETE_BATCH) await flush();
        }
      }
      await flush();
    },

    async exists(relative) {
      const checked = checkArtifactPath(relative, { allowRoot: true });
      if (checked === "") return true;
      const key = keyOf(checked);
      return (await head(key)) !== undefined || (await hasChildren(`${key}/`));
    },
  };
}

/** A whole number from the environment within [min, max], or undefined when unset. */
function wholeNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  min: number,
  max: number,
  what: string,
): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(`Invalid ${name} '${raw}': give ${what} from ${min} to ${max}.`);
  }
  return value;
}

/**
 * The repository of `s3://bucket/prefix`, reached as MLflow would reach it from this environment. An upload of
 * undeclared size, or larger than FLOWGATE_S3_SINGLE_PUT_MAX_BYTES, goes in parts and holds at most
 * FLOWGATE_S3_UPLOAD_PART_BYTES × (FLOWGATE_S3_UPLOAD_CONCURRENCY + 1) bytes in memory.
 */
export function openS3ArtifactRepository(uri: string, env: NodeJS.ProcessEnv): ArtifactRepository {
  const settings = s3SettingsFrom(env);
  const downloadUrlSeconds = wholeNumber(
    env,
    "MLFLOW_PRESIGNED_DOWNLOAD_URL_TTL_SECONDS",
    1,
    604_800,
    "seconds (S3's longest signature is 7 days)",
  );
  const partSize = wholeNumber(
    env,
    "FLOWGATE_S3_UPLOAD_PART_BYTES",
    5 * 1024 * 1024,
    5 * 1024 ** 3,
    "bytes (S3's part sizes)",
  );
  const queueSize = wholeNumber(env, "FLOWGATE_S3_UPLOAD_CONCURRENCY", 1, 64, "parts in flight");
  const singlePutMaxBytes = wholeNumber(
    env,
    "FLOWGATE_S3_SINGLE_PUT_MAX_BYTES",
    0,
    MAX_SINGLE_PUT,
    "bytes (0: every upload in parts)",
  );
  return createS3ArtifactRepository({
    client: createS3Client(settings),
    location: parseS3Uri(uri, "--artifacts-destination"),
    expectedBucketOwner: settings.expectedBucketOwner,
    ...(downloadUrlSeconds === undefined ? {} : { downloadUrlSeconds }),
    ...(partSize === undefined ? {} : { partSize }),
    ...(queueSize === undefined ? {} : { queueSize }),
    ...(singlePutMaxBytes === undefined ? {} : { singlePutMaxBytes }),
  });
}
