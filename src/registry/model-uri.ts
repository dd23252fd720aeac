// Model URIs, parsed and resolved the same way for the server, the CLI, the SDK and serving:
// models:/<name>/<version>, models:/<name>/<stage>, models:/<name>/latest, models:/<name>@<alias>,
// models:/<logged model id>, runs:/<run_id>/<path> and mlflow-artifacts:/<path> → a storage location
// inside this server's artifact store. Anything else (other schemes, hosts, traversal, shell or URL
// syntax, however encoded) is refused: these URIs end up as file paths and in serving command lines.
import { invalidParameter, notFound } from "../core/errors.js";
import { artifactRootUri, artifactUri, artifactUriPath } from "../artifacts/artifact-uri.js";
import { checkArtifactPath, decodeUntilStable } from "../artifacts/safe-path.js";
import type { Executor } from "../store/database.js";
import { STAGES, type ModelVersion, type Stage } from "./entities.js";
import type { RegistryStore } from "./registry-store.js";
import { aliasNotFound, modelNotFound, versionNotFound } from "./registry-errors.js";
import { canonicalStage } from "./stages.js";

export type ModelUri =
  | { kind: "version"; name: string; version: number }
  | { kind: "stage"; name: string; stage: Stage }
  | { kind: "latest"; name: string }
  | { kind: "alias"; name: string; alias: string }
  | { kind: "logged-model"; modelId: string }
  | { kind: "run"; runId: string; path: string }
  | { kind: "artifacts"; path: string };

export interface ResolvedModelUri {
  uri: string;
  /** Where the model's files are: `mlflow-artifacts:/<path>` in this server's store. */
  storageUri: string;
  name?: string | undefined;
  version?: number | undefined;
  stage?: Stage | undefined;
  alias?: string | undefined;
  runId?: string | undefined;
  modelId?: string | undefined;
}

const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const LOGGED_MODEL_ID = /^m-[\w-]{1,64}$/;
// After decoding: control characters, backslashes, URL query/fragment/params, and shell metacharacters.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const FORBIDDEN = /[\u0000-\u001f\u007f\\?#;$`|<>&'"*]/;

function refuse(uri: string, why: string): Error {
  return invalidParameter(`Invalid model URI '${uri}': ${why}.`);
}

const FORMS =
  "use models:/<name>/<version|stage|latest>, models:/<name>@<alias>, models:/<model_id>, runs:/<run_id>/<path> or mlflow-artifacts:/<path>";

export function parseModelUri(uri: string): ModelUri {
  const decoded = decodeUntilStable(uri);
  if (FORBIDDEN.test(decoded))
    refuseWith(uri, "control characters, backslashes and ? # ; $ ` | < > & quotes are not allowed");
  if (/^mlflow-artifacts:/i.test(uri)) return { kind: "artifacts", path: artifactUriPath(uri, "model URI") };
  // With a client-written artifact root (file:// or s3://), its files by such a URI or an absolute path
  // (artifactUriPath refuses those outside the root).
  if (artifactRootUri() !== undefined && (/^(?:file|s3):/i.test(uri) || uri.startsWith("/"))) {
    return { kind: "artifacts", path: artifactUriPath(uri, "model URI") };
  }
  const runs = /^runs:\/(?!\/)([^/]+)(?:\/(.*))?$/.exec(uri);
  if (runs !== null) {
    const runId = runs[1] ?? "";
    if (!RUN_ID.test(runId)) throw refuse(uri, "the run id must be letters, digits, '_' or '-'");
    let path: string;
    try {
      path = checkArtifactPath(runs[2] ?? "", { allowRoot: true });
    } catch {
      throw refuse(
        uri,
        "the path inside the run may not contain '..', '.', empty segments or special characters",
      );
    }
    return { kind: "run", runId, path };
  }
  const models = /^models:\/(?!\/)(.+)$/.exec(uri);
  if (models === null) throw refuse(uri, FORMS);
  const parts = (models[1] ?? "").split("/");
  if (parts.length === 1) {
    const only = parts[0] ?? "";
    const at = only.lastIndexOf("@");
    if (at > 0 && at < only.length - 1)
      return { kind: "alias", name: only.slice(0, at), alias: only.slice(at + 1) };
    if (LOGGED_MODEL_ID.test(only)) return { kind: "logged-model", modelId: only };
    throw refuse(uri, FORMS);
  }
  const [name, suffix] = parts;
  if (
    parts.length !== 2 ||
    name === undefined ||
    name.trim() === "" ||
    suffix === undefined ||
    suffix === ""
  ) {
    throw refuse(uri, FORMS);
  }
  if (/^\d+$/.test(suffix)) return { kind: "version", name, version: Number(suffix) };
  if (suffix.toLowerCase() === "latest") return { kind: "latest", name };
  if (STAGES.some((s) => s.toLowerCase() === suffix.toLowerCase())) {
    return { kind: "stage", name, stage: canonicalStage(suffix) };
  }
  throw refuse(uri, `'${suffix}' is not a version number, a stage (${STAGES.join(", ")}) or 'latest'`);
}

