// The local model cache: registry and run URIs are resolved through the tracking server's MLflow REST API and
// their artifacts downloaded once into a 0700 directory, with a sha256 per file recorded; before every load the
// files are re-hashed against that record (hostile-inputs G.37–38). When the tracking server is unreachable, the
// last copy resolved for the same URI is served from the cache.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { FlowgateError, invalidParameter } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { parseModelUri, type ModelUri } from "./model-uri.js";

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
  name: string;
  version: string;
  artifactUri: string;
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
  const indexFile = path.join(options.cacheDir, `uri-${sha256(uri)}.json`);
  let target: { name: string; version: string; artifactUri: string };
  try {
    target = await locate(parsed, options);
  } catch (err) {
    if (!(err instanceof FlowgateError && err.code === "TEMPORARILY_UNAVAILABLE")) throw err;
    const known = await readFile(indexFile, "utf8").catch(() => undefined);
    if (known === undefined) throw err;
    const manifest = JSON.parse(known) as Manifest;
    const dir = versionDir(options.cacheDir, manifest.name, manifest.version);
    await verify(dir);
    options.logger.warn(
      { uri, name: manifest.name, version: manifest.version },
      "tracking server unreachable; serving the cached copy",
    );
    return { dir: path.join(dir, "model"), name: manifest.name, version: manifest.version, offline: true };
  }
  const dir = versionDir(options.cacheDir, target.name, target.version);
  const existing = await readFile(path.join(dir, "manifest.json"), "utf8").catch(() => undefined);
  if (existing === undefined) {
    await download(uri, target, dir, options);
  } else {
    options.logger.info({ dir }, "model found in the local cache");
  }
  await verify(dir);
  const manifest = await readFile(path.join(dir, "manifest.json"), "utf8");
  await writeFile(indexFile, manifest, { mode: 0o600 });
  return { dir: path.join(dir, "model"), name: target.name, version: target.version, offline: false };
}

function versionDir(cacheDir: string, name: string, version: string): string {
  return path.join(cacheDir, `${encodeURIComponent(name)}-v${encodeURIComponent(version)}`);
}

async function locate(
  uri: ModelUri,
  options: ModelCacheOptions,
): Promise<{ name: string; version: string; artifactUri: string }> {
  const api = async (
    method: "GET" | "POST",
    route: string,
    args: Record<string, unknown>,
  ): Promise<Record<string, unknown>> => callTracking(options, method, `/api/2.0/mlflow/${route}`, args);
  switch (uri.kind) {
    case "version": {
      const r = await api("GET", "model-versions/get-download-uri", { name: uri.name, version: uri.version });
      return { name: uri.name, version: uri.version, artifactUri: String(r.artifact_uri) };
    }
    case "alias": {
      const r = await api("GET", "registered-models/alias", { name: uri.name, alias: uri.alias });
      const version = String((r.model_version as { version: string }).version);
      const d = await api("GET", "model-versions/get-download-uri", { name: uri.name, version });
      return { name: uri.name, version, artifactUri: String(d.artifact_uri) };
    }
    case "stage": {
      const stages = uri.stage.toLowerCase() === "latest" ? [] : [uri.stage];
      const r = await api("POST", "registered-models/get-latest-versions", { name: uri.name, stages });
      const versions = (r.model_versions ?? []) as { version: string }[];
      const latest = versions.map((v) => Number(v.version)).sort((a, b) => b - a)[0];
      if (latest === undefined)
        throw new FlowgateError(
          "RESOURCE_DOES_NOT_EXIST",
          `No versions of model '${uri.name}' in stage '${uri.stage}'.`,
        );
      const d = await api("GET", "model-versions/get-download-uri", {
        name: uri.name,
        version: String(latest),
      });
      return { name: uri.name, version: String(latest), artifactUri: String(d.artifact_uri) };
    }
    case "run": {
      const r = await api("GET", "runs/get", { run_id: uri.runId });
      const base = String((r.run as { info: { artifact_uri: string } }).info.artifact_uri);
      return {
        name: `run-${uri.runId}`,
        version: uri.path.replace(/\//g, "_"),
        artifactUri: `${base.replace(/\/$/, "")}/${uri.path}`,
      };
    }
    case "local":
      throw new Error("unreachable");
  }
}

async function callTracking(
  options: ModelCacheOptions,
  method: "GET" | "POST",
  route: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const tracking = options.trackingUri;
  if (tracking === undefined || !/^https?:\/\//.test(tracking)) {
    throw invalidParameter(
      "Resolving models:/ and runs:/ URIs needs --tracking-uri or MLFLOW_TRACKING_URI set to an http(s) server.",
    );
  }
  let url = `${tracking.replace(/\/$/, "")}${route}`;
  const init: RequestInit = {
    method,
    headers: options.authorization ? { authorization: options.authorization } : {},
  };
  if (method === "GET") url += `?${new URLSearchParams(args as Record<string, string>).toString()}`;
  else {
    init.body = JSON.stringify(args);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new FlowgateError(
      "TEMPORARILY_UNAVAILABLE",
      `Tracking server ${tracking} is unreachable: ${(err as Error).message}`,
    );
  }
  if (response.status >= 500)
    throw new FlowgateError(
      "TEMPORARILY_UNAVAILABLE",
      `Tracking server answered ${response.status} for ${route}.`,
    );
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    throw new FlowgateError(
      response.status === 404 ? "RESOURCE_DOES_NOT_EXIST" : "INVALID_PARAMETER_VALUE",
      `Tracking server refused ${route}: ${typeof body.message === "string" ? body.message : `HTTP ${response.status}`}`,
    );
  }
  return body;
}

/** Artifacts behind the server's proxy: mlflow-artifacts:/path or mlflow-artifacts://host/path. */
function proxiedPath(artifactUri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(artifactUri);
  if (m === null) {
    throw invalidParameter(
      `Artifact URI '${artifactUri}' is not served through the tracking server's artifact proxy (mlflow-artifacts:/…); start it with --serve-artifacts.`,
    );
  }
  return (m[1] as string).replace(/\/$/, "");
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
  target: { name: string; version: string; artifactUri: string },
  dir: string,
  options: ModelCacheOptions,
): Promise<void> {
  const root = proxiedPath(target.artifactUri);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(path.join(tmp, "model"), { recursive: true, mode: 0o700 });
  const files: Record<string, string> = {};
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
    await walk("");
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
