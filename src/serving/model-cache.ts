// The local model cache: registry and run URIs are resolved through the tracking server's MLflow REST API and
// their artifacts downloaded once (through the server's artifact proxy, or from S3 itself when the server hands
// out s3:// URIs) into a 0700 directory, with a sha256 per file recorded; before every load the
// files are re-hashed against that record (hostile-inputs G.37–38). When the tracking server is unreachable, the
// last copy resolved for the same URI is served from the cache.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { FlowgateError, invalidParameter } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { downloadTree } from "../artifacts/download-tree.js";
import { callTracking, locateModel, type ModelLocation } from "./model-locator.js";
import { parseModelUri } from "./model-uri.js";

export interface ResolvedModel {
  /** Directory holding MLmodel. */
  dir: string;
  /** Registered model name and version when known (labels for metrics), else the directory name. */
  name: string;
  version: string;
  /** Whether this copy came from the cache because the tracking server could not be reached. */
  offline: boolean;
}

export interface ModelCacheOptions {
  cacheDir: string;
  trackingUri: string | undefined;
  logger: Logger;
  /** Bearer/basic auth header value, from MLFLOW_TRACKING_TOKEN / USERNAME+PASSWORD. */
  authorization?: string | undefined;
}

interface Manifest {
  uri: string;
  trackingUri: string;
  name: string;
  version: string;
  artifactUri: string;
  origin: Record<string, unknown>;
  /** sha256 of tracking server, name, version, artifact URI and origin: the copy's key. */
  identity: string;
  files: Record<string, string>;
}

export async function resolveModel(uri: string, options: ModelCacheOptions): Promise<ResolvedModel> {
  const parsed = parseModelUri(uri);
  if (parsed.kind === "local") {
    const dir = path.resolve(parsed.path);
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory() !== true) throw invalidParameter(`Model directory '${dir}' does not exist.`);
    return { dir, name: path.basename(dir), version: "local", offline: false };
  }
  await mkdir(options.cacheDir, { recursive: true, mode: 0o700 });
  await chmod(options.cacheDir, 0o700);
  const server = trackingIdentity(options.trackingUri);
  const indexFile = path.join(options.cacheDir, `uri-${sha256(`${server}\n${uri}`)}.json`);
  let target: ModelLocation;
  try {
    target = await locateModel(parsed, options);
  } catch (err) {
    if (!(err instanceof FlowgateError && err.code === "TEMPORARILY_UNAVAILABLE")) throw err;
    const known = await readFile(indexFile, "utf8").catch(() => undefined);
    if (known === undefined) throw err;
    const manifest = JSON.parse(known) as Manifest;
    const dir = versionDir(options.cacheDir, manifest.name, manifest.version, manifest.identity);
    await verify(dir);
    options.logger.warn(
      { uri, name: manifest.name, version: manifest.version },
      "tracking server unreachable; serving the cached copy",
    );
    return { dir: path.join(dir, "model"), name: manifest.name, version: manifest.version, offline: true };
  }
  const identity = sha256(
    JSON.stringify([server, target.name, target.version, target.artifactUri, target.origin]),
  );
  const dir = versionDir(options.cacheDir, target.name, target.version, identity);
  const existing = await readFile(path.join(dir, "manifest.json"), "utf8").catch(() => undefined);
  const cachedIdentity =
    existing === undefined ? undefined : (JSON.parse(existing) as Partial<Manifest>).identity;
  if (cachedIdentity !== identity) {
    await download(uri, { ...target, trackingUri: server, identity }, dir, options);
  } else {
    options.logger.info({ dir, tracking_uri: server }, "model found in the local cache");
  }
  await verify(dir);
  const manifest = await readFile(path.join(dir, "manifest.json"), "utf8");
  await writeFile(indexFile, manifest, { mode: 0o600 });
  return { dir: path.join(dir, "model"), name: target.name, version: target.version, offline: false };
}

function versionDir(cacheDir: string, name: string, version: string, identity: string): string {
  return path.join(
    cacheDir,
    `${encodeURIComponent(name)}-v${encodeURIComponent(version)}-${identity.slice(0, 16)}`,
  );
}

/** The tracking server as a key: URL-normalised (scheme and host lower-cased), path without its trailing slash. */
function trackingIdentity(trackingUri: string | undefined): string {
  if (trackingUri === undefined) return "";
  try {
    const url = new URL(trackingUri);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return trackingUri;
  }
}

/** Artifacts behind the server's proxy: mlflow-artifacts:/path or mlflow-artifacts://host/path. */
function proxiedPath(artifactUri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(artifactUri);
  if (m === null) {
    throw invalidParameter(
      `Artifact URI '${artifactUri}' is neither served through the tracking server's artifact proxy (mlflow-artifacts:/…; start it with --serve-artifacts) nor in S3 (s3://…).`,
    );
  }
  return (m[1] as string).replace(/\/$/, "");
}

