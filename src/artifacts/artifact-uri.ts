// Parses the artifact URIs Flowgate hands out and accepts back (experiment artifact_location, run
// artifact_uri, model version source): `mlflow-artifacts:/<path>` under this server's artifact store, and
// with an artifact root that clients write themselves (`file:///srv/mlruns` or `s3://bucket/prefix`), URIs
// under that root; the store is rooted there, so both name the same store paths. Other schemes, hosts,
// buckets and places are refused.
import { invalidParameter } from "../core/errors.js";
import { checkArtifactPath, decodeUntilStable } from "./safe-path.js";

export const MLFLOW_ARTIFACTS_SCHEME = "mlflow-artifacts:";

/**
 * The artifact root clients read and write themselves (`--default-artifact-root file:///srv/mlruns` or
 * `s3://bucket/prefix`, with --no-serve-artifacts): the server's artifact store is rooted there, and it lists,
 * reads, deletes and checks model-version sources under it, never elsewhere. A file root is kept as its
 * directory (`/srv/mlruns`), an S3 root as `s3://bucket/prefix` (no trailing slash). Set once at start;
 * undefined when the root is `mlflow-artifacts:/`.
 */
let root: string | undefined;

/** `file:///srv/mlruns` (or `file:/srv/mlruns`) → `/srv/mlruns`; undefined for any other URI. */
export function fileUriDirectory(uri: string): string | undefined {
  const match = /^file:(?:\/\/(?:localhost)?)?(\/[^?#]*)$/i.exec(decodeUntilStable(uri));
  return match?.[1] === undefined ? undefined : match[1].replace(/\/+$/, "") || "/";
}

// Not s3-client.ts's: that module loads the AWS SDK, which most users of this one never need.
const isS3Uri = (uri: string): boolean => /^s3:/i.test(uri);

/**
 * Takes the server's --default-artifact-root (checked by config.ts): a file: or s3: root is one that clients
 * write themselves; `mlflow-artifacts:/` (or none) leaves no such root.
 */
export function useArtifactRoot(defaultArtifactRoot: string | undefined): void {
  if (defaultArtifactRoot === undefined) root = undefined;
  else if (isS3Uri(defaultArtifactRoot)) root = `s3:${defaultArtifactRoot.slice(3)}`.replace(/\/+$/, "");
  else root = fileUriDirectory(defaultArtifactRoot);
}

/** The client-written artifact root as a URI (`file:///srv/mlruns`, `s3://bucket/prefix`), or undefined. */
export function artifactRootUri(): string | undefined {
  return root === undefined || isS3Uri(root) ? root : `file://${root}`;
}

/** The URI under the client-written root of a store path (`1/abc` → `s3://bucket/prefix/1/abc`). */
export function artifactRootChild(storePath: string): string | undefined {
  const base = artifactRootUri();
  return base === undefined || storePath === "" ? base : `${base}/${storePath}`;
}

/**
 * The part of a decoded URI under the client-written root (for a file root also an absolute path), or
 * undefined when outside it.
 */
function underRoot(decoded: string): string | undefined {
  if (root === undefined) return undefined;
  let location: string | undefined;
  if (isS3Uri(root)) location = isS3Uri(decoded) ? `s3:${decoded.slice(3)}`.replace(/\/+$/, "") : undefined;
  else location = decoded.startsWith("/") ? decoded : fileUriDirectory(decoded);
  if (location === undefined) return undefined;
  if (location === root) return "";
  return location.startsWith(`${root}/`) ? location.slice(root.length + 1) : undefined;
}

/**
 * The store-relative path of an `mlflow-artifacts:` URI (`mlflow-artifacts:/1/abc/artifacts` → `1/abc/artifacts`),
 * or, with a client-written artifact root, of a URI under it (`s3://bucket/prefix/1/abc`, `file:///srv/mlruns/1/abc`
 * or `/srv/mlruns/1/abc` → `1/abc`). Refuses other schemes, a host part (we serve only our own store), paths
 * outside the root, and any query, fragment, params or traversal, however encoded.
 */
export function artifactUriPath(uri: string, field: string): string {
  const decoded = decodeUntilStable(uri);
  const match = /^mlflow-artifacts:(\/\/\/|\/)(?!\/)(.*)$/i.exec(decoded);
  const relative = match === null ? underRoot(decoded) : (match[2] ?? "");
  if (relative === undefined) {
    const rootUri = artifactRootUri();
    throw invalidParameter(
      rootUri === undefined
        ? `Invalid ${field} '${uri}': it must be an mlflow-artifacts:/<path> URI inside this server's artifact store.`
        : `Invalid ${field} '${uri}': it must lie under this server's artifact root ${rootUri} ` +
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
