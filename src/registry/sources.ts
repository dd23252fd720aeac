// Where a new model version's files are. A `source` must point into this server's artifact store, directly
// (`mlflow-artifacts:/…`) or through a `runs:/`, `models:/` or `models:/m-…` URI that resolves there.
// Everything else — local paths, file:, other hosts and schemes, traversal, query/fragment/params tricks,
// however encoded — is refused (MLflow's CVE-2023-1177 family; hostile-inputs B). The registry never
// reads or fetches what a source names at registration time.
import { FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import type { Executor } from "../store/database.js";
import { artifactUri, artifactUriPath } from "../artifacts/artifact-uri.js";
import { resolveModelUri } from "./model-uri.js";
import type { RegistryStore } from "./registry-store.js";

export interface VersionSource {
  /** The source as the client sent it; stored unchanged (3.x clients expect `models:/m-…` back). */
  source: string;
  storageLocation: string;
  runId: string | null;
  modelId: string | null;
}

export async function resolveVersionSource(
  store: RegistryStore,
  ex: Executor,
  req: { source: string; runId?: string | undefined; modelId?: string | undefined },
): Promise<VersionSource> {
  let resolved;
  try {
    resolved = await resolveModelUri(store, ex, req.source);
  } catch (err) {
    if (err instanceof FlowgateError && err.code === "INVALID_PARAMETER_VALUE") {
      throw invalidParameter(
        `Invalid model version source '${req.source}': it must be an mlflow-artifacts:/ URI inside this server's ` +
          `artifact store, or a runs:/ or models:/ URI that resolves to one (${err.message})`,
      );
    }
    throw err;
  }
  let runId = req.runId ?? resolved.runId ?? null;
  let modelId = req.modelId ?? null;
  if (modelId !== null) {
    if (resolved.modelId !== undefined && resolved.modelId !== modelId) {
      throw invalidParameter(
        `Invalid model_id '${modelId}': the source '${req.source}' names logged model ${resolved.modelId}.`,
      );
    }
    const logged = await store.findLoggedModel(ex, modelId);
    if (logged === undefined) throw notFound(`Logged model with id=${modelId} not found.`);
    runId ??= logged.sourceRunId;
  } else if (resolved.modelId !== undefined && resolved.name === undefined) {
    modelId = resolved.modelId;
  }
  const storePath = artifactUriPath(resolved.storageUri, "source");
  if (storePath === "") {
    throw invalidParameter(
      `Invalid model version source '${req.source}': it names the whole artifact store.`,
    );
  }
  if (req.runId !== undefined) {
    const run = await store.findRun(ex, req.runId);
    if (run === undefined) throw notFound(`Run with id=${req.runId} not found.`);
    const allowed = experimentArea(run.artifactUri, run.runId);
    // As MLflow's rule for local sources: files registered with a run must lie with that run, here within
    // its experiment's artifact area, so a version cannot borrow another experiment's files.
    if (resolved.name === undefined && storePath !== allowed && !storePath.startsWith(`${allowed}/`)) {
      throw invalidParameter(
        `Invalid model version source '${req.source}': with run_id ${run.runId} it must lie under ${artifactUri(allowed)}.`,
      );
    }
  }
  return { source: req.source, storageLocation: resolved.storageUri, runId, modelId };
}

/** The experiment's artifact area of a run (`<exp>` of `<exp>/<run>/artifacts`), or the run's own directory. */
function experimentArea(runArtifactUri: string, runId: string): string {
  const runPath = artifactUriPath(runArtifactUri, "run artifact_uri");
  const suffix = `/${runId}/artifacts`;
  return runPath.endsWith(suffix) ? runPath.slice(0, -suffix.length) : runPath;
}
