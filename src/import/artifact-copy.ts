// Moving an MLflow server's artifact files into Flowgate's artifact store. An MLflow artifact URI is either
// `mlflow-artifacts:/<path>` (the server proxies a store whose root is its --artifacts-destination) or a URI
// under its root (`--default-artifact-root /srv/mlruns`, file:///srv/mlruns/…, s3://bucket/prefix/…); each names
// a path under the root, which becomes the same path in Flowgate's store, so `mlflow-artifacts:/` URIs stay.
import path from "node:path";
import type { Readable } from "node:stream";
import type { ArtifactRepository } from "../artifacts/artifact-repo.js";
import { openS3ArtifactRepository } from "../artifacts/s3-artifact-repo.js";
import { isS3Uri } from "../artifacts/s3-client.js";
import { fileUriDirectory } from "../artifacts/artifact-uri.js";
import { createLocalArtifactRepository } from "../artifacts/local-artifact-repo.js";
import { checkArtifactPath } from "../artifacts/safe-path.js";
import type { SourceArtifactFile, SourceArtifacts } from "./mlflow-source.js";

/**
 * The store path an MLflow artifact URI names under the artifact root, or undefined when it is elsewhere. The
 * root is MLflow's local directory or its `s3://bucket/prefix` (then `s3://bucket/prefix/1/<run>/artifacts`
 * URIs, written by a server with that --default-artifact-root, are under it too).
 */
export function artifactRootPath(uri: string, root: string | undefined): string | undefined {
  let relative: string | undefined;
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(uri);
  if (proxied !== null) relative = proxied[1] ?? "";
  else if (root !== undefined && isS3Uri(root)) {
    const base = root.replace(/\/+$/, "");
    const bare = uri.replace(/\/+$/, "");
    if (bare === base) relative = "";
    else if (bare.startsWith(`${base}/`)) relative = bare.slice(base.length + 1);
  } else if (root !== undefined) {
    const dir = uri.startsWith("/") ? uri.replace(/\/+$/, "") : fileUriDirectory(uri);
    const resolved = path.resolve(root);
    if (dir === resolved) relative = "";
    else if (dir?.startsWith(`${resolved}/`) === true) relative = dir.slice(resolved.length + 1);
  }
  if (relative === undefined) return undefined;
  try {
    return checkArtifactPath(relative.replace(/\/+$/, ""), { allowRoot: true });
  } catch {
    return undefined;
  }
}

/** Flowgate's artifact repository for a root: a local directory, or `s3://bucket/prefix` configured like MLflow. */
export function artifactRepositoryAt(root: string, env: NodeJS.ProcessEnv): ArtifactRepository {
  return isS3Uri(root) ? openS3ArtifactRepository(root, env) : createLocalArtifactRepository(root);
}

/** The artifacts of an MLflow server whose artifact root is a local directory or S3, read through Flowgate's repositories. */
export function rootSourceArtifacts(
  root: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): SourceArtifacts {
  const repo = root === undefined ? undefined : artifactRepositoryAt(root, env);
  const relativeOf = (uri: string): string | { unreadable: string } => {
    if (root === undefined) return { unreadable: "no --artifacts root was given" };
    const relative = artifactRootPath(uri, root);
    return relative ?? { unreadable: `${uri} is not under the artifact root ${root}` };
  };
  return {
    async listFiles(uri) {
      const base = relativeOf(uri);
      if (typeof base !== "string" || repo === undefined) return base as { unreadable: string };
      const out: SourceArtifactFile[] = [];
      const walk = async (rel: string): Promise<void> => {
        const at = base === "" ? rel : rel === "" ? base : `${base}/${rel}`;
        for (const e of (await repo.list(at)) ?? []) {
          const name = e.path.split("/").pop() ?? e.path;
          const child = rel === "" ? name : `${rel}/${name}`;
          if (e.isDir) await walk(child);
          else out.push({ path: child, size: e.fileSize ?? 0 });
        }
      };
      await walk("");
      return out;
    },
    async open(uri, relativePath): Promise<Readable> {
      const base = relativeOf(uri);
      if (typeof base !== "string" || repo === undefined) throw new Error(`cannot read ${uri}`);
      return (await repo.get(base === "" ? relativePath : `${base}/${relativePath}`)).stream;
    },
  };
}

export interface CopyOutcome {
  files: number;
  bytes: number;
  /** Files already in Flowgate's store (an earlier import). */
  present: number;
}

/** Streams every file under `uri` into `target` at `storePath`, leaving files already there alone. */
export async function copyArtifactTree(
  source: SourceArtifacts,
  uri: string,
  target: ArtifactRepository,
  storePath: string,
  files: readonly SourceArtifactFile[],
): Promise<CopyOutcome> {
  const outcome: CopyOutcome = { files: 0, bytes: 0, present: 0 };
  for (const file of files) {
    const destination = storePath === "" ? file.path : `${storePath}/${file.path}`;
    if (await target.exists(destination)) {
      outcome.present += 1;
      continue;
    }
    const body = await source.open(uri, file.path);
    await target.put(destination, body, { maxBytes: Number.MAX_SAFE_INTEGER, expectedBytes: file.size });
    outcome.files += 1;
    outcome.bytes += file.size;
  }
  return outcome;
}
