// `flowgate import mlflow`: experiments, runs and logged models, then the registry, then the artifact files,
// each phase with progress; what could not come over is in the report with the reason.
import type { ArtifactRepository } from "../artifacts/artifact-repo.js";
import type { Database } from "../store/database.js";
import { artifactRootPath, copyArtifactTree } from "./artifact-copy.js";
import { emptyReport, totalRows, type ImportReport, type Progress } from "./import-report.js";
import type { MlflowSource } from "./mlflow-source.js";
import { writeRegisteredModel } from "./registry-writer.js";
import { writeExperiment, writeLoggedModels, writeRuns, type UriMapper } from "./tracking-writer.js";

export type ArtifactMode =
  | {
      mode: "copy";
      target: ArtifactRepository;
      /** MLflow's artifact root (directory or s3://), for URIs under it. */ sourceRoot?: string;
    }
  | { mode: "reference" };

export interface ImportOptions {
  source: MlflowSource;
  target: Database;
  targetDescription: string;
  artifacts: ArtifactMode;
  progress: Progress;
}

export async function importMlflow(options: ImportOptions): Promise<ImportReport> {
  const { source, target, artifacts, progress } = options;
  const started = performance.now();
  const report = emptyReport(source.description, options.targetDescription, artifacts.mode);
  const sourceRoot = artifacts.mode === "copy" ? artifacts.sourceRoot : undefined;
  // Copied files land at the same path under Flowgate's root, so their URI is the proxied form of that path.
  const mapUri: UriMapper =
    artifacts.mode === "reference"
      ? (uri) => uri
      : (uri) => {
          const relative = artifactRootPath(uri, sourceRoot);
          return relative === undefined ? uri : `mlflow-artifacts:/${relative}`;
        };
  const trees: Array<{ kind: string; id: string; uri: string }> = [];

  const experiments = await source.experiments();
  let done = 0;
  for (const e of experiments) {
    progress.update("experiments", done, experiments.length);
    done += 1;
    if (!(await writeExperiment(target, e, mapUri, report))) continue;
    const total = await source.countRuns(e.experimentId);
    let runsDone = 0;
    for await (const batch of source.runs(e.experimentId)) {
      for (const run of await writeRuns(target, batch, mapUri, report)) {
        trees.push({ kind: "run", id: run.runId, uri: run.artifactUri });
      }
      runsDone += batch.length;
      progress.update(`runs of ${e.experimentId}`, runsDone, total);
    }
    const models = await writeLoggedModels(target, await source.loggedModels(e.experimentId), mapUri, report);
    for (const m of models) trees.push({ kind: "logged_model", id: m.modelId, uri: m.artifactLocation });
  }
  progress.update("experiments", experiments.length, experiments.length);

  const registered = await source.registeredModels();
  for (const [i, m] of registered.entries()) {
    progress.update("registered models", i, registered.length);
    await writeRegisteredModel(target, m, mapUri, report);
  }
  progress.update("registered models", registered.length, registered.length);

  if (artifacts.mode === "copy") {
    for (const [i, tree] of trees.entries()) {
      progress.update("artifacts", i, trees.length);
      const storePath = artifactRootPath(tree.uri, sourceRoot);
      const files = await source.artifacts.listFiles(tree.uri);
      if (storePath === undefined || !Array.isArray(files)) {
        report.skipped.push({
          kind: `${tree.kind} artifacts`,
          id: tree.id,
          reason: `not copied, the URI is kept as it was: ${Array.isArray(files) ? `${tree.uri} is outside the artifact root` : files.unreadable}`,
        });
        continue;
      }
      const outcome = await copyArtifactTree(source.artifacts, tree.uri, artifacts.target, storePath, files);
      report.imported.artifact_files += outcome.files;
      report.artifactBytes += outcome.bytes;
      if (outcome.present > 0) {
        report.alreadyPresent.artifact_files = (report.alreadyPresent.artifact_files ?? 0) + outcome.present;
      }
    }
    progress.update("artifacts", trees.length, trees.length);
  }
  progress.end();
  report.seconds = (performance.now() - started) / 1000;
  report.rowsPerSecond = report.seconds > 0 ? totalRows(report) / report.seconds : 0;
  return report;
}
