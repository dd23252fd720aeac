// `flowgate import mlflow`: brings an existing MLflow server's experiments, runs, logged models, registry and
// artifacts into Flowgate's store, from MLflow's database (--backend-store-uri + --artifacts) or, when only
// the server is reachable, over its REST API (--from-uri).
import type { Command } from "commander";
import { loadServerConfig } from "../../core/config.js";
import { invalidParameter } from "../../core/errors.js";
import { openDatabase } from "../../store/database.js";
import { artifactRepositoryAt, rootSourceArtifacts } from "../../import/artifact-copy.js";
import { formatReport, streamProgress } from "../../import/import-report.js";
import { importMlflow } from "../../import/mlflow-import.js";
import { openMlflowRestSource } from "../../import/mlflow-rest-source.js";
import { openMlflowSqlSource, redact } from "../../import/mlflow-sql-source.js";
import type { MlflowSource } from "../../import/mlflow-source.js";

interface ImportOptions {
  backendStoreUri?: string;
  artifacts?: string;
  fromUri?: string;
  flowgateBackendStoreUri?: string;
  flowgateArtifactsDestination?: string;
  referenceArtifacts?: boolean;
  copyArtifacts?: boolean;
  json?: boolean;
}

export function registerImportCommand(program: Command): void {
  const group =
    program.commands.find((c) => c.name() === "import") ??
    program.command("import").description("Bring data from other systems into Flowgate");
  group
    .command("mlflow")
    .description(
      "Import an MLflow server: experiments, runs (full metric histories), datasets, logged models, registered " +
        "models, versions, stages, aliases, tags and artifacts, keeping MLflow's ids; running it again brings only what is new",
    )
    .option("--backend-store-uri <uri>", "MLflow's database: sqlite:///<path> or postgresql://…")
    .option(
      "--artifacts <root>",
      "MLflow's artifact root: its --artifacts-destination or --default-artifact-root (a directory, or s3://bucket/prefix reached with MLflow's MLFLOW_S3_ENDPOINT_URL / AWS_* settings)",
    )
    .option(
      "--from-uri <url>",
      "import over the REST API of a running MLflow server instead (http://mlflow:5000)",
    )
    .option(
      "--flowgate-backend-store-uri <uri>",
      "Flowgate's store to import into (default FLOWGATE_BACKEND_STORE_URI or the server's default)",
    )
    .option(
      "--flowgate-artifacts-destination <root>",
      "Flowgate's artifact store to copy files into: a directory or s3://bucket/prefix (default FLOWGATE_ARTIFACTS_DESTINATION or the server's default)",
    )
    .option("--copy-artifacts", "copy the artifact files into Flowgate's artifact store (default)")
    .option(
      "--reference-artifacts",
      "keep MLflow's artifact URIs and copy nothing (start Flowgate with --artifacts-destination on MLflow's artifact root)",
    )
    .option("--json", "print the report as JSON")
    .action(async (opts: ImportOptions) => {
      if (opts.copyArtifacts === true && opts.referenceArtifacts === true) {
        throw invalidParameter("Use --copy-artifacts or --reference-artifacts, not both.");
      }
      if ((opts.fromUri === undefined) === (opts.backendStoreUri === undefined)) {
        throw invalidParameter(
          "Name the MLflow server to import: --backend-store-uri <its database> [--artifacts <its artifact root>], " +
            "or --from-uri http://<host>:<port> for its REST API.",
        );
      }
      const config = loadServerConfig({
        backendStoreUri: opts.flowgateBackendStoreUri,
        artifactsDestination: opts.flowgateArtifactsDestination,
      });
      const source: MlflowSource =
        opts.fromUri !== undefined
          ? await openMlflowRestSource(opts.fromUri)
          : await openMlflowSqlSource(opts.backendStoreUri ?? "", rootSourceArtifacts(opts.artifacts));
      const target = await openDatabase(config.backendStoreUri);
      try {
        const report = await importMlflow({
          source,
          target,
          targetDescription: redact(config.backendStoreUri),
          artifacts:
            opts.referenceArtifacts === true
              ? { mode: "reference" }
              : {
                  mode: "copy",
                  target: artifactRepositoryAt(config.artifactsDestination, process.env),
                  ...(opts.artifacts === undefined ? {} : { sourceRoot: opts.artifacts }),
                },
          progress: streamProgress(process.stderr),
        });
        process.stdout.write(
          opts.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report),
        );
      } finally {
        await target.close();
        await source.close();
      }
    });
}
