// Typed server configuration. Flags win over environment variables (FLOWGATE_*), which win over defaults;
// the defaults match `mlflow server` where MLflow has an equivalent flag.
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { invalidParameter } from "./errors.js";
import { parseS3Uri } from "../artifacts/s3-client.js";

export interface ServerConfig {
  /** `sqlite:///relative/path.db`, `sqlite:////absolute/path.db`, `sqlite::memory:` or `postgresql://…`. */
  backendStoreUri: string;
  /** Where the artifact proxy stores files: a local directory, or `s3://bucket/prefix`. */
  artifactsDestination: string;
  /** Root URI handed to new experiments: `mlflow-artifacts:/` when artifacts are served, else `file:` or `s3:`. */
  defaultArtifactRoot: string;
  serveArtifacts: boolean;
  host: string;
  port: number;
  /** Largest accepted JSON request body, in bytes (MLflow caps log-batch at 1 MB; other calls are small). */
  maxJsonBodyBytes: number;
  /** Largest accepted artifact upload, in bytes. */
  maxArtifactBytes: number;
  /** Accepted Host header names, to refuse DNS-rebinding requests (hostile-inputs D.26). */
  allowedHosts: string[];
  /** `--auth`: require a login (Basic or bearer token) and check role grants on every route. */
  auth: boolean;
  /** Webhook targets may be plain http:// (default: https only). */
  webhookAllowHttp: boolean;
  /** Webhook targets may resolve to private, loopback or link-local addresses (an admin's explicit choice). */
  webhookAllowPrivate: boolean;
  /** Python interpreter with mlflow installed, for serving smoke benchmarks (sklearn→ONNX, pyfunc models). */
  python: string;
  /** Local scratch and cache space (ONNX conversions, model copies being benchmarked). */
  cacheDir: string;
  /** Key file sealing webhook secrets at rest, when FLOWGATE_SECRET_KEY is not set (created on first start). */
  secretKeyFile: string;
  /** PostgreSQL cancels a statement running longer than this (seconds; 0 = never); see store/database.ts. */
  statementTimeoutSeconds: number;
  /** Run the rollout controller in this server (`--controller on|off`, FLOWGATE_CONTROLLER; default on). */
  controller: boolean;
  /** Run the monitor loop in this server (`--monitor on|off`, FLOWGATE_MONITOR; default on). */
  monitor: boolean;
  /** How often the monitor loop ticks (FLOWGATE_MONITOR_TICK_SECONDS, default 5). */
  monitorTickSeconds: number;
  /** How long after a window's end it is computed, so segments still being written arrive (FLOWGATE_MONITOR_GRACE_SECONDS, default 15). */
  monitorGraceSeconds: number;
}

export const DEFAULTS = {
  backendStoreUri: "sqlite:///./flowgate.db",
  artifactsDestination: "./flowgate-artifacts",
  host: "127.0.0.1",
  port: 5000,
  maxJsonBodyBytes: 4 * 1024 * 1024,
  maxArtifactBytes: 10 * 1024 * 1024 * 1024,
  statementTimeoutSeconds: 30,
} as const;

export interface ServerFlags {
  backendStoreUri?: string | undefined;
  artifactsDestination?: string | undefined;
  defaultArtifactRoot?: string | undefined;
  serveArtifacts?: boolean | undefined;
  host?: string | undefined;
  port?: number | undefined;
  allowedHosts?: string | undefined;
  auth?: boolean | undefined;
  webhookAllowHttp?: "true" | "false" | undefined;
  webhookAllowPrivate?: "true" | "false" | undefined;
  python?: string | undefined;
  cacheDir?: string | undefined;
  maxArtifactBytes?: string | undefined;
  statementTimeout?: string | undefined;
  controller?: string | undefined;
  monitor?: string | undefined;
}

