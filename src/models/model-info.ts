// A stored model's description without downloading it: its MLmodel, requirements and size, read through
// the artifact repository (which validates every path and refuses escapes). Only a few small text files
// are read — never the model's own (pickled) files.
import { FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import { artifactUriPath } from "../artifacts/artifact-uri.js";
import type { ArtifactRepository } from "../artifacts/artifact-repo.js";
import { parseMLmodel, parseRequirements, type MLmodel } from "./mlmodel.js";

export interface ModelInfo {
  mlmodel: MLmodel;
  requirements: string[];
  /** From MLmodel's model_size_bytes, or the sum of the directory's file sizes when it has none. */
  sizeBytes: number;
}

const MAX_DESCRIPTOR_BYTES = 1024 * 1024;

async function readSmallText(repo: ArtifactRepository, file: string): Promise<string | undefined> {
  let opened;
  try {
    opened = await repo.get(file);
  } catch (err) {
    if (err instanceof FlowgateError && err.code === "RESOURCE_DOES_NOT_EXIST") return undefined;
    throw err;
  }
  if (opened.size > MAX_DESCRIPTOR_BYTES) {
    opened.stream.destroy();
    throw invalidParameter(`${file} is larger than 1 MB; it is not an MLmodel descriptor.`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function directorySize(repo: ArtifactRepository, dir: string): Promise<number> {
  let total = 0;
  for (const entry of (await repo.list(dir)) ?? []) {
    const child = `${dir}/${entry.path}`;
    total += entry.isDir ? await directorySize(repo, child) : (entry.fileSize ?? 0);
  }
  return total;
}

export async function readModelInfo(repo: ArtifactRepository, storageUri: string): Promise<ModelInfo> {
  const dir = artifactUriPath(storageUri, "storage location");
  const text = await readSmallText(repo, `${dir}/MLmodel`);
  if (text === undefined)
    throw notFound(`No MLmodel file at ${storageUri}: the model's files were not uploaded.`);
  const mlmodel = parseMLmodel(text);
  const requirements = parseRequirements((await readSmallText(repo, `${dir}/requirements.txt`)) ?? "");
  return { mlmodel, requirements, sizeBytes: mlmodel.modelSizeBytes ?? (await directorySize(repo, dir)) };
}
