// Copies a stored directory (a model version's files) to a local directory, streaming each file. Works with any
// ArtifactRepository, so a local runtime can load a model whatever store holds it. Paths come from the repository's
// own listing and are re-checked against `dest` before anything is written.
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { invalidParameter } from "../core/errors.js";
import type { ArtifactRepository } from "./artifact-repo.js";

/**
 * Copies every file under `prefix` ("" for the whole store) into `dest` (created); refuses trees of more than
 * `maxFiles` files.
 */
export async function downloadTree(
  repo: ArtifactRepository,
  prefix: string,
  dest: string,
  maxFiles = 10_000,
): Promise<void> {
  const root = path.resolve(dest);
  let files = 0;
  const stored = (rel: string): string => [prefix, rel].filter((p) => p !== "").join("/");
  const queue = [""];
  while (queue.length > 0) {
    const rel = queue.shift() as string;
    const entries = await repo.list(stored(rel));
    if (entries === undefined) throw invalidParameter(`No stored files under '${prefix}'.`);
    await mkdir(path.join(root, rel), { recursive: true, mode: 0o700 });
    for (const e of entries) {
      const child = rel === "" ? e.path : `${rel}/${e.path}`;
      const local = path.resolve(root, child);
      if (!local.startsWith(root + path.sep)) throw invalidParameter(`Refusing stored path '${child}'.`);
      if (e.isDir) {
        queue.push(child);
        continue;
      }
      if (++files > maxFiles) throw invalidParameter(`More than ${maxFiles} files under '${prefix}'.`);
      const file = await repo.get(stored(child));
      await pipeline(file.stream, createWriteStream(local, { mode: 0o600 }));
    }
  }
}