export function loadServerConfig(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const serveArtifacts = flags.serveArtifacts ?? env.FLOWGATE_SERVE_ARTIFACTS !== "false";
  const artifactsDestination = destinationOf(
    flags.artifactsDestination ?? env.FLOWGATE_ARTIFACTS_DESTINATION ?? DEFAULTS.artifactsDestination,
  );
  const defaultArtifactRoot = fileRootUri(
    checkArtifactRootScheme(
      flags.defaultArtifactRoot ??
        env.FLOWGATE_DEFAULT_ARTIFACT_ROOT ??
        (serveArtifacts ? "mlflow-artifacts:/" : `file://${artifactsDestination}`),
    ),
  );
  const port = flags.port ?? (env.FLOWGATE_PORT ? Number(env.FLOWGATE_PORT) : DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalidParameter(`Invalid port ${String(port)}: it must be an integer from 0 to 65535.`);
  }
  const allowedHosts = (flags.allowedHosts ?? env.FLOWGATE_ALLOWED_HOSTS ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter((h) => h !== "");
  const backendStoreUri = flags.backendStoreUri ?? env.FLOWGATE_BACKEND_STORE_URI ?? DEFAULTS.backendStoreUri;
  return {
    backendStoreUri,
    // With a file: or s3: root the clients write there themselves, and that is the store the server reads.
    artifactsDestination: clientWritten(defaultArtifactRoot)
      ? destinationOf(defaultArtifactRoot)
      : artifactsDestination,
    defaultArtifactRoot,
    serveArtifacts,
    host: flags.host ?? env.FLOWGATE_HOST ?? DEFAULTS.host,
    port,
    maxJsonBodyBytes: DEFAULTS.maxJsonBodyBytes,
    maxArtifactBytes: byteLimit(
      flags.maxArtifactBytes ?? env.FLOWGATE_MAX_ARTIFACT_BYTES,
      "--max-artifact-bytes",
      DEFAULTS.maxArtifactBytes,
    ),
    allowedHosts,
    auth: flags.auth ?? env.FLOWGATE_AUTH === "true",
    webhookAllowHttp: (flags.webhookAllowHttp ?? env.FLOWGATE_WEBHOOK_ALLOW_HTTP) === "true",
    webhookAllowPrivate: (flags.webhookAllowPrivate ?? env.FLOWGATE_WEBHOOK_ALLOW_PRIVATE) === "true",
    python: flags.python ?? env.FLOWGATE_PYTHON ?? "python3",
    cacheDir: path.resolve(
      flags.cacheDir ?? env.FLOWGATE_CACHE_DIR ?? path.join(os.homedir(), ".cache", "flowgate"),
    ),
    secretKeyFile: path.resolve(env.FLOWGATE_SECRET_KEY_FILE ?? defaultSecretKeyFile(backendStoreUri)),
    statementTimeoutSeconds: seconds(
      flags.statementTimeout ?? env.FLOWGATE_STATEMENT_TIMEOUT,
      "--statement-timeout",
      DEFAULTS.statementTimeoutSeconds,
    ),
    controller: onOff(flags.controller ?? env.FLOWGATE_CONTROLLER, "--controller", true),
    monitor: onOff(flags.monitor ?? env.FLOWGATE_MONITOR, "--monitor", true),
    monitorTickSeconds: positiveSeconds(
      env.FLOWGATE_MONITOR_TICK_SECONDS,
      "FLOWGATE_MONITOR_TICK_SECONDS",
      5,
    ),
    monitorGraceSeconds: seconds(env.FLOWGATE_MONITOR_GRACE_SECONDS, "FLOWGATE_MONITOR_GRACE_SECONDS", 15),
  };
}

/** "on" or "off" (also true/false); unset is `fallback`. */
function onOff(raw: string | undefined, flag: string, fallback: boolean): boolean {
  if (raw === undefined || raw.trim() === "") return fallback;
  const v = raw.trim().toLowerCase();
  if (v === "on" || v === "true") return true;
  if (v === "off" || v === "false") return false;
  throw invalidParameter(`Invalid ${flag} '${raw}': use on or off.`);
}

/** A whole number of seconds, 0 or more (0 = no limit). */
function seconds(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw invalidParameter(`Invalid ${flag} '${raw}': give a whole number of seconds (0 for no limit).`);
  }
  return value;
}

