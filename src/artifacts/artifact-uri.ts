// Parses the artifact URIs Flowgate hands out and accepts back (experiment artifact_location, run
// artifact_uri, model version source): `mlflow-artifacts:/<path>` under this server's artifact store.
// Other schemes are refused until an artifact repository for them exists (S3 is planned).
import { invalidParameter } from "../core/errors.js";
import { checkArtifactPath, decodeUntilStable } from "./safe-path.js";

export const MLFLOW_ARTIFACTS_SCHEME = "mlflow-artifacts:";

/**
 * The store-relative path of an `mlflow-artifacts:` URI (`mlflow-artifacts:/1/abc/artifacts` → `1/abc/artifacts`).
 * Refuses other schemes, a host part (we serve only our own store), and any query, fragment, params or
 * traversal, however encoded.
 */
export function artifactUriPath(uri: string, field: string): string {
  const decoded = decodeUntilStable(uri);
  const match = /^mlflow-artifacts:(\/\/\/|\/)(?!\/)(.*)$/i.exec(decoded);
  if (match === null) {
    throw invalidParameter(
      `Invalid ${field} '${uri}': it must be an mlflow-artifacts:/<path> URI inside this server's artifact store.`,
    );
  }
  try {
    return checkArtifactPath(match[2] ?? "", { allowRoot: true });
  } catch {
    throw invalidParameter(
      `Invalid ${field} '${uri}': the path may not contain '..', '.', empty segments, control characters or ? # ; \\.`,
    );
  }
}

export function artifactUri(storePath: string): string {
  return storePath === "" ? `${MLFLOW_ARTIFACTS_SCHEME}/` : `${MLFLOW_ARTIFACTS_SCHEME}/${storePath}`;
}
