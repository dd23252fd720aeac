// The artifact repository on a local directory (`--artifacts-destination`). Every client path goes through
// safe-path.ts first; uploads stream into a temp file in the target's directory, are fsynced and renamed into
// place, so a reader never sees half a file and a broken upload leaves nothing behind.
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import type { ArtifactFile, ArtifactFileInfo, ArtifactRepository } from "./artifact-repo.js";
import { checkArtifactPath, resolveInsideRoot } from "./safe-path.js";

/** In-flight uploads: hidden from listings, never a client-visible name. */
const TEMP_PREFIX = ".flowgate-upload-";

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function tooLarge(maxBytes: number): FlowgateError {
  return new FlowgateError(
    "PAYLOAD_TOO_LARGE",
    `Artifact upload is larger than the server's limit of ${maxBytes} bytes.`,
  );
}

export function createLocalArtifactRepository(root: string): ArtifactRepository {
  let rootReady: Promise<string> | undefined;
  /** The real path of the root, created on first use. */
  const realRoot = (): Promise<string> => {
    rootReady ??= mkdir(root, { recursive: true }).then(() => realpath(root));
    return rootReady;
  };
  const inside = async (relative: string): Promise<string> => {
    await realRoot();
    return resolveInsideRoot(root, relative);
  };

  async function writeBody(
    tempPath: string,
    body: Readable,
    maxBytes: number,
    expectedBytes: number | undefined,
  ): Promise<void> {
    const handle = await open(tempPath, "wx", 0o644);
    try {
      let written = 0;
      for await (const chunk of body) {
        const buf = chunk as Buffer;
        written += buf.length;
        if (written > maxBytes) throw tooLarge(maxBytes);
        await handle.write(buf);
      }
      // A client that disconnects mid-body can end the stream early without an error on some paths:
      // a short body against its declared length is a broken upload, not a smaller file.
      if (expectedBytes !== undefined && written !== expectedBytes) {
        throw invalidParameter(`Artifact upload ended after ${written} of ${expectedBytes} bytes.`);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  return {
    async put(relative, body, options) {
      const checked = checkArtifactPath(relative);
      const target = await inside(checked);
      const dir = path.dirname(target);
      try {
        await mkdir(dir, { recursive: true });
      } catch (err) {
        if (errno(err) === "EEXIST" || errno(err) === "ENOTDIR") {
          throw invalidParameter(`Invalid artifact path '${relative}': a parent of it is a file.`);
        }
        throw err;
      }
      // The directory now exists: prove again that it is inside the root (a symlink created meanwhile).
      await resolveInsideRoot(root, path.posix.dirname(checked) === "." ? "" : path.posix.dirname(checked));
      const existing = await stat(target).catch(() => undefined);
      if (existing?.isDirectory() === true) {
        throw invalidParameter(`Invalid artifact path '${relative}': it is a directory.`);
      }
      const tempPath = path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
      try {
        await writeBody(tempPath, body, options.maxBytes, options.expectedBytes);
        await rename(tempPath, target);
      } catch (err) {
        await unlink(tempPath).catch(() => undefined);
        throw err;
      }
      // Make the rename itself durable.
      const dirHandle = await open(dir, "r");
      try {
        await dirHandle.sync();
      } finally {
        await dirHandle.close();
      }
    },

    async get(relative): Promise<ArtifactFile> {
      const target = await inside(checkArtifactPath(relative)).catch((err: unknown) => {
        if (errno(err) === "ENOENT") throw notFound(`Artifact '${relative}' does not exist.`);
        throw err;
      });
      const info = await stat(target).catch(() => undefined);
      if (info === undefined || path.basename(target).startsWith(TEMP_PREFIX)) {
        throw notFound(`Artifact '${relative}' does not exist.`);
      }
      if (info.isDirectory()) {
        throw invalidParameter(`Artifact '${relative}' is a directory; list it instead of downloading it.`);
      }
      return { stream: createReadStream(target), size: info.size };
    },

    async list(relative): Promise<ArtifactFileInfo[] | undefined> {
      const checked = checkArtifactPath(relative, { allowRoot: true });
      let target: string;
      try {
        target = await inside(checked);
      } catch (err) {
        if (errno(err) === "ENOENT") return undefined;
        throw err;
      }
      const info = await stat(target).catch(() => undefined);
      if (info === undefined) return undefined;
      if (!info.isDirectory()) return [];
      const entries = await readdir(target, { withFileTypes: true });
      const files: ArtifactFileInfo[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith(TEMP_PREFIX)) continue;
        const childRelative = checked === "" ? entry.name : `${checked}/${entry.name}`;
        let child = path.join(target, entry.name);
        if (entry.isSymbolicLink()) {
          // A link is listed only if it stays inside the root; a link out is invisible.
          try {
            child = await resolveInsideRoot(root, childRelative);
          } catch {
            continue;
          }
        }
        const childInfo = await stat(child).catch(() => undefined);
        if (childInfo === undefined) continue;
        files.push(
          childInfo.isDirectory()
            ? { path: entry.name, isDir: true }
            : { path: entry.name, isDir: false, fileSize: childInfo.size },
        );
      }
      return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },

    async delete(relative) {
      // checkArtifactPath refuses "", ".", "./." and every other spelling of the root (the root-wipe CVEs).
      const checked = checkArtifactPath(relative);
      const rootPath = await realRoot();
      let resolved: string;
      try {
        resolved = await resolveInsideRoot(root, checked);
      } catch (err) {
        if (errno(err) === "ENOENT") return;
        throw err;
      }
      if (resolved === rootPath) {
        throw invalidParameter(`Invalid artifact path '${relative}': the artifact root cannot be deleted.`);
      }
      // Delete the lexical path, not the resolved one: a symlink inside the root is removed itself, its
      // target is left alone.
      const lexical = path.join(rootPath, ...checked.split("/"));
      if ((await lstat(lexical).catch(() => undefined)) === undefined) return;
      await rm(lexical, { recursive: true, force: true });
    },

    async exists(relative) {
      try {
        await stat(await inside(checkArtifactPath(relative, { allowRoot: true })));
        return true;
      } catch (err) {
        if (err instanceof FlowgateError) throw err;
        return false;
      }
    },
  };
}