/** A number of seconds above 0 (fractions allowed: tests tick fast). */
function positiveSeconds(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw invalidParameter(`Invalid ${name} '${raw}': give a number of seconds above 0.`);
  }
  return value;
}

/** `s3:`, `gs:`, `mlflow-artifacts:`…; undefined for a plain path (a one-letter "scheme" is a Windows drive). */
function schemeOf(location: string): string | undefined {
  return /^([a-z][a-z0-9+.-]+):/i.exec(location)?.[1]?.toLowerCase();
}

/**
 * Where the artifact proxy stores: a path or a file: URI (a directory), or an s3:// location (checked here, so a
 * typo fails at start rather than at the first upload). Any other scheme is refused: taken as a path,
 * `gs://bucket/prefix` would become a folder named `gs:` and every upload would "succeed" locally.
 */
function destinationOf(location: string): string {
  const scheme = schemeOf(location);
  if (scheme === "s3") {
    const { bucket, prefix } = parseS3Uri(location, "--artifacts-destination");
    return `s3://${bucket}/${prefix.replace(/\/$/, "")}`.replace(/\/$/, "");
  }
  if (scheme === "file") {
    try {
      return path.resolve(fileURLToPath(location));
    } catch {
      throw invalidParameter(
        `Invalid --artifacts-destination '${location}': a file: URI must be file:///absolute/path.`,
      );
    }
  }
  if (scheme !== undefined) {
    throw invalidParameter(
      `Invalid --artifacts-destination '${location}': this server cannot store artifacts in ${scheme}: yet; ` +
        "give a local directory, file:///path or s3://bucket/prefix.",
    );
  }
  return path.resolve(location);
}

/** A plain-path artifact root as the file:///absolute URI MLflow makes of it; other roots as given. */
function fileRootUri(root: string): string {
  return schemeOf(root) === undefined ? pathToFileURL(path.resolve(root)).href : root;
}

/** A root that clients write themselves (a shared file system or an S3 bucket), rather than this server's proxy. */
function clientWritten(root: string): boolean {
  const scheme = schemeOf(root);
  return scheme === "file" || scheme === "s3";
}

/**
 * The root handed to new experiments must be one whose files the server can reach too: its own proxy
 * (`mlflow-artifacts:`), a shared file system (`file:`, or a plain path) or an S3 bucket (`s3://bucket/prefix`,
 * checked here so a typo fails at start). Clients would write anywhere else (gs:, hdfs:…) while the server
 * could neither list nor serve those files.
 */
function checkArtifactRootScheme(root: string): string {
  const scheme = schemeOf(root);
  if (scheme === "s3") parseS3Uri(root, "--default-artifact-root");
  if (scheme === undefined || scheme === "mlflow-artifacts" || clientWritten(root)) return root;
  throw invalidParameter(
    `Invalid --default-artifact-root '${root}': this server cannot list or serve ${scheme}: artifacts yet; ` +
      "use mlflow-artifacts:/ (stored under --artifacts-destination), or file:///path or s3://bucket/prefix " +
      "with --no-serve-artifacts.",
  );
}

/** Next to an SQLite database file (the two belong together); otherwise in the user's config directory. */
function defaultSecretKeyFile(backendStoreUri: string): string {
  const file = /^sqlite:\/\/\/(.+)$/.exec(backendStoreUri)?.[1];
  if (file !== undefined && !file.endsWith(":memory:"))
    return path.join(path.dirname(file), "flowgate-secret.key");
  return path.join(os.homedir(), ".config", "flowgate", "secret.key");
}

function byteLimit(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw invalidParameter(`Invalid ${name} '${raw}': it must be a whole number of bytes, at least 1.`);
  }
  return n;
}
