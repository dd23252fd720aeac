// Moving an MLflow server's artifact files into Flowgate's artifact store. An MLflow artifact URI is either
// `mlflow-artifacts:/<path>` (the server proxies a store whose root is its --artifacts-destination) or a path
// under a local root (`--default-artifact-root /srv/mlruns`, file:///srv/mlruns/…); both name a path under
// the root, which becomes the same path in Flowgate's store, so `mlflow-artifacts:/` URIs stay as they were.
import path from "node:path";
import type { Readable } from "node:stream";
import type { ArtifactRepository } from "../artifacts/artifact-repo.js";
import { fileUriDirectory } from "../artifacts/artifact-uri.js";
import { createLocalArtifactRepository } from "../artifacts/local-artifact-repo.js";
import { checkArtifactPath } from "../artifacts/safe-path.js";
import type { SourceArtifactFile, SourceArtifacts } from "./mlflow-source.js";

/** The store path an MLflow artifact URI names under the artifact root, or undefined when it is elsewhere. */
export function artifactRootPath(uri: string, localRoot: string | undefined): string | undefined {
  let relative: string | undefined;
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(uri);
  if (proxied !== null) relative = proxied[1] ?? "";
  else if (localRoot !== undefined) {
    const dir = uri.startsWith("/") ? uri.replace(/\/+$/, "") : fileUriDirectory(uri);
    const root = path.resolve(localRoot);
    if (dir === root) relative = "";
    else if (dir?.startsWith(`${root}/`) === true) relative = dir.slice(root.length + 1);
  }
  if (relative === undefined) return undefined;
  try {
    return checkArtifactPath(relative.replace(/\/+$/, ""), { allowRoot: true });
  } catch {
    return undefined;
  }
}

/** The artifacts of an MLflow server whose artifact root is a local directory, read through the same safe paths. */
export function localSourceArtifacts(root: string | undefined): SourceArtifacts {
  const repo = root === undefined ? undefined : createLocalArtifactRepository(root);
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
