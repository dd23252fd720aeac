// Parses the artifact URIs Flowgate hands out and accepts back (experiment artifact_location, run
// artifact_uri, model version source): `mlflow-artifacts:/<path>` under this server's artifact store, and
// with a `file://` artifact root, file URIs under it. Other schemes are refused until an artifact
// repository for them exists (S3 is planned).
import { invalidParameter } from "../core/errors.js";
import { checkArtifactPath, decodeUntilStable } from "./safe-path.js";

export const MLFLOW_ARTIFACTS_SCHEME = "mlflow-artifacts:";

/**
 * The directory of a `file://` artifact root (`--default-artifact-root file:///srv/mlruns
 * --no-serve-artifacts`): clients read and write its files themselves, and the server lists, deletes and
 * checks model-version sources under it, never elsewhere. Set once at start; undefined when the root is
 * `mlflow-artifacts:/`.
 */
let fileRootDir: string | undefined;

/** `file:///srv/mlruns` (or `file:/srv/mlruns`) → `/srv/mlruns`; undefined for any other URI. */
export function fileUriDirectory(uri: string): string | undefined {
  const match = /^file:(?:\/\/(?:localhost)?)?(\/[^?#]*)$/i.exec(decodeUntilStable(uri));
  return match?.[1] === undefined ? undefined : match[1].replace(/\/+$/, "") || "/";
}

export function useFileArtifactRoot(directory: string | undefined): void {
  fileRootDir = directory;
}

export function fileArtifactRoot(): string | undefined {
  return fileRootDir;
}

/** The part of a decoded file URI or absolute path under the file root, or undefined when outside it. */
function underFileRoot(decoded: string): string | undefined {
  if (fileRootDir === undefined) return undefined;
  const dir = decoded.startsWith("/") ? decoded : fileUriDirectory(decoded);
  if (dir === undefined) return undefined;
  if (dir === fileRootDir) return "";
  return dir.startsWith(`${fileRootDir}/`) ? dir.slice(fileRootDir.length + 1) : undefined;
}

/**
 * The store-relative path of an `mlflow-artifacts:` URI (`mlflow-artifacts:/1/abc/artifacts` → `1/abc/artifacts`),
 * or, with a `file://` artifact root, of a file URI or absolute path under it. Refuses other schemes, a
 * host part (we serve only our own store), paths outside the root, and any query, fragment, params or
 * traversal, however encoded.
 */
export function artifactUriPath(uri: string, field: string): string {
  const decoded = decodeUntilStable(uri);
  const match = /^mlflow-artifacts:(\/\/\/|\/)(?!\/)(.*)$/i.exec(decoded);
  const relative = match === null ? underFileRoot(decoded) : (match[2] ?? "");
  if (relative === undefined) {
    throw invalidParameter(
      fileRootDir === undefined
        ? `Invalid ${field} '${uri}': it must be an mlflow-artifacts:/<path> URI inside this server's artifact store.`
        : `Invalid ${field} '${uri}': it must lie under this server's artifact root file://${fileRootDir} ` +
            "(or be an mlflow-artifacts:/<path> URI).",
    );
  }
  try {
    return checkArtifactPath(relative, { allowRoot: true });
  } catch {
    throw invalidParameter(
      `Invalid ${field} '${uri}': the path may not contain '..', '.', empty segments, control characters or ? # ; \\.`,
    );
  }
}

export function artifactUri(storePath: string): string {
  return storePath === "" ? `${MLFLOW_ARTIFACTS_SCHEME}/` : `${MLFLOW_ARTIFACTS_SCHEME}/${storePath}`;
}
