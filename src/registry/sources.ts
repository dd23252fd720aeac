// Where a new model version's files are. A `source` must point into this server's artifact store, directly
// (`mlflow-artifacts:/…`, or a file:// or s3:// URI under the artifact root clients write), through a
// `models:/` or `models:/m-…` URI that resolves there, or be a `runs:/` reference (stored as sent, located
// when read). Everything else — local paths and file: or s3: URIs outside that root, other hosts and
// schemes, traversal, query/fragment/params tricks, however encoded — is refused (MLflow's CVE-2023-1177
// family; hostile-inputs B). The registry never reads or fetches what a source names at registration time.
import { FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import type { Executor } from "../store/database.js";
import path from "node:path";
import {
  artifactRootUri,
  artifactUri,
  artifactUriPath,
  fileUriDirectory,
} from "../artifacts/artifact-uri.js";
import { decodeUntilStable } from "../artifacts/safe-path.js";
import { parseModelUri, resolveModelUri } from "./model-uri.js";
import type { RegistryStore } from "./registry-store.js";

export interface VersionSource {
  /** The source as the client sent it; stored unchanged (3.x clients expect `models:/m-…` back). */
  source: string;
  storageLocation: string;
  runId: string | null;
  modelId: string | null;
}

/** A source Flowgate will not register, in MLflow's words where MLflow refuses it too, then ours. */
function refusedSource(source: string, why: FlowgateError): Error {
  const root = artifactRootUri();
  const ours =
    (root === undefined
      ? "Flowgate registers mlflow-artifacts:/ URIs inside its artifact store and runs:/ or models:/ URIs "
      : `Flowgate registers files under its artifact root ${root} and runs:/ or models:/ URIs `) +
    `(${why.message})`;
  const decoded = decodeUntilStable(source);
  const local = !/^[a-z][a-z0-9+.-]*:/i.test(decoded) ? decoded : fileUriDirectory(decoded);
  if (local !== undefined) {
    // MLflow names the local path as it resolved it.
    return invalidParameter(
      `Invalid model version source: '${path.posix.resolve("/", local)}'. To use a local path as a model version ` +
        "source, the run_id request parameter has to be specified and the local path has to be contained within " +
        `the artifact directory of the run specified by the run_id. ${ours}`,
    );
  }
  if (decoded.split("/").includes("..")) {
    return invalidParameter(
      `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ` +
        "ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path " +
        `references present. Please provide an absolute path. ${ours}`,
    );
  }
  return invalidParameter(`Invalid model version source: '${source}'. ${ours}`);
}

/** MLflow's words for a source that does not lie with the run or logged model the request names. */
function notContained(source: string, idName: "run_id" | "model_id", hint: string): Error {
  return invalidParameter(
    `Invalid model version source: '${source}'. The ${idName} request parameter must identify the ` +
      `resource that contains the source. ${hint}`,
  );
}

export async function resolveVersionSource(
  store: RegistryStore,
  ex: Executor,
  req: { source: string; runId?: string | undefined; modelId?: string | undefined },
): Promise<VersionSource> {
  let parsed;
  try {
    parsed = parseModelUri(req.source);
  } catch (err) {
    if (err instanceof FlowgateError && err.code === "INVALID_PARAMETER_VALUE")
      throw refusedSource(req.source, err);
    throw err;
  }
  if (parsed.kind === "run") return runReference(store, ex, req, parsed.runId);
  const resolved = await resolveModelUri(store, ex, req.source);
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
  } else if (resolved.modelId !== undefined) {
    // A logged model's URI, or (as MLflow 3 does) a copy of a version inherits that version's model.
    modelId = resolved.modelId;
  }
  const storePath = artifactUriPath(resolved.storageUri, "source");
  if (storePath === "") {
    throw invalidParameter(
      `Invalid model version source '${req.source}': it names the whole artifact store.`,
    );
  }
  if (req.runId !== undefined && resolved.name === undefined && resolved.modelId === undefined) {
    const run = await store.findRun(ex, req.runId);
    if (run === undefined) throw notContained(req.source, "run_id", `Run ${req.runId} does not exist.`);
    const allowed = experimentArea(run.artifactUri, run.runId);
    // As MLflow's rule for local sources: files registered with a run must lie with that run, here within
    // its experiment's artifact area, so a version cannot borrow another experiment's files.
    if (storePath !== allowed && !storePath.startsWith(`${allowed}/`)) {
      throw notContained(
        req.source,
        "run_id",
        `With run_id ${run.runId} it must lie under ${artifactUri(allowed)}.`,
      );
    }
  }
  // A copy names the version it copies by number (MLflow 3 does the same), so it stays put when aliases
  // or stages move.
  const source =
    resolved.name !== undefined && resolved.version !== undefined
      ? `models:/${resolved.name}/${resolved.version}`
      : req.source;
  return { source, storageLocation: resolved.storageUri, runId, modelId };
}

/**
 * A `runs:/<run>/<path>` source is a reference, as in MLflow: stored as sent, whether or not the run exists
 * or is the request's run_id (who may read the run is the caller's business, checked where requests are
 * authorized). Its files are located now when the run exists, else when the version is read.
 */
async function runReference(
  store: RegistryStore,
  ex: Executor,
  req: { source: string; runId?: string | undefined; modelId?: string | undefined },
  sourceRunId: string,
): Promise<VersionSource> {
  const run = await store.findRun(ex, sourceRunId);
  const storageLocation =
    run === undefined || run.lifecycleStage === "deleted"
      ? req.source
      : (await resolveModelUri(store, ex, req.source)).storageUri;
  return {
    source: req.source,
    storageLocation,
    // The run_id is the request's, as in MLflow (2.x stores none when none is sent; 3.x requires it).
    runId: req.runId ?? null,
    modelId: req.modelId ?? null,
  };
}

/** The experiment's artifact area of a run (`<exp>` of `<exp>/<run>/artifacts`), or the run's own directory. */
function experimentArea(runArtifactUri: string, runId: string): string {
  const runPath = artifactUriPath(runArtifactUri, "run artifact_uri");
  const suffix = `/${runId}/artifacts`;
  return runPath.endsWith(suffix) ? runPath.slice(0, -suffix.length) : runPath;
}