/**
 * An `s3://bucket/prefix` model (a server whose --default-artifact-root is in S3): fetched from S3 itself, as
 * the mlflow client does, through Flowgate's S3 repository configured from this environment like MLflow's
 * (MLFLOW_S3_ENDPOINT_URL, AWS_*). Returns each file's sha256.
 */
async function downloadFromS3(artifactUri: string, dest: string): Promise<Record<string, string>> {
  // Loaded on use: the AWS SDK would slow every start that never meets an s3:// model.
  const { openS3ArtifactRepository } = await import("../artifacts/s3-artifact-repo.js");
  await downloadTree(openS3ArtifactRepository(artifactUri, process.env), "", dest);
  const files: Record<string, string> = {};
  for (const rel of await listFiles(dest)) files[rel] = await hashFile(path.join(dest, rel));
  return files;
}

/** A server-supplied relative path must stay inside the download (CVE-2023-6018: never trust listings). */
function safeRelative(rel: string): string {
  const parts = rel.split("/");
  if (
    rel === "" ||
    rel.startsWith("/") ||
    rel.includes("\\") ||
    rel.includes("\0") ||
    parts.some((p) => p === ".." || p === "." || p === "")
  ) {
    throw invalidParameter(
      `The tracking server listed an unsafe artifact path '${rel}'; refusing to download it.`,
    );
  }
  return rel;
}

async function download(
  uri: string,
  target: ModelLocation & { trackingUri: string; identity: string },
  dir: string,
  options: ModelCacheOptions,
): Promise<void> {
  const inS3 = /^s3:/i.test(target.artifactUri);
  const root = inS3 ? "" : proxiedPath(target.artifactUri);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(path.join(tmp, "model"), { recursive: true, mode: 0o700 });
  let files: Record<string, string> = {};
  const base = options.trackingUri?.replace(/\/$/, "") ?? "";
  const headers: Record<string, string> = options.authorization
    ? { authorization: options.authorization }
    : {};
  const walk = async (rel: string): Promise<void> => {
    const listing = await callTracking(options, "GET", "/api/2.0/mlflow-artifacts/artifacts", {
      path: rel === "" ? root : `${root}/${rel}`,
    });
    for (const entry of (listing.files ?? []) as { path: string; is_dir: boolean }[]) {
      const name = safeRelative(entry.path.split("/").pop() ?? "");
      const child = rel === "" ? name : `${rel}/${name}`;
      if (entry.is_dir) {
        await mkdir(path.join(tmp, "model", child), { recursive: true, mode: 0o700 });
        await walk(child);
        continue;
      }
      const url = `${base}/api/2.0/mlflow-artifacts/artifacts/${`${root}/${child}`.split("/").map(encodeURIComponent).join("/")}`;
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(300_000) });
      if (!response.ok)
        throw new FlowgateError(
          "TEMPORARILY_UNAVAILABLE",
          `Downloading ${child} failed with HTTP ${response.status}.`,
        );
      const bytes = Buffer.from(await response.arrayBuffer());
      await writeFile(path.join(tmp, "model", child), bytes, { mode: 0o600 });
      files[child] = createHash("sha256").update(bytes).digest("hex");
    }
  };
  try {
    if (inS3) files = await downloadFromS3(target.artifactUri, path.join(tmp, "model"));
    else await walk("");
    if (!("MLmodel" in files))
      throw invalidParameter(`${target.artifactUri} holds no MLmodel file; it is not an MLflow model.`);
    const manifest: Manifest = { uri, ...target, files };
    await writeFile(path.join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2), { mode: 0o600 });
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    options.logger.info(
      { uri, name: target.name, version: target.version, files: Object.keys(files).length, dir },
      "model downloaded into the cache",
    );
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Re-hashes every cached file against the manifest written at download time; any difference refuses the load. */
async function verify(dir: string): Promise<void> {
  const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Manifest;
  for (const [rel, digest] of Object.entries(manifest.files)) {
    const actual = await hashFile(path.join(dir, "model", safeRelative(rel))).catch(() => "missing");
    if (actual !== digest) {
      throw new FlowgateError(
        "DATA_LOSS",
        `Cached model file ${rel} in ${dir} does not match its recorded sha256; delete the directory to download it again.`,
      );
    }
  }
  const present = await listFiles(path.join(dir, "model"));
  const extra = present.filter((f) => !(f in manifest.files));
  if (extra.length > 0)
    throw new FlowgateError(
      "DATA_LOSS",
      `Cached model ${dir} has files that were never downloaded: ${extra.join(", ")}.`,
    );
}

async function listFiles(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, child)));
    else out.push(child);
  }
  return out;
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")))
      .on("error", reject);
  });
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