function refuseWith(uri: string, why: string): never {
  throw refuse(uri, why);
}

function fromVersion(uri: string, v: ModelVersion, extra: Partial<ResolvedModelUri> = {}): ResolvedModelUri {
  return {
    uri,
    storageUri: v.storageLocation,
    name: v.name,
    version: v.version,
    stage: v.currentStage,
    runId: v.runId ?? undefined,
    modelId: v.modelId ?? undefined,
    ...extra,
  };
}

/** The artifact-store path of a run's artifact URI joined with a path inside it. */
function underArtifactUri(base: string, path: string, field: string): string {
  const root = artifactUriPath(base, field);
  return artifactUri([root, path].filter((p) => p !== "").join("/"));
}

/** Resolves a model URI to its storage location, and to the version/run/logged model it names. */
export async function resolveModelUri(
  store: RegistryStore,
  ex: Executor,
  uri: string,
): Promise<ResolvedModelUri> {
  const resolved = await resolveOnce(store, ex, uri);
  // A version registered from a `runs:/` reference whose run was not there yet is located when read.
  if (!resolved.storageUri.startsWith("runs:/")) return resolved;
  return { ...resolved, storageUri: (await resolveOnce(store, ex, resolved.storageUri)).storageUri };
}

async function resolveOnce(store: RegistryStore, ex: Executor, uri: string): Promise<ResolvedModelUri> {
  const parsed = parseModelUri(uri);
  switch (parsed.kind) {
    case "artifacts":
      return { uri, storageUri: artifactUri(parsed.path) };
    case "run": {
      const run = await store.findRun(ex, parsed.runId);
      if (run === undefined || run.lifecycleStage === "deleted")
        throw notFound(`Run with id=${parsed.runId} not found.`);
      return {
        uri,
        storageUri: underArtifactUri(run.artifactUri, parsed.path, "run artifact_uri"),
        runId: run.runId,
      };
    }
    case "logged-model": {
      const model = await store.findLoggedModel(ex, parsed.modelId);
      if (model === undefined) throw notFound(`Logged model with id=${parsed.modelId} not found.`);
      return {
        uri,
        storageUri: underArtifactUri(model.artifactLocation, "", "logged model artifact_location"),
        modelId: model.modelId,
        runId: model.sourceRunId ?? undefined,
      };
    }
    case "alias": {
      const v = await store.findVersionByAlias(ex, parsed.name, parsed.alias);
      if (v !== undefined) return fromVersion(uri, v, { alias: parsed.alias });
      if ((await store.modelId(ex, parsed.name)) === undefined) throw modelNotFound(parsed.name);
      throw aliasNotFound(parsed.name, parsed.alias);
    }
    case "version":
    case "stage":
    case "latest": {
      const id = await store.modelId(ex, parsed.name);
      if (id === undefined) throw modelNotFound(parsed.name);
      if (parsed.kind === "version") {
        const v = await store.findVersion(ex, id, parsed.version);
        if (v === undefined) throw versionNotFound(parsed.name, parsed.version);
        return fromVersion(uri, v);
      }
      const stages = parsed.kind === "stage" ? [parsed.stage] : STAGES;
      const latest = (await store.latestVersions(ex, id, stages)).sort((a, b) => b.version - a.version)[0];
      if (latest === undefined) {
        throw notFound(
          parsed.kind === "stage"
            ? `No versions of model with name '${parsed.name}' and stage '${parsed.stage}' found.`
            : `No versions of model with name '${parsed.name}' found.`,
        );
      }
      return fromVersion(uri, latest);
    }
  }
}
