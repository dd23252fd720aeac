// Manifests on disk: one YAML file per object, `<kind>-<name>.yaml`, so `kubectl apply -f <dir>` takes them all
// and a review diff shows which object changed. Written only after they validated.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import type { Manifest } from "../validate/manifest.js";

export function manifestFileName(object: Manifest): string {
  return `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

export function manifestYaml(object: Manifest): string {
  // No line folding and no anchors: a reviewer reads exactly what the API server gets.
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Writes each object to `dir` and returns the file names in order. */
export async function writeManifests(dir: string, objects: readonly Manifest[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (const object of objects) {
    const name = manifestFileName(object);
    await writeFile(path.join(dir, name), manifestYaml(object));
    names.push(name);
  }
  return names;
}
