// A stored model's description without downloading it: its MLmodel, requirements and size, read from the
// local artifact store. Every path goes through resolveInsideRoot (no symlink or `..` escape), and only
// a few small text files are read — never the model's own (pickled) files.
import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { invalidParameter, notFound } from "../core/errors.js";
import { artifactUriPath } from "../artifacts/artifact-uri.js";
import { resolveInsideRoot } from "../artifacts/safe-path.js";
import { parseMLmodel, parseRequirements, type MLmodel } from "./mlmodel.js";

export interface ModelInfo {
  mlmodel: MLmodel;
  requirements: string[];
  /** From MLmodel's model_size_bytes, or the sum of the directory's file sizes when it has none. */
  sizeBytes: number;
}

const MAX_DESCRIPTOR_BYTES = 1024 * 1024;

async function readSmallText(file: string): Promise<string | undefined> {
  try {
    const info = await lstat(file);
    if (!info.isFile()) return undefined;
    if (info.size > MAX_DESCRIPTOR_BYTES)
      throw invalidParameter(`${path.basename(file)} is larger than 1 MB.`);
    return await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Sum of regular file sizes below `dir`; symlinks are not followed. */
async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await directorySize(p);
    else if (entry.isFile()) total += (await lstat(p)).size;
  }
  return total;
}

export async function readModelInfo(artifactRoot: string, storageUri: string): Promise<ModelInfo> {
  const storePath = artifactUriPath(storageUri, "storage location");
  let dir: string;
  try {
    dir = await resolveInsideRoot(artifactRoot, storePath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw notFound(`No model files at ${storageUri}.`);
    throw err;
  }
  const text = await readSmallText(path.join(dir, "MLmodel"));
  if (text === undefined)
    throw notFound(`No MLmodel file at ${storageUri}: the model's files were not uploaded.`);
  const mlmodel = parseMLmodel(text);
  const requirements = parseRequirements((await readSmallText(path.join(dir, "requirements.txt"))) ?? "");
  return { mlmodel, requirements, sizeBytes: mlmodel.modelSizeBytes ?? (await directorySize(dir)) };
}
