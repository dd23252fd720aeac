// Every manifest Flowgate generates is checked before it is written or applied: metadata naming rules, then the
// kind's schema (core kinds: kubernetes-models; custom kinds: the published CRD schema). A generator bug fails
// here, with the object and the field, instead of at `kubectl apply` or, worse, by a field silently pruned.
import { FlowgateError } from "../../core/errors.js";
import { coreKindProblems, isCoreKind } from "./core-kinds.js";
import { CrdSchemas } from "./crd-schemas.js";
import type { Manifest } from "./manifest.js";
import { metadataProblems } from "./object-names.js";

/** One object's problems, named by kind and name. */
export interface ManifestProblems {
  object: string;
  problems: string[];
}

export interface ValidateOptions {
  /**
   * The CRD schemas (shared across calls: compiling them is the expensive part); null skips custom kinds, for an
   * installation without the schema files (the CLI says so), undefined loads them from the default place.
   */
  crds?: CrdSchemas | null;
}

/** What is wrong with each object (only objects with problems are listed). */
export async function manifestProblems(
  objects: readonly Manifest[],
  options: ValidateOptions = {},
): Promise<ManifestProblems[]> {
  const crds = options.crds === undefined ? new CrdSchemas() : options.crds;
  const found: ManifestProblems[] = [];
  for (const object of objects) {
    const problems = metadataProblems(object);
    if (isCoreKind(object)) problems.push(...coreKindProblems(object));
    else if (CrdSchemas.knows(object)) {
      if (crds !== null) problems.push(...(await crds.problems(object)));
    } else problems.push(`${object.apiVersion} ${object.kind} is not a kind Flowgate can validate`);
    if (problems.length > 0) {
      found.push({ object: `${object.kind}/${object.metadata?.name ?? "(unnamed)"}`, problems });
    }
  }
  return found;
}

/** Throws INVALID_PARAMETER_VALUE listing every problem when any object is invalid. */
export async function validateManifests(
  objects: readonly Manifest[],
  options: ValidateOptions = {},
): Promise<void> {
  const found = await manifestProblems(objects, options);
  if (found.length === 0) return;
  const lines = found.flatMap((f) => f.problems.map((p) => `${f.object}: ${p}`));
  throw new FlowgateError(
    "INVALID_PARAMETER_VALUE",
    `Generated manifests do not validate:\n  ${lines.join("\n  ")}`,
  );
}
