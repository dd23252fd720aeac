// `flowgate server`: the tracking + registry server, with the flags a user of `mlflow server` expects.
import type { Command } from "commander";
import { loadServerConfig, DEFAULTS } from "../../core/config.js";
import { createLogger } from "../../core/logger.js";
import { createApp } from "../../app.js";

interface ServerOptions {
  backendStoreUri?: string;
  artifactsDestination?: string;
  defaultArtifactRoot?: string;
  serveArtifacts?: boolean;
  host?: string;
  port?: string;
  workers?: string;
  allowedHosts?: string;
  auth?: boolean;
  python?: string;
  cacheDir?: string;
  maxArtifactBytes?: string;
  statementTimeout?: string;
  controller?: string;
  monitor?: string;
}

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("Run the Flowgate server: MLflow-compatible tracking, artifacts and registry, plus the UI")
    .option(
      "--backend-store-uri <uri>",
      `metadata store: sqlite:///<path> or postgresql://… (default ${DEFAULTS.backendStoreUri})`,
    )
    .option(
      "--artifacts-destination <dir|s3://bucket/prefix>",
      `where proxied artifacts are stored: a directory, file:///path or s3://bucket/prefix (default ${DEFAULTS.artifactsDestination}); S3 is reached as by mlflow: MLFLOW_S3_ENDPOINT_URL for S3-compatible servers, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile/role, AWS_DEFAULT_REGION, MLFLOW_S3_IGNORE_TLS`,
    )
    .option(
      "--default-artifact-root <uri>",
      "artifact root for new experiments: mlflow-artifacts:/ (the default when serving artifacts), or file:///path or s3://bucket/prefix that clients write themselves (with --no-serve-artifacts; the server reads, lists and checks model-version sources there, S3 reached as for --artifacts-destination)",
    )
    .option("--serve-artifacts", "proxy artifact uploads and downloads through this server (default)")
    .option("--no-serve-artifacts", "do not proxy artifacts; clients write to the artifact root themselves")
    .option("--host <host>", `address to bind (default ${DEFAULTS.host}; use 0.0.0.0 only behind auth)`)
    .option("-p, --port <port>", `port to listen on (default ${DEFAULTS.port})`)
    .option(
      "-w, --workers <n>",
      "accepted for mlflow compatibility; Flowgate serves from one event loop per process — run more replicas behind a load balancer instead",
    )
    .option("--allowed-hosts <list>", "extra Host header names to accept, comma-separated (* for any)")
    .option(
      "--auth",
      "require a login (HTTP Basic or bearer token) and role grants on every route; first admin: `flowgate users create-admin` or FLOWGATE_ADMIN_USERNAME/FLOWGATE_ADMIN_PASSWORD",
    )
    .option(
      "--python <path>",
      "Python interpreter with mlflow installed, for the serving smoke benchmark of max_latency gates (default FLOWGATE_PYTHON or python3)",
    )
    .option(
      "--max-artifact-bytes <n>",
      "largest artifact upload accepted, in bytes; 413 beyond (default FLOWGATE_MAX_ARTIFACT_BYTES or 10 GiB)",
    )
    .option(
      "--statement-timeout <seconds>",
      "PostgreSQL cancels a query running longer and the request gets a 400 (default FLOWGATE_STATEMENT_TIMEOUT or 30; 0 = no limit)",
    )
    .option(
      "--controller <on|off>",
      "run the rollout controller (canary steps, analysis, rollback) in this server; with several replicas each takes a lease per deployment (default FLOWGATE_CONTROLLER or on)",
    )
    .option(
      "--monitor <on|off>",
      "run the monitor loop (drift and quality windows, alert rules) in this server; with several replicas each takes a lease per deployment (default FLOWGATE_MONITOR or on)",
    )
    .option(
      "--cache-dir <dir>",
      "scratch and ONNX conversion cache (default FLOWGATE_CACHE_DIR or ~/.cache/flowgate)",
    )
    .action(async (opts: ServerOptions) => {
      const config = loadServerConfig({
        backendStoreUri: opts.backendStoreUri,
        artifactsDestination: opts.artifactsDestination,
        defaultArtifactRoot: opts.defaultArtifactRoot,
        serveArtifacts: opts.serveArtifacts,
        host: opts.host,
        port: opts.port === undefined ? undefined : Number(opts.port),
        allowedHosts: opts.allowedHosts,
        auth: opts.auth,
        python: opts.python,
        cacheDir: opts.cacheDir,
        maxArtifactBytes: opts.maxArtifactBytes,
        statementTimeout: opts.statementTimeout,
        controller: opts.controller,
        monitor: opts.monitor,
      });
      const logger = createLogger();
      if (opts.workers !== undefined && opts.workers !== "1") {
        logger.warn(
          { workers: opts.workers },
          "--workers is ignored: one Flowgate process already serves concurrent requests; run replicas for more",
        );
      }
      const app = await createApp(config, logger);
      const address = await app.server.listen({ host: config.host, port: config.port });
      logger.info(
        { address, backendStore: redact(config.backendStoreUri), artifacts: config.artifactsDestination },
        "flowgate server listening",
      );
      if (!config.auth) {
        // Without auth anyone who can reach the port may change anything: say so, loudly, at every start.
        logger.warn(
          { host: config.host },
          config.host === "127.0.0.1" || config.host === "localhost" || config.host === "::1"
            ? "auth is off: bound to this machine only (start with --auth to serve other machines)"
            : "auth is off and the server is reachable from other machines: anyone can read and change everything; use --auth",
        );
      }
      const stop = (signal: string): void => {
        logger.info({ signal }, "shutting down");
        app.close().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, "shutdown failed");
            process.exit(1);
          },
        );
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
}

/** Never log a database password. */
function redact(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
